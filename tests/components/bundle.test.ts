// The Lambda bundles are deterministic: the same sources give byte-identical code from any working
// directory (so a repeated `pulumi preview` shows no diff), with no machine paths in them.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  BUNDLE_FILE,
  BUNDLE_OPTIONS,
  bundleEntry,
  bundleHandler,
  bundleHash,
  handlerArchive,
  handlerEntry,
  REPO_ROOT,
} from "../../components/bundle";
import { HANDLER_NAMES } from "../../core/handler-manifest";

/** Bundles every handler in a fresh node process started in `cwd`; returns handler -> hash. */
function hashesFrom(cwd: string): Record<string, string> {
  const script = `
    const { bundleHandler } = require(${JSON.stringify(path.join(REPO_ROOT, "components", "bundle.ts"))});
    const names = ${JSON.stringify(HANDLER_NAMES)};
    process.stdout.write(JSON.stringify(Object.fromEntries(names.map((n) => [n, bundleHandler(n).hash]))));
  `;
  const r = spawnSync(process.execPath, ["-r", require.resolve("ts-node/register/transpile-only"), "-e", script], {
    cwd,
    env: { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json") },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, string>;
}

describe("infra: deterministic Lambda bundles", function () {
  this.timeout(180_000);

  it("pins the options that make output reproducible", () => {
    assert.equal(BUNDLE_OPTIONS.absWorkingDir, REPO_ROOT);
    assert.equal(BUNDLE_OPTIONS.sourcemap, false);
    assert.equal(BUNDLE_OPTIONS.legalComments, "none");
    assert.equal(BUNDLE_OPTIONS.target, "node22");
    assert.equal(BUNDLE_OPTIONS.format, "cjs");
    assert.equal(BUNDLE_OPTIONS.platform, "node");
    assert.equal(BUNDLE_OPTIONS.banner, undefined);
    assert.equal(BUNDLE_OPTIONS.define, undefined);
  });

  it("gives the same hash for every handler from two different working directories (fresh processes)", () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "cb-bundle-cwd-"));
    try {
      const fromTmp = hashesFrom(other);
      const fromFunctions = hashesFrom(path.join(REPO_ROOT, "functions"));
      assert.deepEqual(Object.keys(fromTmp).sort(), [...HANDLER_NAMES].sort());
      assert.deepEqual(fromTmp, fromFunctions);
      for (const h of HANDLER_NAMES) assert.equal(bundleHandler(h).hash, fromTmp[h], `${h}: this process vs. another cwd`);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it("contains no absolute path of this machine", () => {
    for (const h of HANDLER_NAMES) {
      const { code } = bundleHandler(h);
      assert.equal(code.includes(REPO_ROOT), false, `${h} embeds ${REPO_ROOT}`);
      assert.equal(code.includes(os.tmpdir() + path.sep), false);
      assert.equal(code.includes("sourceMappingURL"), false);
    }
  });

  it("hashes the code with sha256 and caches per entry", () => {
    const b = bundleHandler("fallback");
    assert.equal(b.hash, bundleHash(b.code));
    assert.match(b.hash, /^[0-9a-f]{64}$/);
    assert.equal(bundleEntry(handlerEntry("fallback")), b);
    assert.equal(b.entry, "functions/handlers/fallback.ts");
  });

  it("exports `handler` from the archive's index.js", async () => {
    const archive = handlerArchive("demo-downstream");
    const assets = (await (archive as unknown as { assets: Promise<Record<string, { text: Promise<string> }>> }).assets) ?? {};
    assert.deepEqual(Object.keys(assets), [BUNDLE_FILE]);
    const code = await assets[BUNDLE_FILE].text;
    assert.equal(code, bundleHandler("demo-downstream").code);
    const mod = { exports: {} as Record<string, unknown> };
    new Function("module", "exports", "require", code)(mod, mod.exports, require);
    assert.equal(typeof mod.exports.handler, "function");
  });

  it("rejects bad entries with a clear error", () => {
    assert.throws(() => handlerEntry("../index"), /handler name "..\/index" is not valid/);
    assert.throws(() => bundleEntry("../outside.ts"), /outside the repository root/);
    assert.throws(() => bundleHandler("no-such-handler"), /esbuild could not bundle functions\/handlers\/no-such-handler\.ts/);
  });
});
