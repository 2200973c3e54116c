// What each Lambda handler may do, in one place. The stack's HandlerPlane (one set of handlers serving every
// breaker) builds each function's role from this map; the tests cross-check it against the AWS SDK commands each handler's bundle really sends,
// so a handler that starts sending a new command without a matching grant here fails the tests.

import type { DefinitionOptions } from "./state-machine-definition";
import type { StoreService } from "./store-env";

export type { StoreService } from "./store-env";

export interface HandlerNeeds {
  /** Reads/writes breaker state through the StateStore. */
  store: boolean;
  /** Reads a breaker's settings parameter (SSM) when its state machine names one in the payload. */
  settingsParameter: boolean;
}

/** The key of a breaker definition's `functions` a plane handler fills in. */
export type FunctionKey = keyof DefinitionOptions["functions"];

export interface HandlerSpec {
  needs: HandlerNeeds;
  /** The function's description (after "Circuit breaker handler plane: "). */
  description: string;
  /** Where a breaker's definition names this function; null: not a plane handler (demo-downstream is a target). */
  functionKey: FunctionKey | null;
}

/** Every handler, once: what it needs, how it is described, and where a definition names it. */
export const HANDLERS = Object.freeze({
  "record-outcome": {
    needs: { store: true, settingsParameter: true },
    description: "records a call's outcome (counting, transitions)",
    functionKey: "recordOutcome",
  },
  "acquire-probe": {
    needs: { store: true, settingsParameter: true },
    description: "grants HALF_OPEN probe leases",
    functionKey: "acquireProbe",
  },
  "get-status": {
    needs: { store: true, settingsParameter: false },
    description: "reads breaker state for the state machine (Redis store, health probe)",
    functionKey: "getStatus",
  },
  "report-store-error": {
    needs: { store: false, settingsParameter: false },
    description: "applies onStoreError when the state store fails",
    functionKey: "reportStoreError",
  },
  fallback: { needs: { store: false, settingsParameter: false }, description: "builds the fallback response", functionKey: "fallback" },
  "demo-downstream": {
    needs: { store: false, settingsParameter: false },
    description: "demo target with configurable failures and latency",
    functionKey: null,
  },
  "acquire-slot": {
    needs: { store: true, settingsParameter: true },
    description: "takes a bulkhead slot for one target call",
    functionKey: "acquireSlot",
  },
  "release-slot": {
    needs: { store: true, settingsParameter: false },
    description: "frees a bulkhead slot after the call",
    functionKey: "releaseSlot",
  },
} as const satisfies Record<string, HandlerSpec>);

export type HandlerName = keyof typeof HANDLERS;
export const HANDLER_NAMES: readonly HandlerName[] = Object.freeze(Object.keys(HANDLERS) as HandlerName[]);

export const HANDLER_NEEDS: Readonly<Record<HandlerName, HandlerNeeds>> = Object.freeze(
  Object.fromEntries(HANDLER_NAMES.map((h) => [h, HANDLERS[h].needs])) as Record<HandlerName, HandlerNeeds>,
);

/**
 * The IAM action each AWS SDK command needs (both the DocumentClient and the low-level names).
 * A command the handlers send that is not listed here fails the permission test.
 */
export const SDK_COMMAND_ACTIONS: Readonly<Record<string, string>> = Object.freeze({
  GetCommand: "dynamodb:GetItem",
  GetItemCommand: "dynamodb:GetItem",
  PutCommand: "dynamodb:PutItem",
  PutItemCommand: "dynamodb:PutItem",
  UpdateCommand: "dynamodb:UpdateItem",
  UpdateItemCommand: "dynamodb:UpdateItem",
  DeleteCommand: "dynamodb:DeleteItem",
  DeleteItemCommand: "dynamodb:DeleteItem",
  QueryCommand: "dynamodb:Query",
  ScanCommand: "dynamodb:Scan",
  BatchGetCommand: "dynamodb:BatchGetItem",
  BatchWriteCommand: "dynamodb:BatchWriteItem",
  CreateTableCommand: "dynamodb:CreateTable",
  UpdateTimeToLiveCommand: "dynamodb:UpdateTimeToLive",
  DescribeTableCommand: "dynamodb:DescribeTable",
  GetSecretValueCommand: "secretsmanager:GetSecretValue",
  InvokeCommand: "lambda:InvokeFunction",
  PutMetricDataCommand: "cloudwatch:PutMetricData",
  GetParameterCommand: "ssm:GetParameter",
  GetParametersCommand: "ssm:GetParameters",
});

/**
 * The store actions, per store kind: exactly what functions/store/ sends.
 * dynamodb: on the breaker table's ARN. elasticache: reading the AUTH token secret (Redis itself is
 * reached over the network and authenticated with the token, not with IAM).
 */
export const STORE_ACTIONS: Readonly<Record<StoreService, readonly string[]>> = Object.freeze({
  dynamodb: Object.freeze(["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"]),
  elasticache: Object.freeze(["secretsmanager:GetSecretValue"]),
});

/** Reading the breaker's settings parameter (String, no decryption), on that parameter's ARN. */
export const SETTINGS_PARAMETER_ACTIONS: readonly string[] = Object.freeze(["ssm:GetParameter"]);

/** Log writing, on the function's own log group (`<arn>:*`). */
export const LOG_ACTIONS: readonly string[] = Object.freeze(["logs:CreateLogStream", "logs:PutLogEvents"]);

/** The non-log, non-network actions a handler's role gets with a given store kind (and settings parameter). */
export function handlerActions(handler: HandlerName, store: StoreService, opts: { settingsParameter?: boolean } = {}): string[] {
  const needs = HANDLER_NEEDS[handler];
  return [
    ...(needs.store ? STORE_ACTIONS[store] : []),
    ...(needs.settingsParameter && opts.settingsParameter ? SETTINGS_PARAMETER_ACTIONS : []),
  ].sort();
}

/**
 * Which handlers a stack's handler plane deploys, once for every breaker: get-status with Redis (the state machine
 * cannot read it) or when any breaker has a health probe (the probe branch reads through it, which emits
 * ManualStateActive); acquire-slot / release-slot when any breaker has a bulkhead (maxConcurrentCalls > 0).
 * The built-in fallback is always deployed: it emits CallsRejected/FallbacksServed, runs before a user
 * fallback, and runs before the Fail state with fallback "none". demo-downstream is a target, deployed by
 * its own component (components/demo-downstream.ts), never by the plane.
 */
export function planeHandlers(opts: { store: StoreService; healthProbe: boolean; bulkhead: boolean }): HandlerName[] {
  return HANDLER_NAMES.filter((h) => {
    switch (h) {
      case "get-status":
        return opts.store === "elasticache" || opts.healthProbe;
      case "demo-downstream":
        return false;
      case "acquire-slot":
      case "release-slot":
        return opts.bulkhead;
      default:
        return true;
    }
  });
}
