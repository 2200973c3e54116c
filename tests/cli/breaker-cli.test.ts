// `npm run breaker`: status and manual override through the same StateStore code as the Lambdas,
// against real DynamoDB Local and redis-server.
import { strict as assert } from "node:assert";
import { parseArgs } from "../../cli/breaker";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../../cli/breaker";
import { ensureTable } from "../../functions/store/table-schema";
import { dynamoClient, freePort, startDynamoLocal, startRedis } from "../support/servers";

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => void err.push(a.join(" "));
  try {
    const code = await main(args, (l) => out.push(l));
    return { code, out, err };
  } finally {
    console.error = original;
  }
}

const TABLE = "cli-test-breakers";

describe("npm run breaker (operator CLI)", () => {
  const stores: { name: string; flags: () => string[] }[] = [];
  let dynamoFlags: string[] = [];
  let redisFlags: string[] = [];

  before(async () => {
    const ddb = await startDynamoLocal();
    await ensureTable(dynamoClient(ddb.endpoint), TABLE);
    dynamoFlags = ["--local", "--endpoint", ddb.endpoint, "--table", TABLE];
    const redis = await startRedis();
    redisFlags = ["--redis-url", redis.url];
  });
  stores.push({ name: "dynamodb", flags: () => dynamoFlags }, { name: "redis", flags: () => redisFlags });

  for (const store of stores) {
    describe(store.name, () => {
      it("refuses an override on a breaker the store has never seen, unless --create", async () => {
        const name = `unseen-${store.name.slice(0, 2)}-${Date.now() % 1e9}`;
        const refused = await run(["open", name, ...store.flags()]);
        assert.equal(refused.code, 2);
        assert.match(refused.err[0], /has no record.*--create/);
        const status = await run(["status", name, ...store.flags(), "--json"]);
        assert.equal(status.code, 0);
        assert.equal(JSON.parse(status.out[0]).record.startsWith("none"), true, "the refused override wrote nothing");
      });

      it("open forces the circuit open with who/why; close releases it; status shows both", async () => {
        const name = `ops-${store.name}-${Date.now()}`;
        const opened = await run(["open", name, ...store.flags(), "--create", "--reason", "INC-42 payments outage", "--json"]);
        assert.equal(opened.code, 0, opened.err.join("\n"));
        const audit = JSON.parse(opened.out[0]);
        assert.equal(audit.to, "FORCED_OPEN");
        assert.equal(audit.changed, true);
        assert.match(audit.by, /@/);
        assert.ok(
          opened.err.some((l) => l.includes('"audit":"breaker-override"')),
          "the override is logged as an audit line",
        );

        const status = JSON.parse((await run(["status", name, ...store.flags(), "--json"])).out[0]);
        assert.equal(status.state, "FORCED_OPEN");
        assert.equal(status.route, "reject");
        assert.equal(status.override.reason, "INC-42 payments outage");
        assert.equal(status.lastTransitions[0].to, "FORCED_OPEN");

        const again = JSON.parse((await run(["open", name, ...store.flags(), "--json"])).out[0]);
        assert.equal(again.changed, false, "a second open is not a new transition");

        const closed = JSON.parse((await run(["close", name, ...store.flags(), "--json"])).out[0]);
        assert.deepEqual([closed.from, closed.to, closed.changed], ["FORCED_OPEN", "CLOSED", true]);
        const after = JSON.parse((await run(["status", name, ...store.flags(), "--json"])).out[0]);
        assert.equal(after.state, "CLOSED");
        assert.equal(after.generation, 2);
      });

      it("disable lets everything through until enable; reset clears to CLOSED", async () => {
        const name = `dis-${store.name}-${Date.now()}`;
        assert.equal((await run(["disable", name, ...store.flags(), "--create"])).code, 0);
        const disabled = JSON.parse((await run(["status", name, ...store.flags(), "--json"])).out[0]);
        assert.deepEqual([disabled.state, disabled.route], ["DISABLED", "passthrough"]);
        assert.equal((await run(["enable", name, ...store.flags()])).code, 0);
        assert.equal(JSON.parse((await run(["status", name, ...store.flags(), "--json"])).out[0]).state, "CLOSED");
        const reset = await run(["reset", name, ...store.flags(), "--json"]);
        assert.equal(reset.code, 0);
        const s = JSON.parse((await run(["status", name, ...store.flags(), "--json"])).out[0]);
        assert.equal(s.state, "CLOSED");
        assert.deepEqual(s.counts, { consecutiveFailures: 0 });
      });
    });
  }

  describe("--stack: the store, the breaker names and their settings from `pulumi stack output --json`", () => {
    let bin: string;
    let savedPath: string | undefined;
    /** A stand-in `pulumi` on PATH that prints `outputs` for stack "dev" and fails like the CLI for any other. */
    function fakePulumi(outputs: Record<string, unknown>): void {
      const script = [
        "#!/bin/sh",
        `case "$*" in *"--stack dev"*) cat <<'JSON'`,
        JSON.stringify(outputs),
        "JSON",
        ";; *) echo \"error: no stack named '$6' found\" >&2; exit 255;; esac",
      ].join("\n");
      writeFileSync(path.join(bin, "pulumi"), script + "\n", { mode: 0o755 });
    }
    const outputs = () => ({
      stateStore: "dynamodb",
      tableName: TABLE,
      region: "eu-west-1",
      breakers: {
        payments: {
          stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:payments",
          settings: { tripRule: "window", failureThreshold: 3, windowSeconds: 60 },
        },
      },
    });
    const endpoint = () => dynamoFlags[dynamoFlags.indexOf("--endpoint") + 1];

    before(() => {
      bin = mkdtempSync(path.join(os.tmpdir(), "fake-pulumi-"));
      savedPath = process.env.PATH;
      process.env.PATH = `${bin}${path.delimiter}${savedPath}`;
    });
    after(() => {
      process.env.PATH = savedPath;
      rmSync(bin, { recursive: true, force: true });
    });

    it("refuses a breaker the stack does not deploy, for status too, naming the known ones", async () => {
      fakePulumi(outputs());
      for (const command of ["status", "open"]) {
        const r = await run([command, "nope", "--stack", "dev", "--endpoint", endpoint()]);
        assert.equal(r.code, 2);
        assert.equal(r.err[0], "breaker: unknown breaker 'nope' in stack 'dev'; known: payments");
      }
    });

    it("judges counts with the breaker's deployed trip rule and overrides a known breaker without --create", async () => {
      fakePulumi(outputs());
      const status = await run(["status", "payments", "--stack", "dev", "--endpoint", endpoint(), "--json"]);
      assert.equal(status.code, 0, status.err.join("\n"));
      const s = JSON.parse(status.out[0]);
      assert.equal(s.tripRule, "window");
      assert.deepEqual(s.counts, { failures: 0, successes: 0 });
      const opened = await run(["open", "payments", "--stack", "dev", "--endpoint", endpoint(), "--reason", "drill", "--json"]);
      assert.equal(opened.code, 0, opened.err.join("\n"));
      assert.equal(JSON.parse(opened.out[0]).to, "FORCED_OPEN");
      assert.match(JSON.parse(opened.out[0]).store, /stack dev table cli-test-breakers/);
      // The same record, seen through --local: the stack path opened the same table.
      const direct = JSON.parse((await run(["status", "payments", ...dynamoFlags, "--json"])).out[0]);
      assert.equal(direct.state, "FORCED_OPEN");
      assert.equal((await run(["reset", "payments", "--stack", "dev", "--endpoint", endpoint()])).code, 0);
    });

    it("a stack that is not there, or not this project's, is one clear line and exit 2", async () => {
      fakePulumi(outputs());
      const missing = await run(["status", "payments", "--stack", "prod"]);
      assert.equal(missing.code, 2);
      assert.match(missing.err[0], /^breaker: pulumi stack output failed for stack 'prod': error: no stack named/);
      fakePulumi({ tableName: TABLE });
      const foreign = await run(["status", "payments", "--stack", "dev"]);
      assert.equal(foreign.code, 2);
      assert.match(foreign.err[0], /stack 'dev' has no breakers output/);
    });
  });

  it("--help prints the usage and exits 0; a usage error is one line plus where to find the usage", async () => {
    const help = await run(["--help"]);
    assert.equal(help.code, 0);
    assert.match(help.out[0], /^usage: npm run breaker -- <status\|open\|close\|reset\|disable\|enable> <breaker>/);
    const bad = await run(["explode", "x", "--local"]);
    assert.deepEqual(bad.err, [
      "breaker: unknown command 'explode'; allowed: status, open, close, reset, disable, enable",
      "run `npm run breaker -- --help` for the usage",
    ]);
  });

  it("bad arguments give one clear line and exit 2", async () => {
    const cases: [string[], RegExp][] = [
      [[], /missing command/],
      [["explode", "x", "--local"], /unknown command 'explode'; allowed: status, open, close, reset, disable, enable/],
      [["status"], /missing breaker name/],
      [["status", "x"], /name exactly one store/],
      [["status", "x", "--local", "--redis-url", "redis://127.0.0.1:1"], /name exactly one store/],
      [["status", "x", "--redis-url", "http://nope"], /--redis-url is "http:\/\/nope"; allowed: redis:\/\/host\[:port\] or rediss:/],
      [["status", "bad name!", "--local"], /breaker name "bad name!" is invalid; allowed: a breaker name: 1 to 32/],
      // issue 14: usage errors (exit 2) naming the flag, not store errors
      [["status", "x", "--redis-url", "redis://"], /^breaker: --redis-url is "redis:\/\/"; allowed: redis:\/\/host/],
      [
        ["status", "x", "--redis-url", "redis://127.0.0.1:99999"],
        /^breaker: --redis-url is "redis:\/\/127\.0\.0\.1:99999"; allowed: .*port 1 to 65535/,
      ],
      [["status", "x", "--local", "--endpoint", "notaurl"], /^breaker: --endpoint is "notaurl"; allowed: an http:\/\/ or https:\/\/ URL/],
      [
        ["status", "x", "--redis-url", "redis://127.0.0.1:1", "--region", "eu-west-1"],
        /--region is "eu-west-1"; allowed: nothing with --redis-url/,
      ],
      [
        ["status", "x", "--redis-url", "redis://127.0.0.1:1", "--endpoint", "http://127.0.0.1:1"],
        /--endpoint is "http:\/\/127\.0\.0\.1:1"; allowed: nothing with --redis-url/,
      ],
      [["open", "x", "--local", "--reason", "a", "--reason", "b"], /--reason is given twice; allowed: once/],
      [["open", "a.b", "--local", "--create"], /breaker name "a\.b" is invalid; allowed: a breaker name/],
      [["open", "b".repeat(33), "--local", "--create"], /is invalid; allowed: a breaker name: 1 to 32/],
      [["status", "x", "--local", "--settings", '{"constructor":1}'], /settings\.constructor is not a breaker setting; allowed: tripRule,/],
      [
        ["status", "x", "--local", "--settings", '{"failureThreshold":"7"}'],
        /settings\.failureThreshold is "7"; allowed: an integer from 1 to 10000/,
      ],
      [
        ["status", "x", "--local", "--settings", '{"failureThreshold":0}'],
        /settings.failureThreshold is 0; allowed: an integer from 1 to 10000/,
      ],
      [["status", "x", "--local", "--bogus"], /unknown option --bogus/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, `exit code for ${args.join(" ")}`);
      assert.match(r.err[0], message);
    }
  });

  it("addresses a breaker named like an Object.prototype key (constructor, toString)", () => {
    for (const name of ["constructor", "toString", "hasOwnProperty"]) {
      const a = parseArgs(["open", name, "--local", "--reason", "drill"]);
      assert.equal(a.breaker, name);
      assert.equal(a.reason, "drill");
    }
  });

  it("an unreachable store gives one clear line and a non-zero exit", async () => {
    const port = await freePort();
    const r = await run(["status", "x", "--redis-url", `redis://127.0.0.1:${port}`]);
    assert.equal(r.code, 1);
    assert.match(r.err[0], /^breaker: StoreError: /);
  });

  it("from a shell, an error is its one line: no AWS SDK Node-version notice before it", async () => {
    const root = path.resolve(__dirname, "../..");
    const env = { ...process.env };
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
    const port = await freePort();
    const r = spawnSync("npm", ["run", "--silent", "breaker", "--", "status", "x", "--local", "--endpoint", `http://127.0.0.1:${port}`], {
      cwd: root,
      encoding: "utf8",
      env,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /NodeVersionSupportWarning|will require node/);
    assert.match(r.stderr, /^breaker: StoreError: .*ECONNREFUSED/);
  });

  it("runs as `npm run breaker` from a shell", () => {
    const root = path.resolve(__dirname, "../..");
    const r = spawnSync("npm", ["run", "--silent", "breaker", "--", "explode", "x", "--local"], { cwd: root, encoding: "utf8" });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /unknown command 'explode'/);
  });
});
