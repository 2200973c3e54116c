// The lint set-up (eslint.config.mjs) enforces the folder boundaries: each forbidden import below fails lint in
// a file at that path, and the allowed ones pass. The code is linted from memory; no file is written.

import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ESLint } from "eslint";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** [file the import is in, module specifier] */
type Case = [string, string];

const FORBIDDEN: Case[] = [
  ["core/breaker-extra.ts", "@pulumi/pulumi"],
  ["core/breaker-extra.ts", "@aws-sdk/client-dynamodb"],
  ["core/breaker-extra.ts", "ioredis"],
  ["core/breaker-extra.ts", "node:fs"],
  ["core/breaker-extra.ts", "../functions/store/redis-store"],
  ["core/breaker-extra.ts", "../components/iam"],
  ["core/schema/extra.ts", "../../local/scenario"],
  ["components/extra.ts", "../functions/store/redis-store"],
  ["components/extra.ts", "../functions/handlers/demo-downstream"],
  ["components/extra.ts", "../functions/registry"],
  ["components/extra.ts", "ioredis"],
  ["components/extra.ts", "@aws-sdk/client-ssm"],
  ["components/extra.ts", "../local/scenario"],
  ["index.ts", "./functions/store/from-env"],
  ["functions/shared/extra.ts", "@pulumi/pulumi"],
  ["functions/shared/extra.ts", "../../components/iam"],
  ["functions/shared/extra.ts", "../../local/runner"],
  ["functions/breaker/service.ts", "../store/redis-store"],
  ["functions/breaker/service.ts", "../store/dynamodb-store"],
  ["local/extra.ts", "../components/state-machine-definition"],
  ["local/report/extra.ts", "../../components/circuit-breaker"],
  ["local/extra.ts", "@pulumi/pulumi"],
  ["local/extra.ts", "../functions/handlers/acquire-slot"],
  ["local/report/extra.ts", "../../functions/handlers/fallback"],
  ["local/extra.ts", "../bench/main"],
  ["local/extra.ts", "../tests/support/policy-engine"],
  ["bench/extra.ts", "../tests/support/run-under-mocks"],
  ["bench/extra.ts", "../components/state-machine-definition"],
  ["bench/extra.ts", "@pulumi/aws"],
  ["local/extra.ts", "../cli/breaker"],
  ["functions/shared/extra.ts", "../../cli/breaker"],
  ["components/extra.ts", "../cli/breaker"],
  ["bench/extra.ts", "../cli/breaker"],
  ["cli/breaker.ts", "../components/config"],
  ["cli/breaker.ts", "../local/local-store"],
  ["policy/extra.ts", "../core/metric-names"],
  ["policy/util/extra.ts", "../../components/tags"],
];

const ALLOWED: Case[] = [
  ["core/breaker-extra.ts", "./settings"],
  ["core/breaker-extra.ts", "zod"],
  ["core/schema/extra.ts", "../settings"],
  ["components/extra.ts", "../core/handler-manifest"],
  ["components/extra.ts", "@pulumi/aws"],
  ["components/extra.ts", "./iam"],
  ["index.ts", "./components/circuit-breaker"],
  ["functions/shared/extra.ts", "../../core/contracts"],
  ["functions/shared/extra.ts", "../store/from-env"],
  ["functions/shared/extra.ts", "@aws-sdk/client-ssm"],
  ["functions/breaker/service.ts", "../../core/state-store"],
  ["local/extra.ts", "../core/state-machine-definition"],
  ["local/extra.ts", "../functions/registry"],
  ["local/extra.ts", "../functions/shared/runtime"],
  ["bench/extra.ts", "../local/runner"],
  ["local/extra.ts", "../scripts/system-deps"],
  ["bench/extra.ts", "../scripts/system-deps"],
  ["cli/breaker.ts", "../functions/store/from-env"],
  ["policy/extra.ts", "./util/config"],
];

describe("lint: import boundaries", function () {
  this.timeout(60_000);
  const eslint = new ESLint({ cwd: REPO_ROOT });

  async function restrictedImportErrors([file, specifier]: Case): Promise<string[]> {
    const code = `import * as m from ${JSON.stringify(specifier)};\nexport const used = m;\n`;
    const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
    return result.messages.filter((m) => m.ruleId === "no-restricted-imports" && m.severity === 2).map((m) => m.message);
  }

  for (const c of FORBIDDEN) {
    it(`fails on ${c[1]} in ${c[0]}`, async () => {
      const errors = await restrictedImportErrors(c);
      assert.equal(errors.length, 1, `expected one no-restricted-imports error, got ${JSON.stringify(errors)}`);
    });
  }

  it("fails on Node-only globals in core/ (Buffer, process), not elsewhere", async () => {
    const globals = async (file: string) => {
      const code = 'export const n = Buffer.byteLength("a") + Number(process.env.X);\n';
      const [result] = await eslint.lintText(code, { filePath: path.join(REPO_ROOT, file) });
      return result.messages.filter((m) => m.ruleId === "no-restricted-globals" && m.severity === 2).length;
    };
    assert.equal(await globals("core/extra.ts"), 2);
    assert.equal(await globals("functions/shared/extra.ts"), 0);
  });

  it("passes the allowed imports", async () => {
    for (const c of ALLOWED) assert.deepEqual(await restrictedImportErrors(c), [], `${c[1]} in ${c[0]}`);
  });

  it("passes the repo's own code: the forbidden imports above are absent", async () => {
    const files = ["core", "components", "functions", "local", "bench", "policy", "cli"]
      .map((d) => path.join(REPO_ROOT, d))
      .concat([path.join(REPO_ROOT, "index.ts")]);
    const results = await eslint.lintFiles(files);
    const found = results.flatMap((r) =>
      r.messages
        .filter((m) => m.ruleId === "no-restricted-imports")
        .map((m) => `${path.relative(REPO_ROOT, r.filePath)}:${m.line} ${m.message}`),
    );
    assert.deepEqual(found, []);
  });
});

describe("lint: eslint-disable comments", () => {
  it("every eslint-disable names its reason on the same line (`-- why`)", () => {
    const bare: string[] = [];
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.name === "node_modules" || e.name.startsWith(".") || e.name === "bin") continue;
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|js|mjs|cjs)$/.test(e.name) && p !== __filename) {
          fs.readFileSync(p, "utf8")
            .split("\n")
            .forEach((line, i) => {
              if (/eslint-disable/.test(line) && !/eslint-disable[^\n]*\s--\s+\S/.test(line))
                bare.push(`${path.relative(REPO_ROOT, p)}:${i + 1}`);
            });
        }
      }
    };
    walk(REPO_ROOT);
    assert.deepEqual(bare, []);
  });
});
