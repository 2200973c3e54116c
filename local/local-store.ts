// The state store of a local run: DynamoDB Local (started here, table created with TTL as the stack
// creates it) or redis-server (started here, or an existing one from --redis-url). Only processes
// started here are stopped by dispose(); an existing Redis is only disconnected from.
// Store faults (local/store-faults.ts) need a process started here: `persist` keeps its data across a
// kill and restart, `delayProxy` puts a loopback proxy (local/delay-proxy.ts) between every client and it.
// Every client runs with the bounded timeouts the deployed handlers use by default (LOCAL_STORE_TIMEOUTS).

import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import Redis from "ioredis";
import { DYNAMODB_DEFAULTS, dynamoDbBaseClient, DynamoDbStore } from "../functions/store/dynamodb-store";
import { STORE_TIMEOUT_DEFAULT_MS } from "../core/store-env";
import { bulkheadKey, redisKey, TTL_ATTRIBUTE } from "../core/store-schema";
import { REDIS_DEFAULTS, RedisStore } from "../functions/store/redis-store";
import { StateStore } from "../core/state-store";
import { ensureTable } from "../functions/store/table-schema";
import { DelayProxy, startDelayProxy } from "./delay-proxy";
import { StoreKind } from "./scenario";
import { DynamoLocal, RedisServer, requirePrograms, spawnDynamoLocal, spawnRedis } from "./store-processes";
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
  /** The delaying proxy every client goes through (only when asked for). */
  proxy: DelayProxy | null;
  dispose(): Promise<void>;
}

export interface LocalStoreOptions {
  /** Start the process with persistence (data kept across kill()/restart()). */
  persist?: boolean;
  /** Route every client through a delaying loopback proxy. */
  delayProxy?: boolean;
}

/**
 * The bounds of every local store client: what a deployed handler gets without STORE_TIMEOUT_MS
 * (functions/store/from-env.ts), applied the way functions/store/dynamodb-store.ts and redis-store.ts apply
 * them. DynamoDB: each attempt gives up after requestTimeoutMs (throwOnRequestTimeout), at most
 * dynamodbMaxAttempts attempts. Redis: each command after requestTimeoutMs; a lost connection fails calls
 * after connectTimeoutMs. A store that answers later than that is a store error, as in AWS.
 */
export const LOCAL_STORE_TIMEOUTS = {
  requestTimeoutMs: STORE_TIMEOUT_DEFAULT_MS,
  connectTimeoutMs: STORE_TIMEOUT_DEFAULT_MS,
  dynamodbMaxAttempts: DYNAMODB_DEFAULTS.maxAttempts,
  redisMaxRetriesPerRequest: REDIS_DEFAULTS.maxRetriesPerRequest,
} as const;

export interface StoreEndpoints {
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local (tests share one). */
  dynamodbEndpoint?: string;
  /** Use this Redis instead of starting redis-server. */
  redisUrl?: string;
  /** Table name (default: a new one per run). */
  tableName?: string;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** A DynamoDB client for a local endpoint, bounded by LOCAL_STORE_TIMEOUTS, with the work meter attached. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return meterDynamoDb(
    dynamoDbBaseClient({
      endpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
      requestTimeoutMs: LOCAL_STORE_TIMEOUTS.requestTimeoutMs,
      connectionTimeoutMs: LOCAL_STORE_TIMEOUTS.connectTimeoutMs,
      maxAttempts: LOCAL_STORE_TIMEOUTS.dynamodbMaxAttempts,
    }),
  );
}

