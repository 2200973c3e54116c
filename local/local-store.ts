// The state store of a local run: DynamoDB Local (started here, table created with TTL as the stack
// creates it) or redis-server (started here, or an existing one from --redis-url). Only processes
// started here are stopped by dispose(); an existing Redis is only disconnected from.

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import Redis from "ioredis";
import { DynamoDbStore } from "../functions/store/dynamodb-store";
import { bulkheadKey, RedisStore, redisKey } from "../functions/store/redis-store";
import { StateStore } from "../functions/store/state-store";
import { ensureTable, TTL_ATTRIBUTE } from "../functions/store/table-schema";
import { StoreKind } from "./scenario";
import { checkJava, checkRedisServer, DynamoLocal, RedisServer, spawnDynamoLocal, spawnRedis } from "./store-processes";
import { meterDynamoDb, meterRedis } from "./work-meter";

export interface LocalStore {
  kind: StoreKind;
  store: StateStore;
  /** The metered low-level client the state machine's dynamodb:* Tasks use (dynamodb only). */
  dynamodb: DynamoDBClient | null;
  tableName: string | null;
  /** Human-readable: where the store is and who started it. */
  description: string;
  /** The process started for this run, if any. */
  process: DynamoLocal | RedisServer | null;
  dispose(): Promise<void>;
}

export interface StoreEndpoints {
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local (tests share one). */
  dynamodbEndpoint?: string;
  /** Use this Redis instead of starting redis-server. */
  redisUrl?: string;
  /** Table name (default: a new one per run). */
  tableName?: string;
}

/** A DynamoDB client for a local endpoint with the work meter attached. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return meterDynamoDb(
    new DynamoDBClient({
      endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
    }),
  );
}

function runTableName(): string {
  return `circuit-breaker-local-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Checks that what `kind` needs is installed (before anything is started). */
export function checkPrerequisites(kind: StoreKind, endpoints: StoreEndpoints): void {
  if (kind === "dynamodb" && !endpoints.dynamodbEndpoint) checkJava();
  if (kind === "redis" && !endpoints.redisUrl) checkRedisServer();
}

/** Opens (and, where needed, starts) the store, and clears any earlier state of `breaker` in it. */
export async function openLocalStore(kind: StoreKind, breaker: string, endpoints: StoreEndpoints = {}, onStarted?: (p: DynamoLocal | RedisServer) => void): Promise<LocalStore> {
  if (kind === "dynamodb") {
    const proc = endpoints.dynamodbEndpoint ? null : await spawnDynamoLocal();
    if (proc) onStarted?.(proc);
    const endpoint = endpoints.dynamodbEndpoint ?? proc!.endpoint;
    const client = localDynamoClient(endpoint);
    const tableName = endpoints.tableName ?? runTableName();
    try {
      await ensureTable(client, tableName, TTL_ATTRIBUTE);
    } catch (e) {
      client.destroy();
      await proc?.dispose();
      throw e;
    }
    const doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
    const store = new DynamoDbStore({ tableName, client: doc });
    return {
      kind,
      store,
      dynamodb: client,
      tableName,
      description: `DynamoDB Local at ${endpoint}${proc ? ` (started for this run, pid ${proc.pid()})` : ""}, table ${tableName} (TTL on ${TTL_ATTRIBUTE})`,
      process: proc,
      async dispose() {
        await store.close().catch(() => undefined);
        client.destroy();
        await proc?.dispose();
      },
    };
  }
  meterRedis();
  const proc = endpoints.redisUrl ? null : await spawnRedis();
  if (proc) onStarted?.(proc);
  const url = endpoints.redisUrl ?? proc!.url;
  // A fresh start for this breaker: an earlier run's state (an existing Redis) must not leak into this one.
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 2_000, enableOfflineQueue: false });
  try {
    await admin.connect();
    await admin.del(redisKey(breaker), bulkheadKey(breaker));
  } catch (e) {
    admin.disconnect();
    await proc?.dispose();
    throw new Error(`cannot use Redis at ${url}: ${(e as Error).message}`);
  }
  admin.disconnect();
  const store = new RedisStore({ url });
  return {
    kind,
    store,
    dynamodb: null,
    tableName: null,
    description: proc ? `redis-server at ${url} (started for this run, pid ${proc.pid()})` : `Redis at ${url} (not started here; breaker '${breaker}' was reset in it)`,
    process: proc,
    async dispose() {
      await store.close().catch(() => undefined);
      await proc?.dispose();
    },
  };
}
