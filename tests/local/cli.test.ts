// `npm start` as a user runs it (a separate process): bad input stops it before anything starts; a run
// starts its own store process and stops it at the end, on Ctrl-C too; an existing Redis is left alone.

import { strict as assert } from "node:assert";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Redis from "ioredis";
import { startRedis } from "../support/servers";
import { fastScenarioJson, isAlive, runCli, startedPid, tempDir, writeJson } from "./support";

/** A PATH whose java and redis-server only leave a mark: proves nothing was started. */
function fakePrograms(): { path: string; mark: string } {
  const dir = tempDir("fake-bin-");
  const mark = join(dir, "started");
  for (const name of ["java", "redis-server"]) {
    const file = writeJson(dir, name, `#!/bin/sh\necho "${name} $*" >> "${mark}"\nexit 1\n`);
    chmodSync(file, 0o755);
  }
  return { path: dir, mark };
}

describe("npm start (spawned)", function () {
  describe("bad input: a clear error, a non-zero exit, nothing started", () => {
    const fake = fakePrograms();
    const out = () => join(tempDir("out-"), "report-dir");

    const cases: { what: string; args: (dir: string) => string[]; message: RegExp }[] = [
      { what: "an unknown store", args: () => ["--store", "mysql"], message: /error: --store is "mysql"; allowed: dynamodb, redis/ },
      { what: "an unknown option", args: () => ["--speeed", "3"], message: /error: unknown option "--speeed"; allowed: / },
      { what: "a bad speed", args: () => ["--speed", "-1"], message: /error: --speed is "-1"; allowed: a number from 0\.01 to 1000/ },
      {
        what: "an invalid scenario",
        args: (dir) => {
          const s = fastScenarioJson();
          (s.phases as Record<string, unknown>[])[2].failureRate = 1.5;
          return ["--scenario", writeJson(dir, "bad.json", s)];
        },
        message: /error: scenario\.phases\[2\]\.failureRate is 1\.5; allowed: a number from 0 to 1/,
      },
      {
        what: "an unreadable scenario file",
        args: (dir) => ["--scenario", join(dir, "nope.json")],
        message: /error: cannot read scenario file .*nope\.json: ENOENT/,
      },
    ];
    for (const c of cases) {
      it(`${c.what}`, async () => {
        const dir = tempDir("bad-");
        const outDir = out();
        const r = await runCli([...c.args(dir), "--out", outDir], { env: { PATH: fake.path } });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, c.message);
        assert.doesNotMatch(r.stderr, /starting|store:/, "it did not start a store");
        assert.equal(existsSync(fake.mark), false, "neither java nor redis-server was run");
        assert.equal(existsSync(outDir), false, "no output directory was created");
      });
    }

    it("Java missing: says how to install it, starts nothing", async () => {
      const empty = tempDir("no-java-");
      const outDir = out();
      const r = await runCli(["--out", outDir], { env: { PATH: empty } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /DynamoDB Local needs Java 17 or newer; java was not found/);
      assert.match(r.stderr, /apt-get install -y openjdk-17-jre-headless/);
      assert.equal(existsSync(outDir), false);
    });

    describe("--out that cannot be created: exit 2 naming the folder and why, nothing started", () => {
      const isRoot = process.getuid?.() === 0;
      it("under a read-only folder: says it is not writable (not ENOENT)", async () => {
        const ro = tempDir("read-only-");
        chmodSync(ro, 0o555);
        // Root writes anywhere: the case is run as nobody then.
        const r = await runCli(["--out", join(ro, "a", "b")], isRoot ? { user: { uid: 65534, gid: 65534 } } : {});
        assert.equal(r.code, 2, r.stderr);
        assert.ok(
          r.stderr.includes(
            `cannot create the directory: the folder ${ro} is not writable, so ${join(ro, "a")} cannot be created (EACCES)`,
          ),
          r.stderr,
        );
        assert.doesNotMatch(r.stderr, /ENOENT|starting|store:/);
      });
      it("under a file: says it is a file", async () => {
        const dir = tempDir("file-parent-");
        const file = writeJson(dir, "plain.txt", "x");
        const r = await runCli(["--out", join(file, "out")]);
        assert.equal(r.code, 2, r.stderr);
        assert.ok(r.stderr.includes(`cannot create the directory: ${file} is a file, not a folder`), r.stderr);
      });
      it("under /proc (where Node's recursive mkdir loops forever): a clear error at once", async () => {
        const r = await runCli(["--out", "/proc/circuit-breaker-test/out"], { timeoutMs: 60_000 });
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, /cannot create the directory: .*\/proc.* \/proc\/circuit-breaker-test/);
      });
    });

    it("--help prints the usage and starts nothing", async () => {
      const r = await runCli(["--help"], { env: { PATH: fake.path } });
      assert.equal(r.code, 0);
      assert.match(r.stdout, /usage: npm start -- \[options\]/);
      assert.equal(existsSync(fake.mark), false);
    });
  });

  describe("a run", () => {
    const scenarioFile = (store: "dynamodb" | "redis") =>
      writeJson(tempDir("scenario-"), "fast.json", fastScenarioJson({ store, speed: 15 }));

    for (const store of ["dynamodb", "redis"] as const) {
      it(`with --store ${store}: starts its own ${store === "dynamodb" ? "DynamoDB Local" : "redis-server"}, writes the report, stops the process`, async () => {
        const outDir = tempDir("run-");
        const r = await runCli(["--scenario", scenarioFile(store), "--store", store, "--out", outDir]);
        assert.equal(r.code, 0, r.stderr);
        const pid = startedPid(r.stderr);
        assert.ok(pid, `it printed the pid of the process it started:\n${r.stderr}`);
        assert.equal(isAlive(pid), false, "the store process it started is gone");
        assert.match(r.stderr, /\[\s*[\d.]+\/45 s /, "live lines while running");
        assert.match(r.stdout, /phase\s+role\s+seconds\s+executions\s+succeeded\s+fallback\s+rejected/, "a summary table per phase");
        const report = JSON.parse(readFileSync(join(outDir, "report.json"), "utf8"));
        assert.equal(report.scenario.store, store);
        assert.equal(report.scenario.speed, 15);
        assert.equal(report.phases.length, 3);
        assert.ok(report.transitions.some((t: { to: string }) => t.to === "OPEN"));
        assert.ok(existsSync(join(outDir, "report.html")));
      });
    }

    it("with --redis-url: uses that Redis and leaves it running", async () => {
      const redis = await startRedis();
      const outDir = tempDir("run-");
      const r = await runCli(["--scenario", scenarioFile("redis"), "--redis-url", redis.url, "--out", outDir, "--quiet"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(startedPid(r.stderr), null, "it started no process");
      assert.match(r.stderr, /not started here/);
      const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      try {
        assert.equal(await client.ping(), "PONG", "the existing Redis still answers");
      } finally {
        client.disconnect();
      }
    });

    it("Ctrl-C (SIGINT): stops the traffic, stops the process it started, exits 130", async () => {
      const outDir = tempDir("run-");
      let sent = false;
      const r = await runCli(["--scenario", scenarioFile("dynamodb"), "--out", outDir, "--speed", "2"], {
        onStderr: (text, child) => {
          // After the first live line: the store is up and executions are running.
          if (!sent && /\[\s*[\d.]+\/45 s /.test(text)) {
            sent = true;
            child.kill("SIGINT");
          }
        },
      });
      assert.ok(sent, `a live line appeared:\n${r.stderr}`);
      assert.equal(r.code, 130, r.stderr);
      assert.match(r.stderr, /SIGINT: no new executions/);
      const pid = startedPid(r.stderr);
      assert.ok(pid);
      assert.equal(isAlive(pid), false, "DynamoDB Local, which it started, is stopped");
      const report = JSON.parse(readFileSync(join(outDir, "report.json"), "utf8"));
      assert.ok(
        report.totals.executions > 0 && report.totals.executions < 360,
        "the report covers the executions started before the interrupt",
      );
    });
  });
});
