// `npm run breaker -- <cmd> <breaker> --stack <stack>` on an ElastiCache stack, end to end as an operator runs it:
// a child process with a stand-in `pulumi` on PATH printing the stack's outputs (redisEndpoint, redisPort,
// redisAuthSecretArn, breakers, region), the AUTH token read from Secrets Manager (a loopback endpoint, through
// the SDK's own AWS_ENDPOINT_URL_SECRETS_MANAGER), and a TLS-only redis-server whose CA the process trusts through
// NODE_EXTRA_CA_CERTS. Nothing in cli/breaker.ts knows it is a test.

import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { BreakerService } from "../../functions/breaker/service";
import { loadSettings } from "../../core/settings";
import { RedisStore } from "../../functions/store/redis-store";
import { fakeAwsEndpoint, FakeAwsEndpoint, uniqueBreaker } from "../functions/support";
import { makeCertificates, secretReads, secretsManagerAnswers, startTlsRedis, TlsFiles, TlsRedis } from "../support/tls-redis";

const ROOT = resolve(__dirname, "../..");
const TOKEN = "cli-tls-auth-token-0123456789abcdef";
const ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:circuit-breaker-prod-redis-auth-AbCdEf";

describe("npm run breaker --stack on an ElastiCache stack (TLS, AUTH from Secrets Manager)", function () {
  let files: TlsFiles;
  let server: TlsRedis;
  let sm: FakeAwsEndpoint;
  let bin: string;
  const breaker = uniqueBreaker("payments");
  // An open period far longer than the test: the CLI child starts slowly under load, and the default 2 s would have
  // let the circuit go HALF_OPEN before `status` reads it.
  const settings = loadSettings({
    tripRule: "rate",
    minimumCalls: 2,
    failureRateThreshold: 0.5,
    windowSeconds: 60,
    openDurationSeconds: 3600,
    maxOpenDurationSeconds: 3600,
  });

  /**
   * Runs the CLI in a child process as an operator would, with the stack's outputs behind `pulumi`. Asynchronously:
   * the Secrets Manager endpoint answers from this process.
   */
  function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "cli/breaker.ts", ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: `${bin}${delimiter}${process.env.PATH}`,
        HOME: process.env.HOME,
        AWS_ACCESS_KEY_ID: "x",
        AWS_SECRET_ACCESS_KEY: "x",
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        NODE_EXTRA_CA_CERTS: files.caFile,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise((done) => child.on("close", (status) => done({ status, stdout, stderr })));
  }

  before(async function () {
    files = makeCertificates();
    server = await startTlsRedis(files, TOKEN);
    sm = await fakeAwsEndpoint();
    sm.respond = secretsManagerAnswers(new Map([[ARN, JSON.stringify({ authToken: TOKEN })]]));
    bin = mkdtempSync(join(tmpdir(), "fake-pulumi-"));
    const outputs = {
      stateStore: "elasticache",
      redisEndpoint: "127.0.0.1",
      redisPort: server.port,
      redisAuthSecretArn: ARN,
      region: "us-east-1",
      breakers: { [breaker]: { stateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${breaker}`, settings } },
    };
    writeFileSync(join(bin, "pulumi"), `#!/bin/sh\ncat <<'JSON'\n${JSON.stringify(outputs)}\nJSON\n`, { mode: 0o755 });
    // The breaker tripped, written as a Lambda of the stack writes it (TLS, AUTH).
    const store = new RedisStore({ host: "127.0.0.1", port: server.port, tls: true, tlsCa: files.caPem, password: TOKEN });
    try {
      const svc = new BreakerService(store);
      for (let i = 0; i < 2; i++) await svc.recordOutcome(breaker, settings, 0, { kind: "failure", error: "ServiceUnavailable" });
      assert.equal((await svc.status(breaker))?.state, "OPEN");
    } finally {
      await store.close();
    }
  });
  after(async () => {
    await sm?.close();
    await server?.stop();
    if (files) rmSync(files.dir, { recursive: true, force: true });
    if (bin) rmSync(bin, { recursive: true, force: true });
  });

  it("status reads the OPEN breaker over TLS with the token from the stack's secret, judged by its deployed rate rule", async () => {
    const r = await cli(["status", breaker, "--stack", "prod", "--json"]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.equal(s.state, "OPEN");
    assert.equal(s.route, "reject");
    assert.equal(s.tripRule, "rate");
    assert.deepEqual(secretReads(sm), [ARN], "the AUTH token came from the stack's secret, read once");
  });

  it("refuses a name the stack does not deploy, before opening the store", async () => {
    sm.seen.length = 0;
    const r = await cli(["status", "nope", "--stack", "prod"]);
    assert.equal(r.status, 2);
    assert.match(r.stderr, new RegExp(`^breaker: unknown breaker 'nope' in stack 'prod'; known: ${breaker}$`, "m"));
    assert.deepEqual(secretReads(sm), []);
  });
});
