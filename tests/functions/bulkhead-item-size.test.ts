// The DynamoDB bulkhead keeps every slot of a breaker in one item, and DynamoDB items hold at most 400 KB.
// Against DynamoDB Local: the store itself fills a bulkhead to the ceiling the stack config allows
// (DYNAMODB_MAX_CONCURRENT_CALLS) with the longest slot ids an execution name can be, and the size model of
// core/aws-limits.ts agrees with DynamoDB's own limit on either side of 400 KB.

import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { DynamoDBDocumentClient, GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DYNAMODB_MAX_CONCURRENT_CALLS } from "../../core/breaker-limit-checks";
import { bulkheadItemBytes, DYNAMODB_ITEM_MAX_BYTES, EXECUTION_NAME_PATTERN } from "../../core/aws-limits";
import { BULKHEAD_SUFFIX, DynamoDbStore } from "../../functions/store/dynamodb-store";
import { ensureTable } from "../../functions/store/table-schema";
import { BREAKER_TABLE_KEY, TTL_ATTRIBUTE } from "../../core/store-schema";
import { startDynamoLocal } from "../support/servers";

/** An 80-character execution name of 4-byte characters (the worst case per slot), unique by `i`. */
const worstId = (i: number) => `${i}` + "\u{1F600}".repeat(80 - `${i}`.length);

describe("DynamoDB bulkhead item size (DynamoDB Local)", function () {
  this.timeout(300_000);
  let client: DynamoDBClient;
  let doc: DynamoDBDocumentClient;
  let store: DynamoDbStore;
  let tableName: string;

  before(async () => {
    const ddb = await startDynamoLocal();
    tableName = `item-size-${randomUUID().slice(0, 8)}`;
    client = new DynamoDBClient({
      endpoint: ddb.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
    });
    doc = DynamoDBDocumentClient.from(client);
    await ensureTable(client, tableName);
    store = new DynamoDbStore({
      tableName,
      endpoint: ddb.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      requestTimeoutMs: 5_000,
    });
  });
  after(async () => {
    await store?.close();
    client?.destroy();
  });

  it("the size model agrees with DynamoDB's 400 KB on either side", async () => {
    const key = `size-${randomUUID().slice(0, 8)}${BULKHEAD_SUFFIX}`;
    const expiry = 1_700_000_001_123;
    const ids = (n: number) => Array.from({ length: n }, (_, i) => worstId(i));
    const item = (list: string[]) => ({
      [BREAKER_TABLE_KEY]: key,
      [TTL_ATTRIBUTE]: Math.floor(expiry / 1000),
      slots: Object.fromEntries(list.map((id) => [id, expiry])),
    });
    let n = 1;
    while (bulkheadItemBytes(BREAKER_TABLE_KEY, key, TTL_ATTRIBUTE, ids(n + 1), expiry) <= DYNAMODB_ITEM_MAX_BYTES) n += 1;
    // n slots fit by the model, n + 1 do not: DynamoDB takes the first and refuses the second.
    await doc.send(new PutCommand({ TableName: tableName, Item: item(ids(n)) }));
    await assert.rejects(
      doc.send(new PutCommand({ TableName: tableName, Item: item(ids(n + 1)) })),
      /size has exceeded the maximum allowed size/,
    );
    assert.ok(DYNAMODB_MAX_CONCURRENT_CALLS < n, `${DYNAMODB_MAX_CONCURRENT_CALLS} < ${n}`);
  });

  it("the store fills a bulkhead to the allowed maximum with the longest slot ids, and refuses one more", async () => {
    const breaker = `full-${randomUUID().slice(0, 8)}`;
    const limit = DYNAMODB_MAX_CONCURRENT_CALLS;
    const now = Date.now();
    for (let i = 0; i < limit; i++) {
      const id = worstId(i);
      assert.ok(EXECUTION_NAME_PATTERN.test(id));
      assert.equal(await store.acquireSlot(breaker, id, limit, 600_000, now), true, `slot ${i}`);
    }
    assert.equal(await store.acquireSlot(breaker, worstId(limit), limit, 600_000, now), false);
    const got = await doc.send(
      new GetCommand({ TableName: tableName, Key: { [BREAKER_TABLE_KEY]: breaker + BULKHEAD_SUFFIX }, ConsistentRead: true }),
    );
    assert.equal(Object.keys(got.Item!.slots).length, limit);
    // Renewing a held slot still works on the full item (the write that would fail first if it were too big).
    assert.equal(await store.acquireSlot(breaker, worstId(0), limit, 600_000, now + 1), true);
  });
});
