// RedisStore against a real redis-server: the shared behaviour suite, then what is Redis-specific.

import { strict as assert } from "node:assert";
import Redis from "ioredis";
import { expiresAtSeconds } from "../../core/breaker";
import { bulkheadKey, redisKey } from "../../core/store-schema";
import { redisOptions, RedisStore } from "../../functions/store/redis-store";
import { StoreError } from "../../core/state-store";
import { bench, describeStoreContract, uniqueBreaker } from "../support/store-contract";
import { spawnRedis, startRedis } from "../support/servers";

function openStore(url: string, extra: Partial<ConstructorParameters<typeof RedisStore>[0]> = {}): RedisStore {
  return new RedisStore({ url, commandTimeoutMs: 2000, connectTimeoutMs: 2000, ...extra });
}

describeStoreContract("Redis", {
  open: async () => openStore((await startRedis()).url),
  openPrivate: async () => {
    const server = await spawnRedis({ persist: true });
    return { server, store: openStore(server.url) };
  },
});

describe("Redis store: the stored key", function () {
  let url: string;
  let store: RedisStore;
  let admin: Redis;

  before(async () => {
    url = (await startRedis()).url;
    store = openStore(url);
    admin = new Redis(url);
  });
  after(async () => {
    await store?.close();
    admin?.disconnect();
  });

  it("the hash expires at the record's expiresAt; fields mirror the DynamoDB attributes", async () => {
    const b = bench(store, "key", { failureThreshold: 2, idleTtlSeconds: 3600 });
    await b.fail();
    const key = redisKey(b.name);
    assert.equal(key, `cb:{${b.name}}`);
    assert.equal(await admin.pexpiretime(key), (Math.ceil(b.clock.now / 1000) + 3600) * 1000);
    let hash = await admin.hgetall(key);
    assert.deepEqual([hash.state, hash.gen, hash.cf, hash.recordSuccess], ["CLOSED", "0", "1", "true"]);
    assert.equal(hash.openUntilIso, undefined);
    const rec = await b.trip();
    hash = await admin.hgetall(key);
    assert.equal(hash.state, "OPEN");
    assert.equal(hash.openUntilIso, new Date(rec.openUntil!).toISOString());
    assert.equal(Number(hash.expiresAt), expiresAtSeconds(rec, b.settings));
    assert.equal(await admin.pexpiretime(key), expiresAtSeconds(rec, b.settings)! * 1000);
  });

  it("a manual state persists (no expiry)", async () => {
    const b = bench(store, "manual");
    await b.fail();
    await b.svc.override(b.name, b.settings, "disable", "ops");
    assert.equal(await admin.pexpiretime(redisKey(b.name)), -1);
    assert.equal((await admin.hgetall(redisKey(b.name))).expiresAt, undefined);
  });

  it("the bulkhead set expires a day after its last lease", async () => {
    const name = uniqueBreaker("bh-expiry");
    const now = Date.now();
    await store.acquireSlot(name, "a", 3, 60_000, now);
    await store.acquireSlot(name, "b", 3, 10_000, now);
    assert.equal(await admin.pexpiretime(bulkheadKey(name)), now + 60_000 + 86_400_000);
  });

  for (const [field, value] of [
    ["state", "BOGUS"],
    ["ver", "1.5"],
    ["leases", "{not json"],
    ["override", '{"by":1}'],
    ["f_12", "x"],
  ] as const) {
    it(`malformed stored data (${field}) -> StoreError naming the field`, async () => {
      const name = uniqueBreaker("malformed");
      await admin.hset(redisKey(name), { state: "CLOSED", gen: "0", ver: "0", leases: "{}", history: "[]", [field]: value });
      await assert.rejects(
        store.get(name),
        (e: Error) => e instanceof StoreError && e.message.includes(`'${field}'`) && e.message.includes(name),
      );
    });
  }

  describe("AUTH", () => {
    let secured: Awaited<ReturnType<typeof spawnRedis>>;
    before(async () => {
      secured = await spawnRedis({ args: ["--requirepass", "s3cret-token"] });
      const a = new Redis({ port: secured.port, password: "s3cret-token" });
      await a.call("ACL", "SETUSER", "breaker", "on", ">user-pass", "~cb:*", "+@all");
      a.disconnect();
    });
    after(async () => secured?.stop());

    it("works with the AUTH token", async () => {
      const s = openStore(secured.url, { password: "s3cret-token" });
      try {
        const b = bench(s, "auth");
        assert.equal((await b.fail()).result, "counted");
      } finally {
        await s.close();
      }
    });

    it("works with an ACL username and password", async () => {
      const s = openStore(secured.url, { username: "breaker", password: "user-pass" });
      try {
        assert.equal((await bench(s, "acl").fail()).result, "counted");
      } finally {
        await s.close();
      }
    });

    it("without the token every call fails with a StoreError", async () => {
      const s = openStore(secured.url, { connectTimeoutMs: 500 });
      try {
        await assert.rejects(s.get("x"), StoreError);
      } finally {
        await s.close();
      }
    });
  });

  describe("client options", () => {
    it("are bounded and fail fast: no offline queue, explicit timeouts", () => {
      const o = redisOptions({ host: "cache.example", port: 6380, tls: true, password: "t", commandTimeoutMs: 300, connectTimeoutMs: 400 });
      assert.deepEqual(
        [o.host, o.port, o.tls, o.password, o.enableOfflineQueue, o.commandTimeout, o.connectTimeout, o.maxRetriesPerRequest],
        ["cache.example", 6380, {}, "t", false, 300, 400, 1],
      );
      const d = redisOptions({ url: "redis://127.0.0.1:7000" });
      assert.deepEqual([d.port, d.tls, d.commandTimeout, d.connectTimeout], [7000, undefined, 1000, 1000]);
      assert.deepEqual(redisOptions({ url: "rediss://u:p%40ss@h:1" }).tls, {});
      assert.equal(redisOptions({ url: "rediss://u:p%40ss@h:1" }).password, "p@ss");
      assert.equal(typeof d.retryStrategy!(1000), "number", "reconnects forever");
    });

    it("reject a URL that is not redis:// or rediss://", () => {
      assert.throws(() => redisOptions({ url: "http://x:1" }), /allowed: redis: or rediss:/);
      assert.throws(() => redisOptions({ url: "::" }), /is not a URL/);
    });
  });
});
