// DynamoDbStore against a real DynamoDB Local: the shared behaviour suite, then what is DynamoDB-specific.

import { strict as assert } from "node:assert";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { expiresAtSeconds } from "../../core/breaker";
import { BULKHEAD_SUFFIX, DynamoDbStore } from "../../functions/store/dynamodb-store";
import { StoreError } from "../../core/state-store";
import { BREAKER_TABLE_KEY } from "../../core/store-schema";
import { ensureTable } from "../../functions/store/table-schema";
import { bench, describeStoreContract, uniqueBreaker } from "../support/store-contract";
import { dynamoClient, spawnDynamoLocal, startDynamoLocal } from "../support/servers";

const TABLE = "breakers-test";

async function openStore(endpoint: string, table = TABLE, ttlAttribute?: string): Promise<DynamoDbStore> {
  await ensureTable(dynamoClient(endpoint), table, ttlAttribute);
  return new DynamoDbStore({
    tableName: table,
    ...(ttlAttribute ? { ttlAttribute } : {}),
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestTimeoutMs: 2000,
    maxAttempts: 1,
  });
}

describeStoreContract("DynamoDB", {
  open: async () => openStore((await startDynamoLocal()).endpoint),
  openPrivate: async () => {
    const server = await spawnDynamoLocal({ persist: true });
    return { server, store: await openStore(server.endpoint) };
  },
});

describe("DynamoDB store: the stored item", function () {
  let endpoint: string;
  let store: DynamoDbStore;
  const raw = async (name: string) =>
    (await dynamoClient(endpoint).send(new GetCommand({ TableName: TABLE, Key: { [BREAKER_TABLE_KEY]: name }, ConsistentRead: true })))
      .Item!;

  before(async () => {
    endpoint = (await startDynamoLocal()).endpoint;
    store = await openStore(endpoint);
  });
  after(async () => store?.close());

  it("carries expiresAt (epoch seconds) always and openUntilIso while OPEN", async () => {
    const b = bench(store, "item", { failureThreshold: 2, idleTtlSeconds: 3600 });
    await b.fail();
    let item = await raw(b.name);
    assert.equal(item.expiresAt, Math.ceil(b.clock.now / 1000) + 3600);
    assert.equal(item.openUntilIso, undefined);
    assert.deepEqual([item.state, item.gen, item.cf, item.recordSuccess], ["CLOSED", 0, 1, true]);
    const rec = await b.trip();
    item = await raw(b.name);
    assert.equal(item.state, "OPEN");
    assert.equal(item.openUntil, rec.openUntil);
    assert.equal(item.openUntilIso, new Date(rec.openUntil!).toISOString());
    assert.match(item.openUntilIso as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(item.expiresAt, expiresAtSeconds(rec, b.settings));
    assert.equal(item.expiresAt, Math.ceil(rec.openUntil! / 1000) + 3600, "never before the open period ends");
    await b.elapseOpen();
    await b.svc.acquireProbe(b.name, b.settings, "p");
    item = await raw(b.name);
    assert.deepEqual([item.state, item.openUntilIso, item.openUntil], ["HALF_OPEN", undefined, undefined]);
  });

  it("a manual state has no TTL attribute: it never expires", async () => {
    const b = bench(store, "manual");
    await b.fail();
    await b.svc.override(b.name, b.settings, "open", "ops");
    const item = await raw(b.name);
    assert.equal(item.state, "FORCED_OPEN");
    assert.equal(item.expiresAt, undefined);
  });

  it("writes the configured TTL attribute name", async () => {
    const table = "breakers-ttl-name";
    const custom = await openStore(endpoint, table, "ttl");
    try {
      const b = bench(custom, "ttl-name");
      await b.fail();
      const item = (await dynamoClient(endpoint).send(new GetCommand({ TableName: table, Key: { [BREAKER_TABLE_KEY]: b.name } }))).Item!;
      assert.equal(item.ttl, Math.ceil(b.clock.now / 1000) + b.settings.idleTtlSeconds);
      assert.equal(item.expiresAt, undefined);
    } finally {
      await custom.close();
    }
  });

  it("rejects a TTL attribute name that collides with a record attribute", () => {
    assert.throws(
      () => new DynamoDbStore({ tableName: TABLE, ttlAttribute: "state" }),
      (e: Error) => e instanceof StoreError && /ttlAttribute is "state"/.test(e.message),
    );
    assert.throws(() => new DynamoDbStore({ tableName: TABLE, ttlAttribute: "f_12" }), StoreError);
  });

  for (const [attr, value] of [
    ["state", "BOGUS"],
    ["gen", "x"],
    ["leases", ["not", "a", "map"]],
    ["history", [{ from: "CLOSED" }]],
    ["cf", "many"],
  ] as const) {
    it(`malformed stored data (${attr}) -> StoreError naming the attribute`, async () => {
      const name = uniqueBreaker("malformed");
      const item: Record<string, unknown> = { [BREAKER_TABLE_KEY]: name, state: "CLOSED", gen: 0, ver: 0, leases: {}, history: [] };
      item[attr] = value;
      await dynamoClient(endpoint).send(new PutCommand({ TableName: TABLE, Item: item }));
      await assert.rejects(
        store.get(name),
        (e: Error) => e instanceof StoreError && e.message.includes(`'${attr}'`) && e.message.includes(name),
      );
    });
  }

  it("bulkhead: a caller that finds the bulkhead created by another between its update and its read takes a free slot", async () => {
    const name = uniqueBreaker("bulkhead-created-meanwhile");
    const real = dynamoClient(endpoint);
    const other = await openStore(endpoint);
    let interleaved = false;
    // The first read of the bulkhead item comes after this caller's update failed on the missing item: another
    // caller creates the item (and leaves it with no slot taken) just before it.
    const racing = Object.create(real) as typeof real;
    racing.send = (async (command: { constructor: { name: string }; input: { Key?: Record<string, unknown> } }) => {
      if (!interleaved && command.constructor.name === "GetCommand" && command.input.Key?.[BREAKER_TABLE_KEY] === name + BULKHEAD_SUFFIX) {
        interleaved = true;
        assert.equal(await other.acquireSlot(name, "other", 5, 10_000, Date.now()), true);
        await other.releaseSlot(name, "other");
      }
      return real.send(command as never);
    }) as typeof real.send;
    const s = new DynamoDbStore({ tableName: TABLE, client: racing });
    try {
      assert.equal(await s.acquireSlot(name, "mine", 5, 10_000, Date.now()), true, "5 slots, none taken: the call gets one");
      assert.equal(interleaved, true);
    } finally {
      await s.close();
      await other.close();
    }
  });

  it("a missing table -> StoreError with the SDK error as cause", async () => {
    const s = new DynamoDbStore({
      tableName: "no-such-table",
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "l", secretAccessKey: "l" },
    });
    try {
      await assert.rejects(
        s.get("x"),
        (e: StoreError) => e instanceof StoreError && /ResourceNotFound/.test(e.message) && e.cause !== undefined,
      );
    } finally {
      await s.close();
    }
  });
});
