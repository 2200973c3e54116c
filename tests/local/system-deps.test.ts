// A fresh machine: `npm start`, `npm run bench` and `npm run soak` get the system programs their run needs
// through scripts/system-deps.js, the code `npm test` uses. Spawned with a PATH that hides them: not as root,
// exit 3 with the exact `sudo apt-get …` command and nothing run; as root, the install path is taken (a stub
// apt-get records its arguments; for npm start it "installs" by linking the machine's real java, and the run
// then completes on it).

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { provide } from "../../scripts/system-deps";
import { fastScenarioJson, ROOT, runCli, tempDir, writeJson } from "./support";

const isRoot = process.getuid?.() === 0;
/** Who runs the "not as root" cases: nobody when the suite runs as root, else the suite's own user. */
const NOT_ROOT = isRoot ? { user: { uid: 65534, gid: 65534 } } : {};
const BENCH = join(ROOT, "bench", "main.ts");
const SOAK = join(ROOT, "local", "soak.ts");

/** Where this machine has `name` (the suite's own set-up installed it). */
function realProgram(name: string): string {
  const r = spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" });
  assert.equal(r.status, 0, `${name} is on this machine's PATH`);
  return r.stdout.trim();
}

/** Debian package -> the program it provides (what the stub links when asked to install the package). */
const PROVIDES: Record<string, string> = { "openjdk-17-jre-headless": "java", "redis-server": "redis-server" };

/**
 * A directory to use as the whole PATH: no java, no redis-server, and an apt-get that appends its arguments
 * to `calls`. On `install`, it links the machine's real program for each package into the directory, or,
 * with `failInstall`, exits 100 as apt-get does when a package cannot be installed.
 */
function stubPath(o: { failInstall?: boolean } = {}): { dir: string; calls: () => string[] } {
  const dir = tempDir("stub-path-");
  chmodSync(dir, 0o755);
  const log = join(dir, "apt-get.calls");
  writeFileSync(log, "");
  chmodSync(log, 0o666);
  const links = Object.entries(PROVIDES)
    .map(([pkg, prog]) => `    ${pkg}) /bin/ln -sf "${realProgram(prog)}" "${dir}/${prog}" ;;`)
    .join("\n");
  const script = `#!/bin/sh
echo "$*" >> "${log}"
if [ "$1" = install ]; then
  ${
    o.failInstall
      ? "echo 'E: Unable to locate package' >&2; exit 100"
      : `for p in "$@"; do
  case "$p" in
${links}
  esac
  done`
  }
fi
exit 0
`;
  chmodSync(writeJson(dir, "apt-get", script), 0o755);
  return { dir, calls: () => readFileSync(log, "utf8").split("\n").filter(Boolean) };
}

