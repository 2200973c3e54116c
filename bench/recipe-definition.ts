// The baseline: the seed recipe's published design, re-created from its description (issue 5 and
// /work/shared/reference/circuit-breaker-anchors.md §1(b)), with only what stops it from running fixed.
//
// GetItem -> Choice on the state -> if OPEN, a health-check Lambda on every request (it calls the target
// once and writes CLOSED when that succeeds) -> the target with Retry -> RecordSuccess (CLOSED, count 0) or
// RecordFailure (count + 1) -> a second GetItem -> trip to OPEN at >= 3 -> fallback.

import { AslDefinition } from "../core/state-machine-definition";

/** What was changed so the published design runs at all; listed in BENCHMARKS.md. */
export const RECIPE_FIXES: readonly string[] = [
  "EvaluateCircuitState: a first rule `Not IsPresent $.circuit_state.Item` -> InitializeCircuitBreaker. As published, the Choice reads `$.circuit_state.Item.State.S`, which does not exist on an empty table (GetItem on a missing key returns no Item and does not fail, so the Catch -> Initialize never runs): every execution failed with States.Runtime.",
  "RecordSuccess: `ResultPath: null`. As published it has no ResultPath, so the UpdateItem result replaced the execution's state and ReturnSuccess (`$.service_result...`) failed on every success.",
  "CheckFailureThreshold: `ResultSelector` turns the stored count into a number with `States.StringToJson($.Item.FailureCount.N)`, and EvaluateFailureCount compares that. As published it compared DynamoDB's string-typed number (`FailureCount.N`) with NumericGreaterThanEquals, which on AWS never matches a string Variable: the circuit never tripped. (aws-local-stepfunctions coerces the string and would match; the fix is needed on AWS and harmless here.)",
];

/** Defects that do not stop it from running, left as published (they show as failed executions). */
export const RECIPE_DEFECTS_KEPT: readonly string[] = [
  "InitializeCircuitBreaker has no ResultPath: the PutItem result replaces the execution's state, so the executions that initialise the item fail (States.Runtime) in CallDownstreamService.",
  "TripCircuitBreaker has no ResultPath: the execution that trips the circuit fails (States.Runtime) in CallFallbackService.",
  "CallFallbackService reads `$.circuit_state.Item.State.S`, which is missing when the execution found no item.",
  "No open period is stored: while OPEN every request runs the health check, which calls the target; there is no HALF_OPEN and no probe limit; a success resets the count, so the rule is 3 consecutive failures.",
];

/** Not design fixes: what the local executor or the shared demo target needs (also listed). */
export const RECIPE_ADAPTATIONS: readonly string[] = [
  "`$$.State.EnteredTime` (timestamps written to the item) -> `$$.Execution.StartTime`: aws-local-stepfunctions does not provide the former.",
  "ReturnSuccess returns the target's whole Payload (`$.service_result.Payload`) instead of `$.service_result.Payload.body`: the shared demo target answers without a `body` field.",
  "The health-check Lambda calls the target once instead of passing at random (70 %), as the recipe's own comment says a real implementation does; it still probes on every OPEN request and writes CLOSED itself when the call succeeds.",
];

export interface RecipeNames {
  tableName: string;
  healthCheck: string;
  fallback: string;
  target: string;
}

const TIME = "$$.Execution.StartTime";

/** Which of the RECIPE_FIXES to apply (all by default; the tests turn them off to show each is needed). */
export interface RecipeFixes {
  emptyTable: boolean;
  successResultPath: boolean;
  numericCount: boolean;
}

const ALL_FIXES: RecipeFixes = { emptyTable: true, successResultPath: true, numericCount: true };

