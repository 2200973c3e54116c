// storeFromEnv: the Lambda handlers' cold-start store configuration, against real DynamoDB Local and redis-server.

import { strict as assert } from "node:assert";
import { newRecord } from "../../core/breaker";
import { loadSettings } from "../../core/settings";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { parseAuthSecret, redisConfigFromEnv, StoreConfigError, storeFromEnv } from "../../functions/store/from-env";
import { RedisStore } from "../../functions/store/redis-store";
import { StateStore } from "../../core/state-store";
import { ensureTable } from "../../functions/store/table-schema";
import { uniqueBreaker } from "../support/store-contract";
import { dynamoClient, spawnRedis, startDynamoLocal, startRedis } from "../support/servers";

const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:breaker-redis-auth-AbCdEf";
const noSecret = async (): Promise<string> => assert.fail("no secret should be read");

/** Writes and reads one record through the store: proves the configuration reaches a working server. */
async function roundTrip(store: StateStore): Promise<void> {
  const name = uniqueBreaker("env");
  const s = loadSettings({});
  try {
    assert.equal(await store.compareAndSet(name, null, newRecord(Date.now()), s), true);
    assert.equal((await store.get(name))?.ver, 1);
  } finally {
    await store.close();
  }
}

function rejectsWith(p: Promise<unknown>, variable: string, allowed: RegExp): Promise<void> {
  return assert.rejects(p, (e: Error) => {
    assert.ok(e instanceof StoreConfigError, `${e.name}: ${e.message}`);
    assert.equal(e.variable, variable);
    assert.match(e.message, new RegExp(`^${variable} `));
    assert.match(e.message, allowed);
    return true;
  });
}

