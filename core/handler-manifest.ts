// What each Lambda handler may do, in one place. The CircuitBreaker builds each function's role from
// this map; the tests cross-check it against the AWS SDK commands each handler's bundle really sends,
// so a handler that starts sending a new command without a matching grant here fails the tests.

export const HANDLER_NAMES = [
  "record-outcome",
  "acquire-probe",
  "get-status",
  "report-store-error",
  "fallback",
  "health-probe",
  "demo-downstream",
  "acquire-slot",
  "release-slot",
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

import type { StoreService } from "./store-env";

export type { StoreService } from "./store-env";

export interface HandlerNeeds {
  /** Reads/writes breaker state through the StateStore. */
  store: boolean;
  /** Invokes the protected target (lambda:InvokeFunction on the target ARN only). */
  invokeTarget: boolean;
  /** Reads the breaker's settings parameter (SSM) when one is configured (SETTINGS_PARAMETER). */
  settingsParameter: boolean;
}

export const HANDLER_NEEDS: Readonly<Record<HandlerName, HandlerNeeds>> = Object.freeze({
  "record-outcome": { store: true, invokeTarget: false, settingsParameter: true },
  "acquire-probe": { store: true, invokeTarget: false, settingsParameter: true },
  "get-status": { store: true, invokeTarget: false, settingsParameter: false },
  "report-store-error": { store: false, invokeTarget: false, settingsParameter: false },
  fallback: { store: false, invokeTarget: false, settingsParameter: false },
  "health-probe": { store: true, invokeTarget: true, settingsParameter: true },
  "demo-downstream": { store: false, invokeTarget: false, settingsParameter: false },
  "acquire-slot": { store: true, invokeTarget: false, settingsParameter: true },
  "release-slot": { store: true, invokeTarget: false, settingsParameter: false },
});

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

export const INVOKE_TARGET_ACTIONS: readonly string[] = Object.freeze(["lambda:InvokeFunction"]);

/** Reading the breaker's settings parameter (String, no decryption), on that parameter's ARN. */
export const SETTINGS_PARAMETER_ACTIONS: readonly string[] = Object.freeze(["ssm:GetParameter"]);

/** Log writing, on the function's own log group (`<arn>:*`). */
export const LOG_ACTIONS: readonly string[] = Object.freeze(["logs:CreateLogStream", "logs:PutLogEvents"]);

/** The non-log, non-network actions a handler's role gets with a given store kind (and settings parameter). */
export function handlerActions(handler: HandlerName, store: StoreService, opts: { settingsParameter?: boolean } = {}): string[] {
  const needs = HANDLER_NEEDS[handler];
  return [
    ...(needs.store ? STORE_ACTIONS[store] : []),
    ...(needs.invokeTarget ? INVOKE_TARGET_ACTIONS : []),
    ...(needs.settingsParameter && opts.settingsParameter ? SETTINGS_PARAMETER_ACTIONS : []),
  ].sort();
}

/**
 * Which handlers a breaker deploys: get-status only with Redis (the state machine reads DynamoDB directly).
 * acquire-slot / release-slot only with the bulkhead (settings.maxConcurrentCalls > 0).
 * The built-in fallback is always deployed: it emits CallsRejected/FallbacksServed, runs before a user
 * fallback, and runs before the Fail state with fallback "none".
 */
export function deployedHandlers(opts: {
  store: StoreService;
  healthProbe: boolean;
  demoDownstream: boolean;
  bulkhead: boolean;
}): HandlerName[] {
  return HANDLER_NAMES.filter((h) => {
    switch (h) {
      case "get-status":
        return opts.store === "elasticache";
      case "health-probe":
        return opts.healthProbe;
      case "demo-downstream":
        return opts.demoDownstream;
      case "acquire-slot":
      case "release-slot":
        return opts.bulkhead;
      default:
        return true;
    }
  });
}
