// The Redis store over TLS with AUTH, end to end: a TLS-only redis-server (--port 0, --tls-port, --requirepass)
// with a throwaway CA and server certificate made by `openssl` at test time, opened the way a Lambda opens it:
// storeFromEnv with the environment the ElastiCacheStateStore component gives the functions for ElastiCache
// (STORE_KIND, REDIS_HOST, REDIS_PORT, REDIS_TLS=true, REDIS_AUTH_SECRET_ARN, STORE_TIMEOUT_MS), the AUTH token
// read at cold start by the real Secrets Manager client from a local endpoint speaking its JSON protocol.
// Only two things differ from a Lambda: that endpoint (storeFromEnv's `secretsManager` option) and the test CA
// (`redisTlsCa`), since the server's certificate cannot chain to a public root.

import { strict as assert } from "node:assert";
import { rmSync } from "node:fs";
import { createConnection } from "node:net";
import Redis from "ioredis";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { cachedStore, Env, HandlerDeps } from "../../functions/shared/runtime";
import { storeFromEnv, StoreFromEnvOptions } from "../../functions/store/from-env";
import { redisKey } from "../../core/store-schema";
import { StateStore, StoreError } from "../../core/state-store";
import { AWS_JSON, CapturedMetrics, fakeAwsEndpoint, FakeAwsEndpoint, FAKE_AWS_CLIENT, RecordingLog, uniqueBreaker } from "./support";
import { makeCertificates, secretReads, secretsManagerAnswers, startTlsRedis, TlsFiles, TlsRedis } from "../support/tls-redis";

const TOKEN = "tls-auth-token-0123456789abcdef";
const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:breaker-redis-auth-AbCdEf";
const WRONG_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:breaker-redis-wrong-GhIjKl";

// ---------------------------------------------------------------------------------------------