export function recipeDefinition(n: RecipeNames, fixes: RecipeFixes = ALL_FIXES): AslDefinition {
  const key = { ServiceName: { "S.$": "$.service_name" } };
  const count = fixes.numericCount ? "$.current_state.FailureCount" : "$.current_state.Item.FailureCount.N";
  return {
    Comment: "Circuit Breaker Pattern Implementation (the seed recipe's design, re-created with the fixes it needs to run)",
    StartAt: "CheckCircuitBreakerState",
    States: {
      CheckCircuitBreakerState: {
        Type: "Task",
        Resource: "arn:aws:states:::dynamodb:getItem",
        Parameters: { TableName: n.tableName, Key: key },
        ResultPath: "$.circuit_state",
        Next: "EvaluateCircuitState",
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "InitializeCircuitBreaker" }],
      },
      InitializeCircuitBreaker: {
        Type: "Task",
        Resource: "arn:aws:states:::dynamodb:putItem",
        Parameters: {
          TableName: n.tableName,
          Item: {
            ...key,
            State: { S: "CLOSED" },
            FailureCount: { N: "0" },
            LastFailureTime: { NULL: true },
            LastSuccessTime: { "S.$": TIME },
          },
        },
        Next: "CallDownstreamService",
      },
      EvaluateCircuitState: {
        Type: "Choice",
        Choices: [
          ...(fixes.emptyTable ? [{ Not: { Variable: "$.circuit_state.Item", IsPresent: true }, Next: "InitializeCircuitBreaker" }] : []), // fix 1
          { Variable: "$.circuit_state.Item.State.S", StringEquals: "OPEN", Next: "CheckIfHalfOpenTime" },
          { Variable: "$.circuit_state.Item.State.S", StringEquals: "HALF_OPEN", Next: "CallDownstreamService" },
          { Variable: "$.circuit_state.Item.State.S", StringEquals: "CLOSED", Next: "CallDownstreamService" },
        ],
        Default: "CallDownstreamService",
      },
      CheckIfHalfOpenTime: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: n.healthCheck, Payload: { table_name: n.tableName, "service_name.$": "$.service_name" } },
        ResultPath: "$.health_check_result",
        Next: "EvaluateHealthCheck",
        Retry: [{ ErrorEquals: ["States.ALL"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 2.0 }],
      },
      EvaluateHealthCheck: {
        Type: "Choice",
        Choices: [{ Variable: "$.health_check_result.Payload.statusCode", NumericEquals: 200, Next: "CallDownstreamService" }],
        Default: "CallFallbackService",
      },
      CallDownstreamService: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: { FunctionName: n.target, "Payload.$": "$.request_payload" },
        ResultPath: "$.service_result",
        Next: "RecordSuccess",
        Catch: [{ ErrorEquals: ["States.ALL"], Next: "RecordFailure", ResultPath: "$.error" }],
        Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2.0 }],
      },
      RecordSuccess: {
        Type: "Task",
        Resource: "arn:aws:states:::dynamodb:updateItem",
        Parameters: {
          TableName: n.tableName,
          Key: key,
          UpdateExpression: "SET #state = :closed_state, FailureCount = :zero, LastSuccessTime = :timestamp",
          ExpressionAttributeNames: { "#state": "State" },
          ExpressionAttributeValues: { ":closed_state": { S: "CLOSED" }, ":zero": { N: "0" }, ":timestamp": { "S.$": TIME } },
        },
        ...(fixes.successResultPath ? { ResultPath: null } : {}), // fix 2
        Next: "ReturnSuccess",
      },
      RecordFailure: {
        Type: "Task",
        Resource: "arn:aws:states:::dynamodb:updateItem",
        Parameters: {
          TableName: n.tableName,
          Key: key,
          UpdateExpression: "SET FailureCount = FailureCount + :inc, LastFailureTime = :timestamp",
          ExpressionAttributeValues: { ":inc": { N: "1" }, ":timestamp": { "S.$": TIME } },
        },
        ResultPath: "$.update_result",
        Next: "CheckFailureThreshold",
      },
      CheckFailureThreshold: {
        Type: "Task",
        Resource: "arn:aws:states:::dynamodb:getItem",
        Parameters: { TableName: n.tableName, Key: key },
        ...(fixes.numericCount ? { ResultSelector: { "FailureCount.$": "States.StringToJson($.Item.FailureCount.N)" } } : {}), // fix 3
        ResultPath: "$.current_state",
        Next: "EvaluateFailureCount",
      },
      EvaluateFailureCount: {
        Type: "Choice",
        Choices: [{ Variable: count, NumericGreaterThanEquals: 3, Next: "TripCircuitBreaker" }], // fix 3
        Default: "CallFallbackService",
      },
      TripCircuitBreaker: {
        Type: "Task",
        Resource: "arn:aws:states:::dynamodb:updateItem",
        Parameters: {
          TableName: n.tableName,
          Key: key,
          UpdateExpression: "SET #state = :open_state",
          ExpressionAttributeNames: { "#state": "State" },
          ExpressionAttributeValues: { ":open_state": { S: "OPEN" } },
        },
        Next: "CallFallbackService",
      },
      CallFallbackService: {
        Type: "Task",
        Resource: "arn:aws:states:::lambda:invoke",
        Parameters: {
          FunctionName: n.fallback,
          Payload: { "original_request.$": "$.request_payload", "circuit_breaker_state.$": "$.circuit_state.Item.State.S" },
        },
        ResultPath: "$.fallback_result",
        Next: "ReturnFallback",
      },
      ReturnSuccess: {
        Type: "Pass",
        Parameters: { statusCode: 200, "body.$": "$.service_result.Payload", circuit_breaker_state: "CLOSED" },
        End: true,
      },
      ReturnFallback: {
        Type: "Pass",
        Parameters: { statusCode: 200, "body.$": "$.fallback_result.Payload.body", circuit_breaker_state: "OPEN", fallback_used: true },
        End: true,
      },
    },
  };
}

/** The recipe's healthy path: read, decide, call, write CLOSED, return. */
export const RECIPE_HEALTHY_PATH = [
  "CheckCircuitBreakerState",
  "EvaluateCircuitState",
  "CallDownstreamService",
  "RecordSuccess",
  "ReturnSuccess",
];