describe("storeFromEnv", function () {
  it("STORE_KIND=dynamodb opens the table (DynamoDB Local via DYNAMODB_ENDPOINT)", async () => {
    const { endpoint } = await startDynamoLocal();
    await ensureTable(dynamoClient(endpoint), "breakers-env");
    const store = await storeFromEnv({
      STORE_KIND: "dynamodb",
      TABLE_NAME: "breakers-env",
      DYNAMODB_ENDPOINT: endpoint,
      STORE_TIMEOUT_MS: "2000",
    });
    assert.ok(store instanceof DynamoDbStore);
    assert.equal(store.kind, "dynamodb");
    assert.equal((store as DynamoDbStore).ttlAttribute, "expiresAt");
    await roundTrip(store);
  });

  it("STORE_KIND=dynamodb addresses the table in the environment's AWS_REGION (the operator CLI passes the stack's)", async () => {
    const store = (await storeFromEnv({
      STORE_KIND: "dynamodb",
      TABLE_NAME: "breakers-env",
      AWS_REGION: "ap-southeast-2",
    })) as DynamoDbStore;
    try {
      const client = store as unknown as { doc: { config: { region: () => Promise<string> } } };
      assert.equal(await client.doc.config.region(), "ap-southeast-2");
    } finally {
      await store.close();
    }
  });

  it("STORE_KIND=redis with REDIS_URL opens the server", async () => {
    const { url } = await startRedis();
    const store = await storeFromEnv({ STORE_KIND: "redis", REDIS_URL: url }, { readSecret: noSecret });
    assert.ok(store instanceof RedisStore);
    await roundTrip(store);
  });

  it("reads the Redis AUTH token from the secret named by REDIS_AUTH_SECRET_ARN", async () => {
    const server = await spawnRedis({ args: ["--requirepass", "tok-123"] });
    try {
      const asked: string[] = [];
      const env = { STORE_KIND: "redis", REDIS_URL: server.url, REDIS_AUTH_SECRET_ARN: ARN };
      const store = await storeFromEnv(env, { readSecret: async (arn) => (asked.push(arn), JSON.stringify({ password: "tok-123" })) });
      assert.deepEqual(asked, [ARN]);
      await roundTrip(store);
      const plain = await storeFromEnv(env, { readSecret: async () => "tok-123" });
      await roundTrip(plain);
    } finally {
      await server.stop();
    }
  });

  it("REDIS_HOST defaults to TLS on port 6379; REDIS_TLS=false turns TLS off", async () => {
    const c = await redisConfigFromEnv({ REDIS_HOST: "master.cache.example.com" }, 700, noSecret);
    assert.deepEqual(c, { host: "master.cache.example.com", port: 6379, tls: true, commandTimeoutMs: 700, connectTimeoutMs: 700 });
    const off = await redisConfigFromEnv({ REDIS_HOST: "h", REDIS_PORT: "6380", REDIS_TLS: "false" }, 700, noSecret);
    assert.deepEqual([off.port, off.tls], [6380, false]);
  });

  it("parses an AUTH secret: the token itself, or JSON with password/token/authToken and username", () => {
    assert.deepEqual(parseAuthSecret("abc", ARN), { password: "abc" });
    assert.deepEqual(parseAuthSecret('{"token":"t"}', ARN), { password: "t" });
    assert.deepEqual(parseAuthSecret('{"authToken":"t","username":"u"}', ARN), { password: "t", username: "u" });
    assert.throws(() => parseAuthSecret('{"user":"u"}', ARN), /without a "password"/);
    assert.throws(() => parseAuthSecret("{oops", ARN), /not JSON/);
    assert.throws(() => parseAuthSecret("  ", ARN), /is empty/);
  });

  describe("bad configuration names the variable and what is allowed", () => {
    const cases: [string, Record<string, string>, string, RegExp][] = [
      ["no STORE_KIND", {}, "STORE_KIND", /allowed: dynamodb, redis/],
      ["unknown STORE_KIND", { STORE_KIND: "memcached" }, "STORE_KIND", /"memcached"; allowed: dynamodb, redis/],
      ["no TABLE_NAME", { STORE_KIND: "dynamodb" }, "TABLE_NAME", /not set; allowed: the DynamoDB table name/],
      ["bad TABLE_NAME", { STORE_KIND: "dynamodb", TABLE_NAME: "a b" }, "TABLE_NAME", /allowed: 3-255/],
      ["bad TTL_ATTRIBUTE", { STORE_KIND: "dynamodb", TABLE_NAME: "tbl", TTL_ATTRIBUTE: "gen" }, "TTL_ATTRIBUTE", /allowed: a name/],
      [
        "bad DYNAMODB_ENDPOINT",
        { STORE_KIND: "dynamodb", TABLE_NAME: "tbl", DYNAMODB_ENDPOINT: "localhost:8000" },
        "DYNAMODB_ENDPOINT",
        /allowed: an http/,
      ],
      [
        "bad STORE_TIMEOUT_MS",
        { STORE_KIND: "dynamodb", TABLE_NAME: "tbl", STORE_TIMEOUT_MS: "10" },
        "STORE_TIMEOUT_MS",
        /allowed: an integer from 50 to 30000/,
      ],
      ["no Redis endpoint", { STORE_KIND: "redis" }, "REDIS_HOST", /not set \(nor REDIS_URL\)/],
      [
        "bad REDIS_PORT",
        { STORE_KIND: "redis", REDIS_HOST: "h", REDIS_PORT: "70000" },
        "REDIS_PORT",
        /allowed: an integer from 1 to 65535/,
      ],
      ["bad REDIS_TLS", { STORE_KIND: "redis", REDIS_HOST: "h", REDIS_TLS: "yes" }, "REDIS_TLS", /allowed: true, false/],
      ["bad REDIS_URL", { STORE_KIND: "redis", REDIS_URL: "http://h:1" }, "REDIS_URL", /allowed: redis:\/\/host:port/],
      [
        "bad REDIS_AUTH_SECRET_ARN",
        { STORE_KIND: "redis", REDIS_HOST: "h", REDIS_AUTH_SECRET_ARN: "my-secret" },
        "REDIS_AUTH_SECRET_ARN",
        /allowed: a Secrets Manager secret ARN/,
      ],
      [
        "a plain-text token",
        { STORE_KIND: "redis", REDIS_HOST: "h", REDIS_AUTH_TOKEN: "tok" },
        "REDIS_AUTH_TOKEN",
        /must not be passed in a plain environment variable; allowed: REDIS_AUTH_SECRET_ARN/,
      ],
    ];
    for (const [what, env, variable, allowed] of cases) {
      it(what, () => rejectsWith(storeFromEnv(env, { readSecret: noSecret }), variable, allowed));
    }
  });
});