describe("a fresh machine: the entry points install the system programs their run needs (scripts/system-deps.js)", function () {
  describe("not as root: exit 3 with the exact command, nothing run or installed", () => {
    const cases: { what: string; main?: string; args: string[]; command: string; needs: RegExp }[] = [
      {
        what: "npm start (DynamoDB Local needs Java)",
        args: [],
        command: "sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless",
        needs:
          /npm start \(its store, DynamoDB Local\) needs a program that is missing:\n {2}java: DynamoDB Local needs Java 17 or newer; java was not found/,
      },
      {
        what: "npm start --store redis",
        args: ["--store", "redis"],
        command: "sudo apt-get update && sudo apt-get install -y redis-server",
        needs:
          /npm start with --store redis \(it starts redis-server\) needs a program that is missing:\n {2}redis-server: redis-server was not found/,
      },
      {
        what: "npm run bench (both stores)",
        main: BENCH,
        args: [],
        command: "sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless redis-server",
        needs: /npm run bench .* needs programs that are missing/,
      },
      {
        what: "npm run soak (redis by default)",
        main: SOAK,
        args: [],
        command: "sudo apt-get update && sudo apt-get install -y redis-server",
        needs: /npm run soak with --store redis/,
      },
      {
        what: "npm run soak --store dynamodb",
        main: SOAK,
        args: ["--store", "dynamodb"],
        command: "sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless",
        needs: /npm run soak \(its store, DynamoDB Local\)/,
      },
    ];
    for (const c of cases) {
      it(c.what, async () => {
        const stub = stubPath();
        const outDir = join(tempDir("out-"), "report-dir");
        const r = await runCli([...c.args, ...(c.main ? [] : ["--out", outDir])], {
          env: { PATH: stub.dir },
          ...NOT_ROOT,
          ...(c.main ? { main: c.main } : {}),
        });
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, c.needs);
        assert.ok(
          r.stderr.includes(`install ${/them/.test(r.stderr) ? "them" : "it"} with:\n  ${c.command}\n`),
          `the exact command: ${c.command}\n${r.stderr}`,
        );
        assert.deepEqual(stub.calls(), [], "apt-get was not run");
        assert.doesNotMatch(r.stderr, /starting|store:/, "no store was started");
        assert.equal(existsSync(outDir), false, "no output directory was created");
      });
    }
  });

  describe("as root: the missing packages are installed with apt-get, naming what and why", () => {
    it("npm start with Java missing: installs openjdk-17-jre-headless, then runs on it and says how to open report.html", async function () {
      const stub = stubPath();
      if (!isRoot) {
        // The suite does not run as root: the same code, in process, told it may install.
        const saved = process.env.PATH;
        const lines: string[] = [];
        process.env.PATH = stub.dir;
        try {
          assert.deepEqual(provide(["java"], { needs: "npm start", root: true, log: (l) => lines.push(l) }).installed, [
            "openjdk-17-jre-headless",
          ]);
        } finally {
          process.env.PATH = saved;
        }
        assert.deepEqual(stub.calls(), ["--version", "update -qq", "install -y -qq openjdk-17-jre-headless"]);
        return;
      }
      const outDir = tempDir("fresh-run-");
      const scenario = writeJson(tempDir("scenario-"), "fast.json", fastScenarioJson({ speed: 15 }));
      const r = await runCli(["--scenario", scenario, "--out", outDir, "--quiet"], { env: { PATH: stub.dir } });
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /installing openjdk-17-jre-headless with apt-get: java for DynamoDB Local \(Java 17\+\), needed by npm start \(its store, DynamoDB Local\)/,
      );
      assert.deepEqual(
        stub.calls(),
        ["--version", "update -qq", "install -y -qq openjdk-17-jre-headless"],
        "apt-get update, then install of the one missing package",
      );
      assert.match(
        r.stderr,
        /store: DynamoDB Local at http:\/\/127\.0\.0\.1:\d+ \(started for this run/,
        "the run used the installed java",
      );
      const url = /open the report in a browser: (file:\/\/\S+)/.exec(r.stdout);
      assert.ok(url, `the end of the run says how to open report.html:\n${r.stdout}`);
      assert.equal(fileURLToPath(url[1]), join(outDir, "report.html"));
      assert.ok(existsSync(fileURLToPath(url[1])), "the URL points at the written page");
    });

    for (const c of [
      { what: "npm run bench", main: BENCH, args: [] as string[], pkgs: "openjdk-17-jre-headless redis-server" },
      { what: "npm run soak --store dynamodb", main: SOAK, args: ["--store", "dynamodb"], pkgs: "openjdk-17-jre-headless" },
    ]) {
      it(`${c.what}: takes the same install path; a failed apt-get is exit 3 with the command`, async function () {
        const stub = stubPath({ failInstall: true });
        if (!isRoot) {
          const saved = process.env.PATH;
          process.env.PATH = stub.dir;
          try {
            assert.throws(
              () => provide(c.pkgs.includes("redis") ? ["java", "redis-server"] : ["java"], { root: true, log: () => undefined }),
              /failed: exit 100/,
            );
          } finally {
            process.env.PATH = saved;
          }
          assert.deepEqual(stub.calls(), ["--version", "update -qq", `install -y -qq ${c.pkgs}`]);
          return;
        }
        const r = await runCli(c.args, { env: { PATH: stub.dir }, main: c.main });
        assert.equal(r.code, 3, r.stderr);
        assert.match(r.stderr, new RegExp(`installing ${c.pkgs.replace(" ", ", ")} with apt-get: java for DynamoDB Local`));
        assert.deepEqual(stub.calls(), ["--version", "update -qq", `install -y -qq ${c.pkgs}`]);
        assert.ok(r.stderr.includes(`('apt-get install -y -qq ${c.pkgs}' failed: exit 100)`), r.stderr);
        assert.ok(r.stderr.includes(`sudo apt-get update && sudo apt-get install -y ${c.pkgs}`), r.stderr);
        assert.doesNotMatch(r.stderr, /starting|store:|benchmark:|soak:/, "nothing was run");
      });
    }
  });

  it("npm test's check (scripts/system-deps.js) is the same code: not as root, the same command, exit 1", () => {
    const stub = stubPath();
    const r = spawnSync(process.execPath, [join(ROOT, "scripts", "system-deps.js"), "java", "redis-server"], {
      env: { PATH: stub.dir },
      encoding: "utf8",
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    assert.equal(r.status, 1, r.stderr);
    assert.ok(
      r.stderr.includes("install them with:\n  sudo apt-get update && sudo apt-get install -y openjdk-17-jre-headless redis-server\n"),
      r.stderr,
    );
    assert.deepEqual(stub.calls(), []);
  });
});
