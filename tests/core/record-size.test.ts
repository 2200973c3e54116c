// The healthy path's one read must stay one read unit (4 KB, strongly consistent) whatever the record holds:
// the free text a record keeps (transition reasons, an override's by/reason) is bounded in the pure module.
// Measured on a real DynamoDB Local, which charges reads by item size (the control case proves it).

import { strict as assert } from "node:assert";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { HISTORY_LIMIT, MAX_OVERRIDE_TEXT, MAX_TRANSITION_REASON } from "../../core/breaker";
import { BreakerService } from "../../functions/breaker/service";
import { loadSettings } from "../../core/settings";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { BREAKER_TABLE_KEY } from "../../core/store-schema";
import { ensureTable } from "../../functions/store/table-schema";
import { dynamoClient, startDynamoLocal } from "../support/servers";

const TABLE = "record-size-test";

describe("record size: the largest record is one read unit", function () {
  let endpoint: string;
  let store: DynamoDbStore;

  /** Read units of one strongly consistent GetItem of the whole item (what ReadState pays; a projection does not reduce it). */
  async function readUnits(breaker: string): Promise<number> {
    const out = await dynamoClient(endpoint).send(
      new GetCommand({ TableName: TABLE, Key: { [BREAKER_TABLE_KEY]: breaker }, ConsistentRead: true, ReturnConsumedCapacity: "TOTAL" }),
    );
    assert.ok(out.Item, `${breaker} has an item`);
    return out.ConsumedCapacity!.CapacityUnits!;
  }

  before(async () => {
    endpoint = (await startDynamoLocal()).endpoint;
    await ensureTable(dynamoClient(endpoint), TABLE);
    store = new DynamoDbStore({
      tableName: TABLE,
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
  });
  after(async () => store.close());

  it("control: DynamoDB Local charges a 5 KB item two read units", async () => {
    await dynamoClient(endpoint).send(
      new PutCommand({ TableName: TABLE, Item: { [BREAKER_TABLE_KEY]: "control", pad: "x".repeat(5000) } }),
    );
    assert.equal(await readUnits("control"), 2);
  });

  it("full history of overrides with huge who/why, every window bucket counted, then FORCED_OPEN: 1 unit each", async () => {
    // Near the real time: DynamoDB Local deletes TTL-expired items within seconds.
    let now = Date.now();
    const service = new BreakerService(store, () => now);
    // rate rule: both failure and success buckets; a ratio that never trips so every bucket fills.
    const settings = loadSettings({ tripRule: "rate", windowSeconds: 60, minimumCalls: 1_000_000, failureRateThreshold: 1 });
    const breaker = "a-breaker-name-of-the-full-sixty-four-characters-allowed-0123456";
    const by = `arn:aws:sts::123456789012:assumed-role/${"OnCall".repeat(200)}/someone@example.com`;
    const reason = "INC-1234 ".repeat(2000);
    for (let i = 0; i < HISTORY_LIMIT; i++) {
      now += 1000;
      await service.override(breaker, settings, i % 2 === 0 ? "open" : "close", by, reason);
    }
    const rec = (await service.status(breaker))!;
    assert.equal(rec.state, "CLOSED");
    assert.equal(rec.history.length, HISTORY_LIMIT);
    assert.ok(
      rec.history.every((t) => t.reason.length <= MAX_TRANSITION_REASON),
      "transition reasons are cut",
    );
    assert.match(rec.history[0].reason, /^close by arn:aws:sts::123456789012:assumed-role\/OnCall.*\[truncated: \d+ characters\]$/);

    const bucketMs = (settings.windowSeconds * 1000) / 10;
    for (let b = 0; b < 10; b++) {
      now += bucketMs;
      const gen = (await service.status(breaker))!.gen;
      await service.recordOutcome(breaker, settings, gen, { kind: "failure", error: "ServiceUnavailable" });
      await service.recordOutcome(breaker, settings, gen, { kind: "success" });
    }
    const counted = (await service.status(breaker))!;
    assert.equal(counted.state, "CLOSED");
    assert.ok(Object.keys(counted.counters).length >= 18, `window buckets filled: ${Object.keys(counted.counters).join(",")}`);
    assert.equal(await readUnits(breaker), 1);

    now += 1000;
    await service.override(breaker, settings, "open", by, reason);
    const forced = (await service.status(breaker))!;
    assert.equal(forced.state, "FORCED_OPEN");
    assert.equal(forced.override!.by.length, MAX_OVERRIDE_TEXT);
    assert.equal(forced.override!.reason.length, MAX_OVERRIDE_TEXT);
    assert.match(forced.override!.reason, /\[truncated: 18000 characters\]$/);
    assert.equal(await readUnits(breaker), 1);
  });
});
