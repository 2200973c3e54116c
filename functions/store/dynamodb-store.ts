// The DynamoDB StateStore: one item per breaker (hash key "breaker"), conditional writes for every change.
// Counting is one UpdateItem under a generation check; transitions are PutItem compare-and-set on `ver`.
// An OPEN item carries openUntilIso (for the Choice state) and the TTL attribute (epoch seconds); a
// present-but-expired OPEN item simply reads as due for a probe, so nothing depends on TTL timing.

import { ConditionalCheckFailedException, DynamoDBClient, DynamoDBClientConfig } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { BreakerRecord, CountPlan, expiresAtSeconds, newRecord } from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { checkTtlAttribute, FIELD, isCounterField, readRecord, recordAttributes, storeError } from "./record-codec";
import { StateStore, StoreError } from "../../core/state-store";
import { BREAKER_TABLE_KEY, TTL_ATTRIBUTE } from "../../core/store-schema";

export interface DynamoDbStoreConfig {
  tableName: string;
  /** The table's TTL attribute (epoch seconds). Default "expiresAt". */
  ttlAttribute?: string;
  /** DynamoDB Local or another endpoint; default: the region's endpoint. */
  endpoint?: string;
  region?: string;
  credentials?: DynamoDBClientConfig["credentials"];
  /** Per-request timeout (socket idle / response). Default 1000 ms. */
  requestTimeoutMs?: number;
  /** TCP connect timeout. Default min(requestTimeoutMs, 1000) ms. */
  connectionTimeoutMs?: number;
  /** SDK attempts per call (1 = no retry). Default 2. */
  maxAttempts?: number;
  /** Use this client instead of building one (the config's timeouts then do not apply). */
  client?: DynamoDBDocumentClient;
}

export const DYNAMODB_DEFAULTS = { requestTimeoutMs: 1000, maxAttempts: 2 } as const;

/** Bulkhead items live next to the breaker's item under this key suffix. */
export { BULKHEAD_SUFFIX } from "../../core/store-schema";
import { BULKHEAD_SUFFIX } from "../../core/store-schema";
const SLOTS = "slots";
/** An idle bulkhead item is removed by TTL this long after its last lease expired. */
const BULKHEAD_IDLE_SECONDS = 86_400;
/** Rounds of "full: reclaim expired leases, try again" before giving up (each round frees at least one lease or sees none). */
const BULKHEAD_ATTEMPTS = 8;
/** Expired leases removed per reclaim write (bounds the expression's size). */
const BULKHEAD_RECLAIM_BATCH = 25;

type ClientConfig = Omit<DynamoDbStoreConfig, "tableName" | "ttlAttribute" | "client">;

/** A DynamoDB client with bounded timeouts and attempts (never the SDK defaults). */
export function dynamoDbBaseClient(config: ClientConfig): DynamoDBClient {
  const requestTimeout = config.requestTimeoutMs ?? DYNAMODB_DEFAULTS.requestTimeoutMs;
  return new DynamoDBClient({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.region ? { region: config.region } : {}),
    ...(config.credentials ? { credentials: config.credentials } : {}),
    maxAttempts: config.maxAttempts ?? DYNAMODB_DEFAULTS.maxAttempts,
    // throwOnRequestTimeout: without it the SDK only logs a warning when requestTimeout passes and keeps waiting.
    requestHandler: {
      requestTimeout,
      connectionTimeout: config.connectionTimeoutMs ?? Math.min(requestTimeout, 1000),
      throwOnRequestTimeout: true,
    },
  });
}

function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** A DocumentClient over dynamoDbBaseClient(config). */
export function dynamoDbClient(config: ClientConfig): DynamoDBDocumentClient {
  return documentClient(dynamoDbBaseClient(config));
}

function isConditionFailure(e: unknown): boolean {
  return e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === "ConditionalCheckFailedException";
}

