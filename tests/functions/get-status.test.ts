import assert from "node:assert/strict";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { applyCount, applyOverride, acquireProbe, BreakerRecord, planCount, reportProbe, trip } from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { ATTR, StatusView } from "../../core/contracts";
import { METRICS } from "../../core/metric-names";
import { toStatusView } from "../../functions/shared/status-view";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { StateStore } from "../../core/state-store";
import { startDynamoLocal } from "../support/servers";
import { closeStores, downStore, harness, openStore, rejectsWith, settingsOf, STORE_KINDS, uniqueBreaker } from "./support";

const settings: BreakerSettings = settingsOf({ tripRule: "consecutive", failureThreshold: 1, openDurationSeconds: 30, halfOpenProbes: 2 });

/** Records in every state the Choice distinguishes, produced by the pure module. */
function records(now: number): Record<string, BreakerRecord> {
  const counted = applyCount(null, planCount(null, "failure", now, settings)!, now);
  const open = trip(counted, now, settings).record!;
  const overdue = trip(counted, now - 3_600_000, settings).record!;
  const halfOpen = acquireProbe(open, now + 31_000, settings, "lease-1").record!;
  const closedAgain = reportProbe(
    acquireProbe(halfOpen, now + 32_000, settings, "lease-2").record!,
    halfOpen.gen,
    "lease-1",
    "success",
    now + 33_000,
    settings,
  ).record!;
  const closed = reportProbe(closedAgain, halfOpen.gen, "lease-2", "success", now + 34_000, settings).record!;
  return {
    "CLOSED, success must be recorded": counted,
    "CLOSED after probes": closed,
    OPEN: open,
    "OPEN, open period long over (TTL not yet run)": overdue,
    HALF_OPEN: halfOpen,
    FORCED_OPEN: applyOverride(open, "open", now, { by: "test", reason: "maintenance" }).record!,
    DISABLED: applyOverride(counted, "disable", now, { by: "test", reason: "" }).record!,
  };
}

/** The attributes of a raw DynamoDB GetItem that the Choice states read. */
function choiceAttributes(item: Record<string, unknown> | undefined): StatusView {
  if (!item) return {};
  const pick = [ATTR.state, ATTR.gen, ATTR.openUntilIso, ATTR.recordSuccess].filter((k) => item[k] !== undefined);
  return { Item: Object.fromEntries(pick.map((k) => [k, item[k]])) as StatusView["Item"] };
}

describe("get-status handler: the view equals what the DynamoDB item holds", () => {
  let dynamo: DynamoDbStore;
  let redis: StateStore;
  let raw: DynamoDBClient;
  before(async () => {
    dynamo = (await openStore("dynamodb")) as DynamoDbStore;
    redis = await openStore("redis");
    raw = new DynamoDBClient({
      endpoint: (await startDynamoLocal()).endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });
  after(async () => {
    raw.destroy();
    await closeStores();
  });

  const rawItem = async (breaker: string) =>
    (await raw.send(new GetItemCommand({ TableName: dynamo.tableName, Key: { [ATTR.key]: { S: breaker } }, ConsistentRead: true }))).Item;

  it("no record: no Item, on both stores, as a GetItem of a missing key", async () => {
    const breaker = uniqueBreaker();
    for (const store of [dynamo, redis]) {
      assert.deepEqual(await getStatusDefinition.make(harness(store, settings).deps)({ breaker }), {});
    }
    assert.deepEqual(choiceAttributes(await rawItem(breaker)), {});
  });

  for (const [name, build] of Object.entries(records(Date.now()))) {
    it(`${name}: get-status on Redis and on DynamoDB equals the stored DynamoDB item`, async () => {
      const breaker = uniqueBreaker();
      const rec = { ...build, ver: 0 };
      assert.equal(await dynamo.compareAndSet(breaker, null, rec, settings), true);
      assert.equal(await redis.compareAndSet(breaker, null, rec, settings), true);
      const stored = choiceAttributes(await rawItem(breaker));
      assert.equal(stored.Item?.state.S, rec.state);
      const fromRedis = await getStatusDefinition.make(harness(redis, settings).deps)({ breaker });
      const fromDynamo = await getStatusDefinition.make(harness(dynamo, settings).deps)({ breaker });
      assert.deepEqual(fromRedis, stored);
      assert.deepEqual(fromDynamo, stored);
      assert.deepEqual(toStatusView(rec), stored);
    });
  }
});

for (const kind of STORE_KINDS) {
  describe(`get-status handler (${kind})`, () => {
    after(closeStores);

    for (const onStoreError of ["allow", "reject"] as const) {
      it(`store down, onStoreError=${onStoreError}: { StoreError: { allow: ${onStoreError === "allow"} } } and no Item, StoreErrors`, async () => {
        const h = harness(await downStore(kind), settingsOf({ onStoreError }));
        const breaker = uniqueBreaker();
        const view = await getStatusDefinition.make(h.deps)({ breaker });
        assert.deepEqual(view, { StoreError: { allow: onStoreError === "allow" } });
        assert.deepEqual(h.metrics.totals(breaker), { [METRICS.storeErrors]: 1 });
        assert.equal(h.log.entries.filter((e) => e.level === "error").length, 1);
      });
    }

    it("rejects malformed events with InvalidEventError", async () => {
      const h = harness(await openStore(kind), settings);
      const handle = getStatusDefinition.make(h.deps);
      await rejectsWith(() => handle({}), "InvalidEventError", "get-status event", ".breaker is missing");
      await rejectsWith(() => handle({ breaker: "" }), "InvalidEventError", '.breaker is ""');
      await rejectsWith(() => handle({ breaker: "a#bulkhead" }), "InvalidEventError", '.breaker is "a#bulkhead"');
      assert.deepEqual(await handle({ breaker: "orders" }), {});
      assert.deepEqual(h.metrics.names(), []);
    });
  });
}