function runTableName(): string {
  return `circuit-breaker-local-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/**
 * Makes sure what the store of `kind` needs on this machine is installed (before anything is started):
 * Java for DynamoDB Local, redis-server for --store redis; nothing for an external store. As root it installs
 * what is missing (scripts/system-deps.js); otherwise a MissingProgramError with the command. `command` is
 * the command that needs it ("npm start").
 */
export function checkPrerequisites(kind: StoreKind, endpoints: StoreEndpoints, command = "npm start"): void {
  if (kind === "dynamodb" && !endpoints.dynamodbEndpoint)
    requirePrograms(["java"], `${command} (its store, DynamoDB Local)`, "run with --store redis");
  if (kind === "redis" && !endpoints.redisUrl) {
    const around = command === "npm start" ? "point at a running Redis with --redis-url redis://host:port" : "run with --store dynamodb";
    requirePrograms(["redis-server"], `${command} with --store redis (it starts redis-server)`, around);
  }
}

/** Opens (and, where needed, starts) the store, and clears any earlier state of `breaker` in it. */
export async function openLocalStore(
  kind: StoreKind,
  breaker: string,
  endpoints: StoreEndpoints = {},
  onStarted?: (p: DynamoLocal | RedisServer) => void,
  options: LocalStoreOptions = {},
): Promise<LocalStore> {
  const external = kind === "dynamodb" ? endpoints.dynamodbEndpoint : endpoints.redisUrl;
  if (external && (options.persist || options.delayProxy)) {
    throw new Error(`openLocalStore: store faults need a store process started here, not ${external}`);
  }
  const spawnOptions = { persist: options.persist === true };
  if (kind === "dynamodb") {
    const proc = endpoints.dynamodbEndpoint ? null : await spawnDynamoLocal(spawnOptions);
    if (proc) onStarted?.(proc);
    let proxy: DelayProxy | null = null;
    let client: DynamoDBClient | null = null;
    const tableName = endpoints.tableName ?? runTableName();
    let endpoint = endpoints.dynamodbEndpoint ?? proc!.endpoint;
    try {
      if (options.delayProxy) {
        proxy = await startDelayProxy(proc!.port);
        endpoint = `http://127.0.0.1:${proxy.port}`;
      }
      client = localDynamoClient(endpoint);
      // Creating the table is set-up (the stack does it), not a breaker request: its own client, generous
      // bounds (a cold DynamoDB Local can take seconds), straight to the store.
      const setup = dynamoDbBaseClient({
        endpoint: endpoints.dynamodbEndpoint ?? proc!.endpoint,
        region: "us-east-1",
        credentials: LOCAL_CREDENTIALS,
        requestTimeoutMs: 10_000,
        maxAttempts: 3,
      });
      try {
        await ensureTable(setup, tableName, TTL_ATTRIBUTE);
      } finally {
        setup.destroy();
      }
    } catch (e) {
      client?.destroy();
      await proxy?.close();
      await proc?.dispose();
      throw e;
    }
    const ddb = client!;
    const doc = DynamoDBDocumentClient.from(ddb, { marshallOptions: { removeUndefinedValues: true } });
    const store = new DynamoDbStore({ tableName, client: doc });
    return {
      kind,
      store,
      dynamodb: ddb,
      tableName,
      description:
        `DynamoDB Local at ${proc?.endpoint ?? endpoint}${proc ? ` (started for this run, pid ${proc.pid()}${spawnOptions.persist ? ", persistent" : ""})` : ""}` +
        `${proxy ? `, reached through a delaying proxy at ${endpoint}` : ""}, table ${tableName} (TTL on ${TTL_ATTRIBUTE})`,
      process: proc,
      proxy,
      async dispose() {
        await store.close().catch(() => undefined);
        ddb.destroy();
        await proxy?.close();
        await proc?.dispose();
      },
    };
  }
  meterRedis();
  const proc = endpoints.redisUrl ? null : await spawnRedis(spawnOptions);
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
    throw new Error(`cannot use Redis at ${url}: ${(e as Error).message}`, { cause: e });
  }
  admin.disconnect();
  let proxy: DelayProxy | null = null;
  try {
    if (options.delayProxy) proxy = await startDelayProxy(proc!.port);
  } catch (e) {
    await proc?.dispose();
    throw e;
  }
  const storeUrl = proxy ? `redis://127.0.0.1:${proxy.port}` : url;
  const store = new RedisStore({
    url: storeUrl,
    commandTimeoutMs: LOCAL_STORE_TIMEOUTS.requestTimeoutMs,
    connectTimeoutMs: LOCAL_STORE_TIMEOUTS.connectTimeoutMs,
    maxRetriesPerRequest: LOCAL_STORE_TIMEOUTS.redisMaxRetriesPerRequest,
  });
  return {
    kind,
    store,
    dynamodb: null,
    tableName: null,
    description:
      (proc
        ? `redis-server at ${url} (started for this run, pid ${proc.pid()}${spawnOptions.persist ? ", persistent" : ""})`
        : `Redis at ${url} (not started here; breaker '${breaker}' was reset in it)`) +
      (proxy ? `, reached through a delaying proxy at ${storeUrl}` : ""),
    process: proc,
    proxy,
    async dispose() {
      await store.close().catch(() => undefined);
      await proxy?.close();
      await proc?.dispose();
    },
  };
}