export class DynamoDbStore implements StateStore {
  readonly kind = "dynamodb" as const;
  readonly tableName: string;
  readonly ttlAttribute: string;
  private readonly doc: DynamoDBDocumentClient;
  /** Destroyed on close() when this store built it. */
  private readonly owned: DynamoDBClient | null;

  constructor(config: DynamoDbStoreConfig) {
    if (!config.tableName) throw new StoreError("DynamoDbStore: tableName is required");
    this.tableName = config.tableName;
    this.ttlAttribute = checkTtlAttribute(config.ttlAttribute ?? TTL_ATTRIBUTE);
    if (config.client) {
      this.doc = config.client;
      this.owned = null;
    } else {
      this.owned = dynamoDbBaseClient(config);
      this.doc = documentClient(this.owned);
    }
  }

  private fail(op: string, breaker: string, e: unknown): StoreError {
    return storeError(`dynamodb table ${this.tableName}:`, op, breaker, e);
  }

  private where(breaker: string): string {
    return `dynamodb table ${this.tableName} item '${breaker}'`;
  }

  async get(breaker: string): Promise<BreakerRecord | null> {
    let item: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new GetCommand({ TableName: this.tableName, Key: { [BREAKER_TABLE_KEY]: breaker }, ConsistentRead: true }),
      );
      item = out.Item;
    } catch (e) {
      throw this.fail("GetItem", breaker, e);
    }
    return item ? readRecord(item, this.where(breaker)) : null;
  }

  async applyCount(breaker: string, plan: CountPlan, now: number, settings: BreakerSettings): Promise<BreakerRecord | null> {
    const names: Record<string, string> = {
      "#k": BREAKER_TABLE_KEY,
      "#state": FIELD.state,
      "#gen": FIELD.gen,
      "#ver": FIELD.ver,
      "#reo": FIELD.reopens,
      "#ps": FIELD.probeSuccesses,
      "#leases": FIELD.leases,
      "#hist": FIELD.history,
      "#rs": FIELD.recordSuccess,
      "#upd": FIELD.updatedAt,
      "#ttl": this.ttlAttribute,
    };
    // A counted record is CLOSED, with no open period and no leases: its expiry follows from updatedAt alone.
    const ttl = expiresAtSeconds({ ...newRecord(now), updatedAt: now }, settings);
    const values: Record<string, unknown> = {
      ":gen": plan.gen,
      ":closed": "CLOSED",
      ":zero": 0,
      ":emptyMap": {},
      ":emptyList": [],
      ":rs": plan.recordSuccess,
      ":now": now,
      ":ttl": ttl,
    };
    const set = [
      "#state = if_not_exists(#state, :closed)",
      "#gen = if_not_exists(#gen, :zero)",
      "#ver = if_not_exists(#ver, :zero)",
      "#reo = if_not_exists(#reo, :zero)",
      "#ps = if_not_exists(#ps, :zero)",
      "#leases = if_not_exists(#leases, :emptyMap)",
      "#hist = if_not_exists(#hist, :emptyList)",
      "#rs = :rs",
      "#upd = :now",
      "#ttl = :ttl",
    ];
    if (plan.successBucket) {
      // rate rule: the bucket the state machine adds successes to directly until it ends (core/breaker.ts).
      const b = plan.successBucket;
      Object.assign(names, {
        "#sb": FIELD.successBucket,
        "#sbUntil": FIELD.successBucketUntilIso,
        "#nsb": FIELD.nextSuccessBucket,
        "#nsbUntil": FIELD.nextSuccessBucketUntilIso,
      });
      Object.assign(values, {
        ":sb": b.field,
        ":sbUntil": new Date(b.until).toISOString(),
        ":nsb": b.nextField,
        ":nsbUntil": new Date(b.nextUntil).toISOString(),
      });
      set.push("#sb = :sb", "#sbUntil = :sbUntil", "#nsb = :nsb", "#nsbUntil = :nsbUntil");
    }
    const add: string[] = [];
    const remove: string[] = [];
    const counter = (name: string, i: number, kind: string): string => {
      if (!isCounterField(name)) throw new Error(`count plan names ${JSON.stringify(name)}, which is not a counter (cf, f_<n>, s_<n>)`);
      names[`#${kind}${i}`] = name;
      return `#${kind}${i}`;
    };
    Object.entries(plan.set).forEach(([k, v], i) => {
      set.push(`${counter(k, i, "s")} = :s${i}`);
      values[`:s${i}`] = v;
    });
    Object.entries(plan.add).forEach(([k, v], i) => {
      add.push(`${counter(k, i, "a")} :a${i}`);
      values[`:a${i}`] = v;
    });
    plan.remove.filter((k) => !(k in plan.set) && !(k in plan.add)).forEach((k, i) => remove.push(counter(k, i, "r")));
    const update = [`SET ${set.join(", ")}`, add.length ? `ADD ${add.join(", ")}` : "", remove.length ? `REMOVE ${remove.join(", ")}` : ""]
      .filter(Boolean)
      .join(" ");
    const inGen = "(#gen = :gen AND #state = :closed)";
    if (plan.gen !== 0) delete names["#k"];
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [BREAKER_TABLE_KEY]: breaker },
          UpdateExpression: update,
          ConditionExpression: plan.gen === 0 ? `attribute_not_exists(#k) OR ${inGen}` : inGen,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: "ALL_NEW",
        }),
      );
      if (!out.Attributes) throw new StoreError(`${this.where(breaker)}: UpdateItem returned no attributes`);
      return readRecord(out.Attributes, this.where(breaker));
    } catch (e) {
      if (isConditionFailure(e)) return null;
      throw this.fail("UpdateItem (count)", breaker, e);
    }
  }

  async compareAndSet(breaker: string, expectedVer: number | null, next: BreakerRecord, settings: BreakerSettings): Promise<boolean> {
    const item = {
      ...recordAttributes({ ...next, ver: expectedVer === null ? 1 : expectedVer + 1 }, settings, this.ttlAttribute),
      [BREAKER_TABLE_KEY]: breaker,
    };
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ...(expectedVer === null
            ? { ConditionExpression: "attribute_not_exists(#k)", ExpressionAttributeNames: { "#k": BREAKER_TABLE_KEY } }
            : {
                ConditionExpression: "#ver = :v",
                ExpressionAttributeNames: { "#ver": FIELD.ver },
                ExpressionAttributeValues: { ":v": expectedVer },
              }),
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw this.fail("PutItem (compare-and-set)", breaker, e);
    }
  }

  /**
   * Takes (or renews) a slot with one atomic conditional UpdateItem: SET slots.<id> while the map holds fewer than
   * `limit` entries (or already holds this id). Concurrent callers never conflict, they are serialised by DynamoDB.
   * Only when the map is full does it read the item: leases that expired (holders that crashed) are removed, each
   * on condition that it still holds the expired value, and the update is tried again. Missing item: created first.
   */
  async acquireSlot(breaker: string, slotId: string, limit: number, leaseMs: number, now: number): Promise<boolean> {
    const key = breaker + BULKHEAD_SUFFIX;
    const expiry = now + leaseMs;
    let retriedWithRoom = false;
    for (let attempt = 0; attempt < BULKHEAD_ATTEMPTS; attempt++) {
      try {
        await this.doc.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { [BREAKER_TABLE_KEY]: key },
            UpdateExpression: "SET #slots.#id = :exp, #ttl = :ttl",
            ConditionExpression: "attribute_exists(#slots.#id) OR size(#slots) < :limit",
            ExpressionAttributeNames: { "#slots": SLOTS, "#id": slotId, "#ttl": this.ttlAttribute },
            ExpressionAttributeValues: { ":exp": expiry, ":ttl": Math.ceil(expiry / 1000) + BULKHEAD_IDLE_SECONDS, ":limit": limit },
          }),
        );
        return true;
      } catch (e) {
        if (!isConditionFailure(e)) throw this.fail("UpdateItem (bulkhead)", breaker, e);
      }
      let item: Record<string, unknown> | undefined;
      try {
        item = (await this.doc.send(new GetCommand({ TableName: this.tableName, Key: { [BREAKER_TABLE_KEY]: key }, ConsistentRead: true })))
          .Item;
      } catch (e) {
        throw this.fail("GetItem (bulkhead)", breaker, e);
      }
      if (item === undefined || item[SLOTS] === undefined) {
        await this.createBulkhead(key, breaker, now);
        continue;
      }
      const slots = Object.entries(this.readSlots(item, breaker));
      // Room now: the update failed on an item another caller created meanwhile (or on a full one that has since
      // freed a slot). Try once more; an item that exists and is full on that try is a real rejection.
      if (slots.length < limit && !retriedWithRoom) {
        retriedWithRoom = true;
        continue;
      }
      const expired = slots.filter(([, exp]) => exp <= now).slice(0, BULKHEAD_RECLAIM_BATCH);
      if (expired.length === 0) return false; // full of live leases
      await this.reclaimSlots(key, breaker, expired);
    }
    throw new StoreError(
      `${this.where(key)}: the bulkhead stayed full of leases being reclaimed for ${BULKHEAD_ATTEMPTS} attempts; giving up`,
    );
  }

  /** The bulkhead item with an empty slot map (a concurrent creation wins just as well). */
  private async createBulkhead(key: string, breaker: string, now: number): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [BREAKER_TABLE_KEY]: key, [SLOTS]: {}, [this.ttlAttribute]: Math.ceil(now / 1000) + BULKHEAD_IDLE_SECONDS },
          ConditionExpression: "attribute_not_exists(#k) OR attribute_not_exists(#slots)",
          ExpressionAttributeNames: { "#k": BREAKER_TABLE_KEY, "#slots": SLOTS },
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw this.fail("PutItem (bulkhead)", breaker, e);
    }
  }

  /** Removes expired leases, each only while it still holds the expired value (its holder did not renew it). */
  private async reclaimSlots(key: string, breaker: string, expired: [string, number][]): Promise<void> {
    const names: Record<string, string> = { "#slots": SLOTS };
    const values: Record<string, number> = {};
    expired.forEach(([id, exp], i) => {
      names[`#e${i}`] = id;
      values[`:e${i}`] = exp;
    });
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [BREAKER_TABLE_KEY]: key },
          UpdateExpression: `REMOVE ${expired.map((_, i) => `#slots.#e${i}`).join(", ")}`,
          ConditionExpression: expired.map((_, i) => `#slots.#e${i} = :e${i}`).join(" AND "),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (e) {
      if (!isConditionFailure(e)) throw this.fail("UpdateItem (bulkhead reclaim)", breaker, e);
    }
  }

  async releaseSlot(breaker: string, slotId: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [BREAKER_TABLE_KEY]: breaker + BULKHEAD_SUFFIX },
          UpdateExpression: "REMOVE #slots.#id",
          ConditionExpression: "attribute_exists(#slots.#id)",
          ExpressionAttributeNames: { "#slots": SLOTS, "#id": slotId },
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) return; // already gone
      throw this.fail("UpdateItem (bulkhead release)", breaker, e);
    }
  }

  private readSlots(item: Record<string, unknown>, breaker: string): Record<string, number> {
    const slots = item[SLOTS];
    if (typeof slots !== "object" || slots === null || Array.isArray(slots) || Object.values(slots).some((v) => typeof v !== "number")) {
      throw new StoreError(
        `${this.where(breaker + BULKHEAD_SUFFIX)}: stored attribute '${SLOTS}' is ${JSON.stringify(slots)}; expected a map of slot id -> lease expiry (epoch ms)`,
      );
    }
    return slots as Record<string, number>;
  }

  async close(): Promise<void> {
    this.owned?.destroy();
  }
}