describe("Redis store over TLS with AUTH from Secrets Manager (TLS-only redis-server)", function () {
  let files: TlsFiles;
  let server: TlsRedis;
  let sm: FakeAwsEndpoint;
  const secrets = new Map<string, string>([
    [ARN, JSON.stringify({ authToken: TOKEN })],
    [WRONG_ARN, "not-the-token"],
  ]);
  const opened: StateStore[] = [];

  /** The environment ElastiCacheStateStore sets on the functions for ElastiCache (components/elasticache-state-store.ts). */
  function lambdaEnv(overrides: Env = {}): Env {
    return {
      STORE_KIND: "redis",
      REDIS_HOST: "127.0.0.1",
      REDIS_PORT: String(server.port),
      REDIS_TLS: "true",
      REDIS_AUTH_SECRET_ARN: ARN,
      STORE_TIMEOUT_MS: "1000",
      ...overrides,
    };
  }

  /** What stays local-only: the Secrets Manager endpoint and the test CA. */
  function localOptions(overrides: StoreFromEnvOptions = {}): StoreFromEnvOptions {
    return { secretsManager: { endpoint: sm.url, ...FAKE_AWS_CLIENT }, redisTlsCa: files.caPem, ...overrides };
  }

  async function open(env: Env, options: StoreFromEnvOptions = localOptions()): Promise<StateStore> {
    const store = await storeFromEnv(env, options);
    opened.push(store);
    return store;
  }

  /** A container's cold start, as define-handler.ts does it (store opened on first use, cached), with captured telemetry. */
  /** `settings`: what the breaker's state machine sends with every event to the shared handlers. */
  function coldStart(env: Env, settings: object = {}, options: StoreFromEnvOptions = localOptions()) {
    const metrics = new CapturedMetrics();
    const log = new RecordingLog();
    const deps: HandlerDeps = {
      settings: null,
      store: cachedStore(() => open(env, options)),
      clock: Date.now,
      metrics: metrics.sink,
      log,
    };
    const record = recordOutcomeDefinition.make(deps);
    const status = getStatusDefinition.make(deps);
    return {
      deps,
      metrics,
      log,
      recordOutcome: (e: object) => record({ ...e, settings }),
      getStatus: (e: object) => status({ ...e, settings }),
    };
  }

  before(async function () {
    files = makeCertificates();
    server = await startTlsRedis(files, TOKEN);
    sm = await fakeAwsEndpoint();
    sm.respond = secretsManagerAnswers(secrets);
  });
  beforeEach(() => {
    sm.seen.length = 0;
  });
  afterEach(async () => {
    while (opened.length)
      await opened
        .pop()!
        .close()
        .catch(() => undefined);
  });
  after(async () => {
    await sm?.close();
    await server?.stop();
    if (files) rmSync(files.dir, { recursive: true, force: true });
  });

  it("a breaker trips to OPEN and is read back over TLS with the AUTH token from the secret", async () => {
    const breaker = uniqueBreaker("tls");
    const env = lambdaEnv();
    const lambda = coldStart(env, { failureThreshold: 1 });

    const tripped = await lambda.recordOutcome({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    assert.equal(tripped.result, "tripped", JSON.stringify(tripped));
    assert.equal(tripped.state, "OPEN");
    assert.deepEqual([tripped.transition?.from, tripped.transition?.to, tripped.transition?.gen], ["CLOSED", "OPEN", 1]);

    const status = await lambda.getStatus({ breaker });
    assert.equal(status.StoreError, undefined, JSON.stringify(status));
    assert.equal(status.Item?.state.S, "OPEN");
    assert.equal(status.Item?.gen.N, "1");
    assert.ok(status.Item?.openUntilIso?.S, "an OPEN record carries openUntilIso");

    const rec = await (await lambda.deps.store()).get(breaker);
    assert.equal(rec?.state, "OPEN");
    assert.equal(rec?.gen, 1);
    assert.equal(lambda.log.withMessage("state store error").length, 0, JSON.stringify(lambda.log.entries));

    // The record is on the TLS server itself: read it with a separate TLS client that authenticates.
    const admin = new Redis({
      host: "127.0.0.1",
      port: server.port,
      tls: { ca: files.caPem },
      password: TOKEN,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    try {
      await admin.connect();
      const hash = await admin.hgetall(redisKey(breaker));
      assert.deepEqual([hash.state, hash.gen], ["OPEN", "1"]);
    } finally {
      admin.disconnect();
    }
  });

  it("the secret is read once per cold start, however many store operations follow", async () => {
    const breaker = uniqueBreaker("cold");
    const env = lambdaEnv();
    const first = coldStart(env, { failureThreshold: 3 });
    for (let i = 0; i < 3; i++) {
      const status = await first.getStatus({ breaker });
      assert.equal(status.StoreError, undefined, JSON.stringify(status));
      const r = await first.recordOutcome({ breaker, gen: 0, outcome: "failure", error: "Boom" });
      assert.notEqual(r.result, "store-error", JSON.stringify(r));
    }
    assert.equal((await first.getStatus({ breaker })).Item?.state.S, "OPEN");
    assert.deepEqual(secretReads(sm), [ARN], "one GetSecretValue for the first container's 7 invocations");
    const [req] = sm.seen;
    assert.equal(req.method, "POST");
    assert.equal(req.headers["content-type"], AWS_JSON);
    assert.match(String(req.headers.authorization), /^AWS4-HMAC-SHA256 Credential=x\/\d{8}\/us-east-1\/secretsmanager\/aws4_request/);

    // A second container (another cold start) reads it again, once, and sees the same state.
    const second = coldStart(env, { failureThreshold: 3 });
    assert.equal((await second.getStatus({ breaker })).Item?.state.S, "OPEN");
    assert.equal((await second.getStatus({ breaker })).Item?.state.S, "OPEN");
    assert.deepEqual(secretReads(sm), [ARN, ARN]);
  });

  it("a wrong token: the store fails with a StoreError naming the auth failure; get-status applies onStoreError", async () => {
    const env = lambdaEnv({ REDIS_AUTH_SECRET_ARN: WRONG_ARN });
    const store = await open(env);
    const breaker = uniqueBreaker("wrong");
    await assert.rejects(store.get(breaker), (e: Error) => {
      assert.ok(e instanceof StoreError, `${e.name}: ${e.message}`);
      assert.match(e.message, new RegExp(`^redis 127\\.0\\.0\\.1:${server.port}: HGETALL for breaker '${breaker}' failed`));
      assert.match(e.message, /WRONGPASS invalid username-password pair/);
      return true;
    });
    assert.deepEqual(secretReads(sm), [WRONG_ARN]);

    for (const onStoreError of ["allow", "reject"] as const) {
      const lambda = coldStart(lambdaEnv({ REDIS_AUTH_SECRET_ARN: WRONG_ARN }), { onStoreError });
      const status = await lambda.getStatus({ breaker });
      assert.deepEqual(status, { StoreError: { allow: onStoreError === "allow" } });
      const [logged] = lambda.log.withMessage("state store error");
      assert.ok(logged, JSON.stringify(lambda.log.entries));
      assert.equal(logged.attributes.onStoreError, onStoreError);
      assert.equal(logged.attributes.errorName, "StoreError");
      assert.match(String(logged.attributes.errorMessage), /WRONGPASS/);
      assert.equal(lambda.metrics.totals(breaker).StoreErrors, 1, JSON.stringify(lambda.metrics.names()));
    }
  });

  it("a rotated token: the refused call fails per onStoreError at once, the next invocation reads the secret again and works", async () => {
    const breaker = uniqueBreaker("rotate");
    const lambda = coldStart(lambdaEnv(), { onStoreError: "allow" });
    assert.equal((await lambda.getStatus({ breaker })).StoreError, undefined);
    assert.deepEqual(secretReads(sm), [ARN]);
    const rotated = "rotated-token-0123456789abcdef";
    // The warm container's connection (a test-only look inside the store). The call is made the moment that
    // connection drops, while it reconnects with the token it cached: a call made before the client noticed
    // the drop fails per onStoreError too, but as a timeout or an unwritable stream, and one made after the
    // refusal already reopens the store. Either would make this test depend on timing.
    const warmClient = ((await lambda.deps.store()) as unknown as { redis: Redis }).redis;
    const admin = new Redis({
      host: "127.0.0.1",
      port: server.port,
      tls: { ca: files.caPem },
      password: TOKEN,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    await admin.connect();
    try {
      // The rotation: the server takes the new token, the secret holds it, and the old connections are dropped
      // (as a failover or a thaw would), so the warm container reconnects with the token it cached.
      await admin.config("SET", "requirepass", rotated);
      secrets.set(ARN, JSON.stringify({ authToken: rotated }));
      const duringReconnect = new Promise<Awaited<ReturnType<typeof lambda.getStatus>>>((resolve, reject) =>
        warmClient.once("close", () => lambda.getStatus({ breaker }).then(resolve, reject)),
      );
      await admin.client("KILL", "TYPE", "normal", "SKIPME", "yes");
      const refused = await duringReconnect;
      assert.deepEqual(refused, { StoreError: { allow: true } });
      assert.match(
        String(lambda.log.withMessage("state store error")[0]?.attributes.errorMessage),
        /refused the AUTH credentials: WRONGPASS/,
      );
      assert.deepEqual(secretReads(sm), [ARN], "the refused call did not read the secret yet");
      const next = await lambda.getStatus({ breaker });
      assert.equal(next.StoreError, undefined, JSON.stringify(next));
      assert.deepEqual(secretReads(sm), [ARN, ARN], "the secret was read again once");
      await lambda.recordOutcome({ breaker, gen: 0, outcome: "failure", error: "Boom" });
      assert.equal((await (await lambda.deps.store()).get(breaker))?.counters.cf, 1, "the reopened store counts");
    } finally {
      await admin.config("SET", "requirepass", TOKEN);
      secrets.set(ARN, JSON.stringify({ authToken: TOKEN }));
      admin.disconnect();
    }
  });

  it("in Lambda the secret is read during init, before any invocation; outside Lambda only on first use", async () => {
    // The definition's deps, exactly as its lambda() builds them; the SDK finds the local endpoint through its own variable.
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url, AWS_ACCESS_KEY_ID: "x", AWS_SECRET_ACCESS_KEY: "x" });
    try {
      const outside = recordOutcomeDefinition.deps(lambdaEnv());
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(secretReads(sm), [], "not in Lambda: nothing is read before the first invocation");
      const inLambda = recordOutcomeDefinition.deps(lambdaEnv({ AWS_LAMBDA_FUNCTION_NAME: "orders-get-status" }));
      for (let i = 0; i < 50 && secretReads(sm).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(secretReads(sm), [ARN], "read during init");
      opened.push(await inLambda.store(), await outside.store());
      assert.deepEqual(
        secretReads(sm),
        [ARN, ARN],
        "the init-time open is the one the first invocation uses; the other container reads on first use",
      );
    } finally {
      for (const k of ["AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    }
  });

  it("a client without TLS cannot talk to the TLS port", async () => {
    const store = await open(lambdaEnv({ REDIS_TLS: "false" }));
    const breaker = uniqueBreaker("plain");
    await assert.rejects(store.get(breaker), (e: Error) => {
      assert.ok(e instanceof StoreError, `${e.name}: ${e.message}`);
      // The server drops the connection at the failed TLS handshake: no ready connection within the timeout.
      assert.match(e.message, new RegExp(`HGETALL for breaker '${breaker}' failed: RedisUnreachable: not reachable within 1000 ms`));
      return true;
    });

    // A raw plain-text PING gets no Redis reply: the server only speaks TLS there.
    const reply = await new Promise<string>((resolve) => {
      const sock = createConnection({ host: "127.0.0.1", port: server.port });
      let got = "";
      sock.setTimeout(2_000, () => sock.destroy());
      sock.on("error", () => undefined);
      sock.on("connect", () => sock.write("PING\r\n"));
      sock.on("data", (d) => (got += d.toString("latin1")));
      sock.on("close", () => resolve(got));
    });
    assert.ok(!reply.includes("PONG") && !reply.includes("NOAUTH"), `plain PING answered ${JSON.stringify(reply)}`);

    // The TLS server is unaffected: the Lambda configuration still works.
    const ok = await open(lambdaEnv());
    assert.equal(await ok.get(breaker), null);
  });

  it("the server's certificate is verified: without the test CA, the TLS connection is refused", async () => {
    const store = await open(lambdaEnv(), localOptions({ redisTlsCa: undefined }));
    await assert.rejects(store.get(uniqueBreaker("untrusted")), (e: Error) => {
      assert.ok(e instanceof StoreError, `${e.name}: ${e.message}`);
      assert.match(e.message, /self[- ]signed certificate in certificate chain/);
      return true;
    });
  });
});
