// Counts the AWS work each execution really does, by watching the calls the executor makes:
// every DynamoDB request (with the capacity units DynamoDB Local reports), every Redis command,
// every Lambda invocation by function, every target attempt. Attribution to an execution uses
// AsyncLocalStorage: each execution runs inside its own meter, and everything it awaits inherits it.

import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import Redis from "ioredis";

export interface ExecutionWork {
  /** DynamoDB requests made by the state machine's own Task states (direct service integrations). */
  dynamodbDirectCalls: number;
  /** DynamoDB requests made from inside Lambda handlers. */
  dynamodbLambdaCalls: number;
  readUnits: number;
  writeUnits: number;
  /** Redis commands (all from inside Lambda handlers). */
  redisCommands: number;
  /** Lambda invocations besides the target, by function name. */
  lambda: Record<string, number>;
  targetAttempts: number;
  /** Per target attempt: "ok" or the error name. */
  targetOutcomes: string[];
  /** Design ms spent waiting between target attempts (retry backoff). */
  retryWaitMs: number;
  /** Real epoch ms when the last target attempt ended (for measuring the next wait). */
  lastAttemptEnd: number | null;
  /** CloudWatch metrics the handlers emitted during this execution, by name (see countMetrics). */
  metricsEmitted: Record<string, number>;
}

export function emptyWork(): ExecutionWork {
  return {
    dynamodbDirectCalls: 0,
    dynamodbLambdaCalls: 0,
    readUnits: 0,
    writeUnits: 0,
    redisCommands: 0,
    lambda: {},
    targetAttempts: 0,
    targetOutcomes: [],
    retryWaitMs: 0,
    lastAttemptEnd: null,
    metricsEmitted: {},
  };
}

interface Context {
  work: ExecutionWork;
  /** Inside a Lambda handler (its store calls are billed as Lambda time, not Express time). */
  inLambda: boolean;
}

const als = new AsyncLocalStorage<Context>();

/** Runs `fn` (one execution) with a fresh meter; returns what it did and its result. */
export async function metered<T>(fn: () => Promise<T>): Promise<{ work: ExecutionWork; result: PromiseSettledResult<T> }> {
  const work = emptyWork();
  const result = await als.run({ work, inLambda: false }, async () => {
    try {
      return { status: "fulfilled", value: await fn() } as PromiseFulfilledResult<T>;
    } catch (reason) {
      return { status: "rejected", reason } as PromiseRejectedResult;
    }
  });
  return { work, result };
}

/** The current execution's meter, or null outside an execution (the runtime's own status reads). */
export function currentWork(): ExecutionWork | null {
  return als.getStore()?.work ?? null;
}

/** Runs a Lambda handler under the current meter, marked as inside a Lambda, and counts the invocation. */
export async function inLambda<T>(functionName: string, countAsInvocation: boolean, fn: () => Promise<T>): Promise<T> {
  const ctx = als.getStore();
  if (!ctx) return fn();
  if (countAsInvocation) ctx.work.lambda[functionName] = (ctx.work.lambda[functionName] ?? 0) + 1;
  return als.run({ work: ctx.work, inLambda: true }, fn);
}

/** Records one target attempt and the wait since the previous one (design ms = real ms x speed). */
export function recordTargetAttempt(startReal: number, endReal: number, outcome: string, speed: number): void {
  const w = currentWork();
  if (!w) return;
  if (w.lastAttemptEnd !== null) w.retryWaitMs += Math.max(0, startReal - w.lastAttemptEnd) * speed;
  w.targetAttempts += 1;
  w.targetOutcomes.push(outcome);
  w.lastAttemptEnd = endReal;
}

/** Adds metric values a handler published to the current execution's meter (nothing outside an execution). */
export function countMetrics(values: Iterable<[string, number]>): void {
  const w = currentWork();
  if (!w) return;
  for (const [name, v] of values) w.metricsEmitted[name] = (w.metricsEmitted[name] ?? 0) + v;
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const READ_OPS = new Set(["GetItemCommand", "QueryCommand", "ScanCommand", "BatchGetItemCommand", "TransactGetItemsCommand"]);

/**
 * Adds a middleware that asks DynamoDB for ReturnConsumedCapacity on every request and adds the
 * units to the current execution's meter. The field is removed from the response when the caller
 * did not ask for it, so the state machine sees exactly what it would have seen.
 */
export function meterDynamoDb(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const ctx = als.getStore();
      if (!ctx) return next(args);
      const input = args.input as Record<string, unknown>;
      const asked = input.ReturnConsumedCapacity !== undefined;
      if (!asked) input.ReturnConsumedCapacity = "TOTAL";
      if (ctx.inLambda) ctx.work.dynamodbLambdaCalls += 1;
      else ctx.work.dynamodbDirectCalls += 1;
      const isRead = READ_OPS.has(context.commandName ?? "");
      const count = (cc: Capacity | Capacity[] | undefined) => {
        for (const c of Array.isArray(cc) ? cc : cc ? [cc] : []) {
          const units = c.CapacityUnits ?? 0;
          if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
            ctx.work.readUnits += c.ReadCapacityUnits ?? 0;
            ctx.work.writeUnits += c.WriteCapacityUnits ?? 0;
          } else if (isRead) ctx.work.readUnits += units;
          else ctx.work.writeUnits += units;
        }
      };
      try {
        const out = await next(args);
        const output = out.output as unknown as Record<string, unknown>;
        count(output.ConsumedCapacity as Capacity | undefined);
        if (!asked) delete output.ConsumedCapacity;
        return out;
      } catch (e) {
        // A failed conditional write still consumes write units; DynamoDB reports them on the error.
        const cc = (e as { ConsumedCapacity?: Capacity })?.ConsumedCapacity;
        if (cc) count(cc);
        else if ((e as Error)?.name === "ConditionalCheckFailedException") ctx.work.writeUnits += 1;
        throw e;
      } finally {
        if (!asked) delete input.ReturnConsumedCapacity;
      }
    },
    { step: "initialize", name: "localWorkMeter", override: true },
  );
  return client;
}

let redisPatched = false;

/**
 * Counts every command any ioredis client in this process sends while an execution is running
 * (the Redis store builds its own client, so the count is taken where all clients send).
 */
export function meterRedis(): void {
  if (redisPatched) return;
  redisPatched = true;
  const proto = Redis.prototype as unknown as { sendCommand: (...args: unknown[]) => unknown };
  const original = proto.sendCommand;
  proto.sendCommand = function (this: unknown, ...args: unknown[]) {
    const ctx = als.getStore();
    if (ctx) ctx.work.redisCommands += 1;
    return original.apply(this, args);
  };
}
