// The breaker state machine definition (Amazon States Language, JSONPath), built by one pure function.
// No Pulumi types: the CircuitBreaker component, the local runtime (local/sfn-runtime.ts) and the tests use it as is.
//
// Only what aws-local-stepfunctions v3 executes the way AWS does: JSONPath (no JSONata, no Assign, no
// $$.State.EnteredTime), `$$.Execution.StartTime` / `$$.Execution.Name`, Retry with backoff and jitter, Catch,
// Fail ErrorPath/CausePath. Choice rules use only `IsPresent: true` / `IsNull: true` style type tests (negated with
// `Not`), and every value comparison reads a path an earlier rule has proven present, so no rule depends on
// whether `And` short-circuits.
//
// The routing encodes decide() in core/breaker.ts; tests/core/conformance.test.ts runs it against
// DynamoDB Local for records the pure module produces and checks every route.
//
// Bulkhead (settings.maxConcurrentCalls > 0): every state that calls the target is entered through a gate,
// AcquireSlotFor<Call> (acquire-slot, slot id = $$.Execution.Name) and SlotRouteFor<Call>, so a slot is taken only
// once the circuit has let the call through; a full bulkhead rejects with reason "bulkhead full" through the
// built-in fallback. After the call every exit (success, failure, ignored error; reported or not) passes one of
// the ReleaseSlotAfter* states, whose failure is caught and never fails the caller. tests/core/bulkhead.test.ts runs
// it on both stores. With maxConcurrentCalls 0 none of these states exist and the definition is unchanged.
//
// The rate rule's successes (a direct DynamoDB ADD while the record's bucket is current, successSampleRate) are
// built in ./definition/rate-success.ts.

import { alwaysRecordSuccess } from "./breaker";
import { BULKHEAD_FULL_ERROR } from "./bulkhead";
import { BreakerSettings } from "./settings";
import { ATTR, BulkheadReason, FallbackReason } from "./contracts";
import { RETRY_STATES, retryLoopStates, usesRetryLoop } from "./definition/retry-loop";
import {
  countsSuccessDirectly,
  countSuccessState,
  DYNAMODB_UPDATE_ITEM,
  extraProjection,
  RATE_SUCCESS_STATE_NAMES,
  routesSuccess,
  successRouteEntry,
  successRouteStates,
  successWeightPayload,
} from "./definition/rate-success";
import { BREAKER_NAME_DOC, isBreakerName } from "./schema/names";
import { SettingsParameterRef, withBreakerContext } from "./definition/breaker-context";
import { healthProbeEntryRule, healthProbeStates, PROBE_LOOP } from "./definition/health-probe-branch";
import { START_EXECUTION, startsProbeLoop, withProbeLoopStart } from "./definition/probe-loop-start";

export interface DefinitionOptions {
  breakerName: string;
  store: { kind: "dynamodb"; tableName: string } | { kind: "redis" };
  /**
   * Lambda ARNs (or local names) of this breaker's handlers. getStatus is required with the redis store;
   * acquireSlot and releaseSlot when settings.maxConcurrentCalls > 0 (unused, and absent from the definition, otherwise).
   */
  functions: {
    recordOutcome: string;
    acquireProbe: string;
    fallback: string;
    reportStoreError: string;
    getStatus?: string;
    acquireSlot?: string;
    releaseSlot?: string;
  };
  /** The protected Lambda (ARN, optionally version/alias qualified; or a local name). */
  targetArn: string;
  /** fallback "user": invoked after the built-in fallback with the same event; its Payload becomes the response. */
  userFallbackArn?: string;
  /** builtin: the built-in fallback's answer is the response; user: the user fallback's; none: a Fail state. */
  fallback: "builtin" | "none" | "user";
  settings: BreakerSettings;
  /** The breaker's runtime settings parameter, named in every handler payload (definition/breaker-context.ts). */
  settingsParameter?: SettingsParameterRef;
  /** Add the health-probe branch (definition/health-probe-branch.ts); needs functions.getStatus. */
  healthProbe?: boolean;
  /** The branch's early re-probe budget (default PROBE_LOOP.seconds; 0: no loop); the stack fits it to EXPRESS. */
  probeLoopSeconds?: number;
  /**
   * The health probe's request (what the schedule sends): with it, early probing on and a loop budget, the execution
   * that trips the circuit starts the probe loop at once (definition/probe-loop-start.ts).
   */
  healthProbeRequest?: Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
export type AslDefinition = { Comment?: string; StartAt: string; States: Record<string, any>; TimeoutSeconds?: number };

export const RESOURCES = {
  lambdaInvoke: "arn:aws:states:::lambda:invoke",
  dynamodbGetItem: "arn:aws:states:::dynamodb:getItem",
  /** The rate rule's direct success count (core/definition/rate-success.ts). */
  dynamodbUpdateItem: DYNAMODB_UPDATE_ITEM,
  /** The tripping execution starts the probe loop (core/definition/probe-loop-start.ts). */
  startExecution: START_EXECUTION,
} as const;

/** Every state name the builder can emit. A definition holds only the states reachable for its options. */
export const STATE_NAMES = {
  validateInput: "ValidateInput",
  invalidInputMissing: "InvalidInputMissing",
  invalidInputNull: "InvalidInputNull",
  invalidInputNotObject: "InvalidInputNotObject",
  readState: "ReadState",
  reportStoreError: "ReportStoreError",
  storeErrorRoute: "StoreErrorRoute",
  /** redis: get-status answered with StoreError instead of Item. */
  statusStoreErrorRoute: "StatusStoreErrorRoute",
  /** A stored item the Choice cannot read (no state or gen, unknown state, bad openUntilIso). */
  unreadableState: "UnreadableState",
  decide: "Decide",
  /** Decide for an item without recordSuccess (read as false, as the store codec does). */
  decideWithoutRecordSuccess: "DecideWithoutRecordSuccess",
  acquireProbe: "AcquireProbe",
  probeRoute: "ProbeRoute",
  /** CLOSED, item present, no success report needed: the healthy path ends here. */
  callTarget: "CallTarget",
  /** No item yet (CLOSED, generation 0), no success report needed. */
  callTargetNew: "CallTargetNew",
  /** CLOSED, item present, the success must be reported. */
  callTargetThenRecord: "CallTargetThenRecord",
  /** No item yet, the success must be reported (rate rule, slow-call detection). */
  callTargetNewThenRecord: "CallTargetNewThenRecord",
  /** HALF_OPEN probe holding a lease. */
  callProbe: "CallProbe",
  /** DISABLED, or the store failed and onStoreError is allow: call and record nothing. */
  callUnrecorded: "CallUnrecorded",
  recordSuccess: "RecordSuccess",
  recordSuccessNew: "RecordSuccessNew",
  recordFailure: "RecordFailure",
  recordFailureNew: "RecordFailureNew",
  recordProbeSuccess: "RecordProbeSuccess",
  recordProbeFailure: "RecordProbeFailure",
  recordProbeIgnored: "RecordProbeIgnored",
  /** Output after a success whose report failed (the caller still gets the target's answer). */
  succeeded: "Succeeded",
  /** The target answered with one of settings.ignoredErrors: its error is passed through. */
  targetRejectedRequest: "TargetRejectedRequest",
  fallbackOpen: "FallbackOpen",
  fallbackForcedOpen: "FallbackForcedOpen",
  fallbackProbeSlotsTaken: "FallbackProbeSlotsTaken",
  fallbackStoreError: "FallbackStoreError",
  fallbackTargetFailed: "FallbackTargetFailed",
  userFallbackOpen: "UserFallbackOpen",
  userFallbackForcedOpen: "UserFallbackForcedOpen",
  userFallbackProbeSlotsTaken: "UserFallbackProbeSlotsTaken",
  userFallbackStoreError: "UserFallbackStoreError",
  userFallbackTargetFailed: "UserFallbackTargetFailed",
  /** A retry stopped because the circuit opened (or was forced open) since the call started: with the attempt's error. */
  fallbackOpenAfterFailure: "FallbackOpenAfterFailure",
  userFallbackOpenAfterFailure: "UserFallbackOpenAfterFailure",
  circuitOpenAfterFailure: "CircuitOpenAfterFailure",
  fallbackForcedOpenAfterFailure: "FallbackForcedOpenAfterFailure",
  userFallbackForcedOpenAfterFailure: "UserFallbackForcedOpenAfterFailure",
  circuitForcedOpenAfterFailure: "CircuitForcedOpenAfterFailure",
  circuitOpen: "CircuitOpen",
  circuitForcedOpen: "CircuitForcedOpen",
  circuitProbeSlotsTaken: "CircuitProbeSlotsTaken",
  circuitStoreError: "CircuitStoreError",
  targetFailed: "TargetFailed",
  // Bulkhead (settings.maxConcurrentCalls > 0): the gate in front of each call state...
  acquireSlotForCallTarget: "AcquireSlotForCallTarget",
  slotRouteForCallTarget: "SlotRouteForCallTarget",
  acquireSlotForCallTargetNew: "AcquireSlotForCallTargetNew",
  slotRouteForCallTargetNew: "SlotRouteForCallTargetNew",
  acquireSlotForCallTargetThenRecord: "AcquireSlotForCallTargetThenRecord",
  slotRouteForCallTargetThenRecord: "SlotRouteForCallTargetThenRecord",
  acquireSlotForCallTargetNewThenRecord: "AcquireSlotForCallTargetNewThenRecord",
  slotRouteForCallTargetNewThenRecord: "SlotRouteForCallTargetNewThenRecord",
  /** A probe holding its lease: a full bulkhead also frees the lease (acquire-slot). */
  acquireSlotForCallProbe: "AcquireSlotForCallProbe",
  slotRouteForCallProbe: "SlotRouteForCallProbe",
  acquireSlotForCallUnrecorded: "AcquireSlotForCallUnrecorded",
  slotRouteForCallUnrecorded: "SlotRouteForCallUnrecorded",
  // ...the release on every way out after a call...
  /** Then Succeeded: the target's answer (reported or not). */
  releaseSlotAfterSuccess: "ReleaseSlotAfterSuccess",
  /** Then TargetRejectedRequest: an ignored error passed through. */
  releaseSlotAfterIgnoredError: "ReleaseSlotAfterIgnoredError",
  /** Then the failed call's fallback (or TargetFailed). */
  releaseSlotAfterFailure: "ReleaseSlotAfterFailure",
  // ...and the rejection when it is full.
  fallbackBulkheadFull: "FallbackBulkheadFull",
  userFallbackBulkheadFull: "UserFallbackBulkheadFull",
  bulkheadFull: "BulkheadFull",
  // The rate rule's success path without a Lambda per success (core/definition/rate-success.ts).
  ...RATE_SUCCESS_STATE_NAMES,
} as const;

export type StateName = (typeof STATE_NAMES)[keyof typeof STATE_NAMES];

/** Fail error names callers see. */
export const ERRORS = {
  invalidInput: "InvalidInput",
  circuitOpen: "CircuitOpen",
  targetFailed: "TargetFailed",
  unreadableState: "UnreadableBreakerState",
  bulkheadFull: BULKHEAD_FULL_ERROR,
} as const;

/** The Step Functions errors of a Lambda invocation that are worth retrying (service side, throttling). */
export const LAMBDA_SERVICE_ERRORS = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
] as const;

/** Transient DynamoDB errors of the direct GetItem (one quick retry, then onStoreError applies). */
export const DYNAMODB_TRANSIENT_ERRORS = [
  "DynamoDB.ProvisionedThroughputExceededException",
  "DynamoDB.RequestLimitExceeded",
  "DynamoDB.ThrottlingException",
  "DynamoDB.InternalServerErrorException",
] as const;

/** The target call is retried on these (after the ignored errors, which never are). */
export const TARGET_RETRY_ERRORS = ["States.TaskFailed", "States.Timeout", ...LAMBDA_SERVICE_ERRORS] as const;

/** Where each piece of data lives in the execution's JSON while it runs. */
export const PATHS = {
  request: "$.request",
  /** ReadState result (GetItem result, or the get-status invoke result). */
  store: "$.store",
  /** The Catch output {Error, Cause} of a failed store read. */
  storeFault: "$.storeFault",
  /** report-store-error result {allow}. */
  storeError: "$.storeError",
  /** acquire-probe grant {admitted, gen, state, leaseId}. */
  probe: "$.probe",
  /** acquire-slot answer {admitted, reason} (bulkhead). */
  slot: "$.slot",
  /** The Catch output {Error, Cause} of the failed target call. */
  failure: "$.failure",
  /** ExecutionOutput kept while the success is reported. */
  output: "$.output",
  /** record-outcome / fallback results and Catch outputs nobody reads (kept out of the way). */
  recorded: "$.recorded",
} as const;

const START_TIME = "$$.Execution.StartTime";
const EXECUTION_NAME = "$$.Execution.Name";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
type State = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- retriers and catchers are free-form ASL JSON
type Rule = Record<string, any>;

const S = STATE_NAMES;

function checkOptions(o: DefinitionOptions): void {
  const bad = (what: string) => {
    throw new Error(`buildDefinition: ${what}`);
  };
  if (!isBreakerName(o.breakerName)) bad(`breakerName is ${JSON.stringify(o.breakerName)}; allowed: ${BREAKER_NAME_DOC}`);
  if (o.store.kind === "dynamodb" && !o.store.tableName) bad("store.tableName is empty; allowed: the breaker table's name");
  if (o.store.kind === "redis" && !o.functions.getStatus) bad("functions.getStatus is missing; it is required with the redis store");
  if (!["builtin", "none", "user"].includes(o.fallback))
    bad(`fallback is ${JSON.stringify(o.fallback)}; allowed: "builtin", "none", "user"`);
  if (o.fallback === "user" && !o.userFallbackArn) bad('fallback is "user" but userFallbackArn is missing');
  const req = o.healthProbeRequest;
  if (req !== undefined && (typeof req !== "object" || req === null || Array.isArray(req)))
    bad(`healthProbeRequest is ${JSON.stringify(req)}; allowed: a JSON object (the probe's request to the target)`);
  if (o.fallback !== "user" && o.userFallbackArn)
    bad(`userFallbackArn is set but fallback is "${o.fallback}"; set fallback "user" to use it`);
  for (const [k, v] of Object.entries({ ...o.functions, targetArn: o.targetArn })) {
    if (v !== undefined && (typeof v !== "string" || v === "")) bad(`${k} is ${JSON.stringify(v)}; allowed: a Lambda function ARN or name`);
  }
  const s = o.settings;
  for (const k of ["timeoutSeconds", "retryIntervalSeconds", "retryMaxDelaySeconds"] as const) {
    if (!Number.isInteger(s[k]) || s[k] < 1)
      bad(`settings.${k} is ${s[k]}; allowed: a whole number of seconds >= 1 (Step Functions takes no fractions)`);
  }
  if (!Number.isInteger(s.retryAttempts) || s.retryAttempts < 0)
    bad(`settings.retryAttempts is ${s.retryAttempts}; allowed: an integer >= 0`);
  if (!Number.isInteger(s.maxConcurrentCalls) || s.maxConcurrentCalls < 0)
    bad(`settings.maxConcurrentCalls is ${s.maxConcurrentCalls}; allowed: an integer >= 0 (0 = no bulkhead)`);
  if (s.maxConcurrentCalls > 0) {
    for (const k of ["acquireSlot", "releaseSlot"] as const) {
      if (!o.functions[k])
        bad(`functions.${k} is missing; it is required when settings.maxConcurrentCalls > 0 (the bulkhead is on: ${s.maxConcurrentCalls})`);
    }
  }
}

/** The bulkhead is part of this definition. */
function bulkheadOn(o: DefinitionOptions): boolean {
  return o.settings.maxConcurrentCalls > 0;
}

/** A lambda:invoke Task with the optimized integration. */
function invoke(functionName: string, payload: Record<string, unknown>, extra: State): State {
  return {
    Type: "Task",
    Resource: RESOURCES.lambdaInvoke,
    Parameters: { FunctionName: functionName, Payload: payload },
    ...extra,
  };
}

/** Retry for handler invocations: Lambda service errors only (handlers answer store trouble in their result). */
export function handlerRetry(): State[] {
  return [
    {
      ErrorEquals: [...LAMBDA_SERVICE_ERRORS],
      IntervalSeconds: 1,
      MaxAttempts: 2,
      BackoffRate: 2,
      MaxDelaySeconds: 4,
      JitterStrategy: "FULL",
    },
  ];
}

/** What `$.store` holds the Choice attributes under. */
function itemPath(o: DefinitionOptions): string {
  return o.store.kind === "dynamodb" ? `${PATHS.store}.Item` : `${PATHS.store}.Payload.Item`;
}

function success(o: DefinitionOptions): State {
  return { breaker: o.breakerName, fallback: false, "response.$": "$.Payload" };
}

type FallbackKind =
  | "open"
  | "forcedOpen"
  | "probeSlotsTaken"
  | "storeError"
  | "targetFailed"
  | "bulkheadFull"
  | "openAfterFailure"
  | "forcedOpenAfterFailure";

interface FallbackSpec {
  reason: FallbackReason;
  state?: "OPEN" | "FORCED_OPEN" | "HALF_OPEN";
  builtin: string;
  user: string;
  fail: string;
  error: string;
  cause: (breaker: string, s: BreakerSettings) => string;
  /** The event carries the failed attempt's error and cause ($.failure). */
  withFailure?: boolean;
}

const FALLBACKS: Record<FallbackKind, FallbackSpec> = {
  open: {
    reason: "open",
    state: "OPEN",
    builtin: S.fallbackOpen,
    user: S.userFallbackOpen,
    fail: S.circuitOpen,
    error: ERRORS.circuitOpen,
    cause: (b) => `Circuit breaker '${b}' is open`,
  },
  forcedOpen: {
    reason: "forced open",
    state: "FORCED_OPEN",
    builtin: S.fallbackForcedOpen,
    user: S.userFallbackForcedOpen,
    fail: S.circuitForcedOpen,
    error: ERRORS.circuitOpen,
    cause: (b) => `Circuit breaker '${b}' is forced open`,
  },
  probeSlotsTaken: {
    reason: "probe slots taken",
    state: "HALF_OPEN",
    builtin: S.fallbackProbeSlotsTaken,
    user: S.userFallbackProbeSlotsTaken,
    fail: S.circuitProbeSlotsTaken,
    error: ERRORS.circuitOpen,
    cause: (b) => `Circuit breaker '${b}' is half-open and all its probe slots are taken`,
  },
  storeError: {
    reason: "store error",
    builtin: S.fallbackStoreError,
    user: S.userFallbackStoreError,
    fail: S.circuitStoreError,
    error: ERRORS.circuitOpen,
    cause: (b) => `Circuit breaker '${b}' rejected the call: its state store failed and onStoreError is 'reject'`,
  },
  targetFailed: {
    reason: "target failed",
    builtin: S.fallbackTargetFailed,
    user: S.userFallbackTargetFailed,
    fail: S.targetFailed,
    error: ERRORS.targetFailed,
    cause: (b) => `The target of circuit breaker '${b}' failed`,
  },
  openAfterFailure: {
    reason: "open",
    state: "OPEN",
    builtin: S.fallbackOpenAfterFailure,
    user: S.userFallbackOpenAfterFailure,
    fail: S.circuitOpenAfterFailure,
    error: ERRORS.circuitOpen,
    cause: (b) => `Circuit breaker '${b}' opened while the call was failing; its retries were stopped`,
    withFailure: true,
  },
  forcedOpenAfterFailure: {
    reason: "forced open",
    state: "FORCED_OPEN",
    builtin: S.fallbackForcedOpenAfterFailure,
    user: S.userFallbackForcedOpenAfterFailure,
    fail: S.circuitForcedOpenAfterFailure,
    error: ERRORS.circuitOpen,
    cause: (b) => `Circuit breaker '${b}' was forced open while the call was failing; its retries were stopped`,
    withFailure: true,
  },
  bulkheadFull: {
    reason: "bulkhead full",
    builtin: S.fallbackBulkheadFull,
    user: S.userFallbackBulkheadFull,
    fail: S.bulkheadFull,
    error: ERRORS.bulkheadFull,
    cause: (b, s) =>
      `Circuit breaker '${b}' rejected the call: its limit of ${s.maxConcurrentCalls} concurrent calls (maxConcurrentCalls) is reached`,
  },
};

/** The state a rejection (or, with a fallback, a failed call) goes to first. */
function fallbackEntry(o: DefinitionOptions, kind: FallbackKind): string {
  // With fallback "none" the built-in handler still runs on a rejection (it emits CallsRejected);
  // a failed target call has nothing to reject, so it goes straight to the Fail state.
  if (o.fallback === "none" && kind === "targetFailed") return FALLBACKS[kind].fail;
  return FALLBACKS[kind].builtin;
}

/** The FallbackEvent of one kind (contracts.ts), the same for the built-in and the user fallback. */
function fallbackEvent(o: DefinitionOptions, spec: FallbackSpec): Record<string, unknown> {
  const ev: Record<string, unknown> = { breaker: o.breakerName, reason: spec.reason };
  if (spec.state) ev.state = spec.state;
  if (spec.reason === "target failed" || spec.withFailure) {
    ev["error.$"] = `${PATHS.failure}.Error`;
    ev["cause.$"] = `${PATHS.failure}.Cause`;
  }
  ev["request.$"] = PATHS.request;
  return ev;
}

function fallbackStates(o: DefinitionOptions): Record<string, State> {
  const out: Record<string, State> = {};
  for (const kind of Object.keys(FALLBACKS) as FallbackKind[]) {
    const spec = FALLBACKS[kind];
    const event = fallbackEvent(o, spec);
    const fail: State =
      kind === "targetFailed"
        ? { Type: "Fail", Error: spec.error, CausePath: `${PATHS.failure}.Cause` }
        : { Type: "Fail", Error: spec.error, Cause: spec.cause(o.breakerName, o.settings) };
    out[spec.fail] = fail;
    if (o.fallback === "user") {
      out[spec.builtin] = invoke(o.functions.fallback, event, {
        ResultPath: null,
        Retry: handlerRetry(),
        // The built-in fallback only emits metrics here; its failure must not keep the user fallback from running.
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: spec.user }],
        Next: spec.user,
      });
      out[spec.user] = invoke(o.userFallbackArn!, event, {
        ResultSelector: { breaker: o.breakerName, fallback: true, "response.$": "$.Payload" },
        Retry: handlerRetry(),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: spec.fail }],
        End: true,
      });
    } else if (o.fallback === "builtin") {
      out[spec.builtin] = invoke(o.functions.fallback, event, {
        ResultSelector: { breaker: o.breakerName, fallback: true, "response.$": "$.Payload" },
        Retry: handlerRetry(),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: spec.fail }],
        End: true,
      });
    } else {
      out[spec.builtin] = invoke(o.functions.fallback, event, {
        ResultPath: null,
        Retry: handlerRetry(),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: spec.fail }],
        Next: spec.fail,
      });
    }
  }
  return out;
}

interface CallSpec {
  /** Where a success goes: undefined ends the execution with the output (with a bulkhead: after the release). */
  thenRecord?: string;
  /** Where an ignored error goes. */
  onIgnored: string;
  /** Where any other failure goes. */
  onFailure: string;
  /** No Task Retry: the breaker-aware retry loop (core/definition/retry-loop.ts) retries, or nothing does (probes). */
  noRetry?: boolean;
}

/** A call of the target: the same Parameters, Retry and TimeoutSeconds in every variant. */
function callTarget(o: DefinitionOptions, c: CallSpec): State {
  const s = o.settings;
  const ignored = s.ignoredErrors;
  const retry: State[] = [];
  if (ignored.length && !c.noRetry) retry.push({ ErrorEquals: [...ignored], MaxAttempts: 0 });
  if (!c.noRetry)
    retry.push({
      ErrorEquals: [...TARGET_RETRY_ERRORS],
      IntervalSeconds: s.retryIntervalSeconds,
      MaxAttempts: s.retryAttempts,
      BackoffRate: s.retryBackoffRate,
      MaxDelaySeconds: s.retryMaxDelaySeconds,
      JitterStrategy: "FULL",
    });
  const catches: State[] = [];
  if (ignored.length) catches.push({ ErrorEquals: [...ignored], ResultPath: PATHS.failure, Next: c.onIgnored });
  catches.push({ ErrorEquals: ["States.ALL"], ResultPath: PATHS.failure, Next: c.onFailure });
  return {
    Type: "Task",
    Resource: RESOURCES.lambdaInvoke,
    Parameters: { FunctionName: o.targetArn, "Payload.$": PATHS.request },
    TimeoutSeconds: s.timeoutSeconds,
    ResultSelector: success(o),
    ...(c.thenRecord
      ? { ResultPath: PATHS.output, Next: c.thenRecord }
      : bulkheadOn(o)
        ? { ResultPath: PATHS.output, Next: S.releaseSlotAfterSuccess }
        : { End: true }),
    ...(retry.length ? { Retry: retry } : {}),
    Catch: catches,
  };
}

type GenSource = { path: string } | { value: 0 };

// ---------------------------------------------------------------------------------------------
// Bulkhead

/** The states that call the target, each with its bulkhead gate (acquire-slot, then the route on its answer). */
const GATES = {
  [S.callTarget]: { acquire: S.acquireSlotForCallTarget, route: S.slotRouteForCallTarget },
  [S.callTargetNew]: { acquire: S.acquireSlotForCallTargetNew, route: S.slotRouteForCallTargetNew },
  [S.callTargetThenRecord]: { acquire: S.acquireSlotForCallTargetThenRecord, route: S.slotRouteForCallTargetThenRecord },
  [S.callTargetNewThenRecord]: { acquire: S.acquireSlotForCallTargetNewThenRecord, route: S.slotRouteForCallTargetNewThenRecord },
  [S.callProbe]: { acquire: S.acquireSlotForCallProbe, route: S.slotRouteForCallProbe },
  [S.callUnrecorded]: { acquire: S.acquireSlotForCallUnrecorded, route: S.slotRouteForCallUnrecorded },
  [S.callTargetThenCount]: { acquire: S.acquireSlotForCallTargetThenCount, route: S.slotRouteForCallTargetThenCount },
} as const;

type CallState = keyof typeof GATES;

/** Where a route to a call state goes: its bulkhead gate when the bulkhead is on, else the call itself. */
function entry(o: DefinitionOptions, call: CallState): string {
  return bulkheadOn(o) ? GATES[call].acquire : call;
}

/** acquire-slot's reason for a full bulkhead, which is also the fallback's reason. */
const BULKHEAD_FULL_REASON = "bulkhead full" satisfies BulkheadReason & FallbackReason;

function bulkheadStates(o: DefinitionOptions): Record<string, State> {
  const slot = { breaker: o.breakerName, "slotId.$": EXECUTION_NAME };
  const states: Record<string, State> = {};
  for (const call of Object.keys(GATES) as CallState[]) {
    const gate = GATES[call];
    // A probe passes its lease: if the bulkhead turns it away, acquire-slot frees the lease without counting.
    const payload =
      call === S.callProbe ? { ...slot, "probeLeaseId.$": `${PATHS.probe}.leaseId`, "probeGen.$": `${PATHS.probe}.gen` } : slot;
    states[gate.acquire] = invoke(o.functions.acquireSlot!, payload, {
      ResultSelector: { "admitted.$": "$.Payload.admitted", "reason.$": "$.Payload.reason" },
      ResultPath: PATHS.slot,
      Retry: handlerRetry(),
      // No answer from acquire-slot: as with a store fault, onStoreError decides (allow: call without a slot).
      Catch: [
        {
          ErrorEquals: ["States.ALL"],
          ResultPath: PATHS.recorded,
          Next: o.settings.onStoreError === "allow" ? call : fallbackEntry(o, "storeError"),
        },
      ],
      Next: gate.route,
    });
    states[gate.route] = {
      Type: "Choice",
      Choices: [
        { Variable: `${PATHS.slot}.admitted`, BooleanEquals: true, Next: call },
        { Variable: `${PATHS.slot}.reason`, StringEquals: BULKHEAD_FULL_REASON, Next: fallbackEntry(o, "bulkheadFull") },
      ],
      // Not admitted for another reason: the store failed and onStoreError is reject.
      Default: fallbackEntry(o, "storeError"),
    };
  }
  const release = (next: string): State => releaseSlot(o, next);
  states[S.releaseSlotAfterSuccess] = release(S.succeeded);
  states[S.releaseSlotAfterIgnoredError] = release(S.targetRejectedRequest);
  states[S.releaseSlotAfterFailure] = release(fallbackEntry(o, "targetFailed"));
  return states;
}

/** The release never fails the caller's execution: a failed one is caught, and the slot's lease frees it. */
function releaseSlot(o: DefinitionOptions, next: string): State {
  return invoke(
    o.functions.releaseSlot!,
    { breaker: o.breakerName, "slotId.$": EXECUTION_NAME },
    {
      ResultPath: null,
      Retry: handlerRetry(),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: next }],
      Next: next,
    },
  );
}

/** A record-outcome Task (RecordOutcomeEvent). */
function record(o: DefinitionOptions, outcome: "success" | "failure", gen: GenSource, probe: boolean, next: string): State {
  const payload: Record<string, unknown> = { breaker: o.breakerName };
  if ("path" in gen) payload["gen.$"] = gen.path;
  else payload.gen = gen.value;
  if (probe) payload["leaseId.$"] = `${PATHS.probe}.leaseId`;
  payload.outcome = outcome;
  if (outcome === "failure") {
    payload["error.$"] = `${PATHS.failure}.Error`;
    payload["cause.$"] = `${PATHS.failure}.Cause`;
  }
  payload["startedAt.$"] = START_TIME;
  if (outcome === "success" && !probe) Object.assign(payload, successWeightPayload(o));
  if (outcome === "success") {
    // The output waits in $.output; a failed report does not cost the caller the target's answer.
    if (bulkheadOn(o)) {
      return invoke(o.functions.recordOutcome, payload, {
        ResultPath: null,
        Retry: handlerRetry(),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: S.releaseSlotAfterSuccess }],
        Next: S.releaseSlotAfterSuccess,
      });
    }
    return invoke(o.functions.recordOutcome, payload, {
      ResultPath: null,
      OutputPath: PATHS.output,
      Retry: handlerRetry(),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: S.succeeded }],
      End: true,
    });
  }
  return invoke(o.functions.recordOutcome, payload, {
    ResultPath: PATHS.recorded,
    Retry: handlerRetry(),
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: next }],
    Next: next,
  });
}

const not = (r: Rule): Rule => ({ Not: r });
const present = (v: string): Rule => ({ Variable: v, IsPresent: true });
const isState = (v: string, state: string): Rule => ({ Variable: v, StringEquals: state });

/**
 * decide() as Choice rules, in order. Each comparison reads a path that an earlier rule proved present
 * (or that the same And proves with IsPresent, which is safe whichever way And is evaluated).
 */
function decideRules(o: DefinitionOptions, withRecordSuccess: boolean): Rule[] {
  const enter = (call: CallState) => entry(o, call);
  const item = itemPath(o);
  const state = `${item}.${ATTR.state}.S`;
  const gen = `${item}.${ATTR.gen}.N`;
  const rs = `${item}.${ATTR.recordSuccess}.BOOL`;
  const until = `${item}.${ATTR.openUntilIso}.S`;
  const always = alwaysRecordSuccess(o.settings);
  // rate rule: sampled successes and the direct count route through SuccessRoute (core/definition/rate-success.ts).
  const rateRoute = routesSuccess(o) ? successRouteEntry(o) : null;
  const rules: Rule[] = [];
  if (o.store.kind === "redis") rules.push({ ...present(`${PATHS.store}.Payload.StoreError`), Next: S.statusStoreErrorRoute });
  // No item: a new breaker, CLOSED in generation 0 (decide(null) === decide(newRecord())).
  rules.push({ ...not(present(item)), Next: rateRoute?.noItem ?? enter(always ? S.callTargetNewThenRecord : S.callTargetNew) });
  rules.push({ ...not(present(state)), Next: S.unreadableState });
  rules.push({ ...not(present(gen)), Next: S.unreadableState });
  rules.push({ ...isState(state, "DISABLED"), Next: enter(S.callUnrecorded) });
  rules.push({ ...isState(state, "FORCED_OPEN"), Next: fallbackEntry(o, "forcedOpen") });
  rules.push({ ...isState(state, "HALF_OPEN"), Next: S.acquireProbe });
  if (always) {
    rules.push({ ...isState(state, "CLOSED"), Next: rateRoute?.closed ?? enter(S.callTargetThenRecord) });
  } else if (withRecordSuccess) {
    // An absent recordSuccess reads as false (record-codec). Absent in any other state: the other Choice.
    rules.push({ And: [isState(state, "CLOSED"), not(present(rs))], Next: enter(S.callTarget) });
    rules.push({ ...not(present(rs)), Next: S.decideWithoutRecordSuccess });
    rules.push({ And: [isState(state, "CLOSED"), { Variable: rs, BooleanEquals: true }], Next: enter(S.callTargetThenRecord) });
    rules.push({ ...isState(state, "CLOSED"), Next: enter(S.callTarget) });
  } else {
    rules.push({ ...isState(state, "CLOSED"), Next: enter(S.callTarget) });
  }
  // Left: OPEN, or a state this definition does not know (a store fault).
  rules.push({ ...not(isState(state, "OPEN")), Next: S.unreadableState });
  // OPEN without an expiry is due (decide: openUntil null -> probe).
  rules.push({ ...not(present(until)), Next: S.acquireProbe });
  rules.push({ ...not({ Variable: until, IsTimestamp: true }), Next: S.unreadableState });
  rules.push({ Variable: until, TimestampGreaterThanPath: START_TIME, Next: fallbackEntry(o, "open") });
  return rules;
}

function storeErrorRoute(o: DefinitionOptions, allowPath: string): State {
  return {
    Type: "Choice",
    Choices: [{ Variable: allowPath, BooleanEquals: true, Next: entry(o, S.callUnrecorded) }],
    Default: fallbackEntry(o, "storeError"),
  };
}

function readState(o: DefinitionOptions): State {
  const catchToReport = [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.storeFault, Next: S.reportStoreError }];
  if (o.store.kind === "redis") {
    return invoke(
      o.functions.getStatus!,
      { breaker: o.breakerName },
      { ResultPath: PATHS.store, Retry: handlerRetry(), Catch: catchToReport, Next: S.decide },
    );
  }
  return {
    Type: "Task",
    Resource: RESOURCES.dynamodbGetItem,
    Parameters: {
      TableName: o.store.tableName,
      Key: { [ATTR.key]: { S: o.breakerName } },
      ConsistentRead: true,
      // Only what the Choice reads: one read unit whatever the record holds.
      ProjectionExpression: ["#state", "#gen", "#until", "#rs", ...Object.keys(extraProjection(o))].join(", "),
      ExpressionAttributeNames: {
        "#state": ATTR.state,
        "#gen": ATTR.gen,
        "#until": ATTR.openUntilIso,
        "#rs": ATTR.recordSuccess,
        ...extraProjection(o),
      },
    },
    ResultPath: PATHS.store,
    Retry: [
      {
        ErrorEquals: [...DYNAMODB_TRANSIENT_ERRORS],
        IntervalSeconds: 1,
        MaxAttempts: 1,
        BackoffRate: 2,
        MaxDelaySeconds: 1,
        JitterStrategy: "FULL",
      },
    ],
    Catch: catchToReport,
    Next: S.decide,
  };
}

function allStates(o: DefinitionOptions): Record<string, State> {
  const item = itemPath(o);
  const itemGen: GenSource = { path: `${item}.${ATTR.gen}.N` };
  const probeGen: GenSource = { path: `${PATHS.probe}.gen` };
  const newGen: GenSource = { value: 0 };
  const bulkhead = bulkheadOn(o);
  // After a call: with a bulkhead every way out goes through a release first.
  const failed = bulkhead ? S.releaseSlotAfterFailure : fallbackEntry(o, "targetFailed");
  const passThrough = bulkhead ? S.releaseSlotAfterIgnoredError : S.targetRejectedRequest;
  const allowOnStoreError = o.settings.onStoreError === "allow";
  // With retries, a failed attempt enters the breaker-aware retry loop; without, it is recorded and the call ends.
  const loop = usesRetryLoop(o.settings);
  const onFailure = (isNew: boolean) =>
    loop
      ? { onFailure: isNew ? RETRY_STATES.startRetriesNew : RETRY_STATES.startRetries, noRetry: true }
      : { onFailure: isNew ? S.recordFailureNew : S.recordFailure };

  const states: Record<string, State> = {
    [S.validateInput]: {
      Type: "Choice",
      Choices: [
        ...(o.healthProbe ? [healthProbeEntryRule()] : []),
        { ...not(present(PATHS.request)), Next: S.invalidInputMissing },
        { Variable: PATHS.request, IsNull: true, Next: S.invalidInputNull },
        // An array with elements has a first element; JSONPath cannot tell an empty array from an empty object.
        {
          Or: [
            { Variable: PATHS.request, IsString: true },
            { Variable: PATHS.request, IsNumeric: true },
            { Variable: PATHS.request, IsBoolean: true },
            present(`${PATHS.request}[0]`),
          ],
          Next: S.invalidInputNotObject,
        },
      ],
      Default: S.readState,
    },
    [S.invalidInputMissing]: {
      Type: "Fail",
      Error: ERRORS.invalidInput,
      Cause: 'The execution input has no "request" field; allowed: {"request": <JSON object passed to the target as its event>}',
    },
    [S.invalidInputNull]: {
      Type: "Fail",
      Error: ERRORS.invalidInput,
      Cause: 'The execution input\'s "request" is null; allowed: a JSON object, passed to the target as its event',
    },
    [S.invalidInputNotObject]: {
      Type: "Fail",
      Error: ERRORS.invalidInput,
      Cause:
        'The execution input\'s "request" is a string, number, boolean or array; allowed: a JSON object, passed to the target as its event',
    },
    [S.readState]: readState(o),
    [S.reportStoreError]: invoke(
      o.functions.reportStoreError,
      { breaker: o.breakerName, "error.$": `${PATHS.storeFault}.Error`, "cause.$": `${PATHS.storeFault}.Cause` },
      {
        ResultSelector: { "allow.$": "$.Payload.allow" },
        ResultPath: PATHS.storeError,
        Retry: handlerRetry(),
        // The report itself failed: apply this breaker's onStoreError directly.
        Catch: [
          {
            ErrorEquals: ["States.ALL"],
            ResultPath: PATHS.recorded,
            Next: allowOnStoreError ? entry(o, S.callUnrecorded) : fallbackEntry(o, "storeError"),
          },
        ],
        Next: S.storeErrorRoute,
      },
    ),
    [S.storeErrorRoute]: storeErrorRoute(o, `${PATHS.storeError}.allow`),
    [S.unreadableState]: {
      Type: "Pass",
      Result: {
        Error: ERRORS.unreadableState,
        Cause: `The stored state of breaker '${o.breakerName}' cannot be read: it needs state (CLOSED, OPEN, HALF_OPEN, FORCED_OPEN or DISABLED), gen, and an ISO-8601 openUntilIso when OPEN`,
      },
      ResultPath: PATHS.storeFault,
      Next: S.reportStoreError,
    },
    [S.decide]: { Type: "Choice", Choices: decideRules(o, true), Default: S.acquireProbe },
    [S.decideWithoutRecordSuccess]: { Type: "Choice", Choices: decideRules(o, false), Default: S.acquireProbe },
    [S.acquireProbe]: invoke(
      o.functions.acquireProbe,
      { breaker: o.breakerName, "leaseId.$": EXECUTION_NAME },
      {
        ResultSelector: {
          "admitted.$": "$.Payload.admitted",
          "gen.$": "$.Payload.gen",
          "state.$": "$.Payload.state",
          "leaseId.$": "$.Payload.leaseId",
        },
        ResultPath: PATHS.probe,
        Retry: handlerRetry(),
        // The lease could not be asked for: the state is unknown, as with a store fault.
        Catch: [
          {
            ErrorEquals: ["States.ALL"],
            ResultPath: PATHS.recorded,
            Next: allowOnStoreError ? entry(o, S.callUnrecorded) : fallbackEntry(o, "storeError"),
          },
        ],
        Next: S.probeRoute,
      },
    ),
    [S.probeRoute]: {
      Type: "Choice",
      Choices: [
        // Not admitted: route by what the store said the circuit is now.
        {
          And: [{ Variable: `${PATHS.probe}.admitted`, BooleanEquals: false }, isState(`${PATHS.probe}.state`, "HALF_OPEN")],
          Next: fallbackEntry(o, "probeSlotsTaken"),
        },
        {
          And: [{ Variable: `${PATHS.probe}.admitted`, BooleanEquals: false }, isState(`${PATHS.probe}.state`, "OPEN")],
          Next: fallbackEntry(o, "open"),
        },
        {
          And: [{ Variable: `${PATHS.probe}.admitted`, BooleanEquals: false }, isState(`${PATHS.probe}.state`, "FORCED_OPEN")],
          Next: fallbackEntry(o, "forcedOpen"),
        },
        // Closed or disabled meanwhile: serve the call without a report (its generation was not read).
        {
          And: [{ Variable: `${PATHS.probe}.admitted`, BooleanEquals: false }, isState(`${PATHS.probe}.state`, "CLOSED")],
          Next: entry(o, S.callUnrecorded),
        },
        {
          And: [{ Variable: `${PATHS.probe}.admitted`, BooleanEquals: false }, isState(`${PATHS.probe}.state`, "DISABLED")],
          Next: entry(o, S.callUnrecorded),
        },
        { Variable: `${PATHS.probe}.admitted`, BooleanEquals: false, Next: fallbackEntry(o, "storeError") },
        // Admitted without a lease: the store failed and onStoreError is allow.
        { Variable: `${PATHS.probe}.leaseId`, IsNull: true, Next: entry(o, S.callUnrecorded) },
      ],
      Default: entry(o, S.callProbe),
    },
    [S.callTarget]: callTarget(o, { onIgnored: passThrough, ...onFailure(false) }),
    [S.callTargetNew]: callTarget(o, { onIgnored: passThrough, ...onFailure(true) }),
    [S.callTargetThenRecord]: callTarget(o, { thenRecord: S.recordSuccess, onIgnored: passThrough, ...onFailure(false) }),
    [S.callTargetNewThenRecord]: callTarget(o, { thenRecord: S.recordSuccessNew, onIgnored: passThrough, ...onFailure(true) }),
    // A probe is never retried: its failed attempt re-opens the circuit, which a retry would ask first.
    [S.callProbe]: callTarget(o, {
      thenRecord: S.recordProbeSuccess,
      onIgnored: S.recordProbeIgnored,
      onFailure: S.recordProbeFailure,
      noRetry: true,
    }),
    [S.callUnrecorded]: callTarget(o, { onIgnored: passThrough, onFailure: failed }),
    [S.recordSuccess]: record(o, "success", itemGen, false, S.succeeded),
    [S.recordSuccessNew]: record(o, "success", newGen, false, S.succeeded),
    [S.recordProbeSuccess]: record(o, "success", probeGen, true, S.succeeded),
    [S.recordFailure]: record(o, "failure", itemGen, false, failed),
    [S.recordFailureNew]: record(o, "failure", newGen, false, failed),
    [S.recordProbeFailure]: record(o, "failure", probeGen, true, failed),
    // An ignored error frees the probe's lease (record-outcome classifies it as ignored), then passes through.
    [S.recordProbeIgnored]: record(o, "failure", probeGen, true, passThrough),
    [S.succeeded]: { Type: "Succeed", OutputPath: PATHS.output },
    [S.targetRejectedRequest]: { Type: "Fail", ErrorPath: `${PATHS.failure}.Error`, CausePath: `${PATHS.failure}.Cause` },
    ...(bulkhead ? bulkheadStates(o) : {}),
    ...fallbackStates(o),
    ...(loop ? retryLoopStates(retryLoopContext(o, failed, passThrough)) : {}),
    ...(o.healthProbe ? healthProbeStates(o) : {}),
  };
  if (routesSuccess(o)) Object.assign(states, rateSuccessStates(o, passThrough));
  if (o.store.kind === "redis") states[S.statusStoreErrorRoute] = storeErrorRoute(o, `${PATHS.store}.Payload.StoreError.allow`);
  return startsProbeLoop(o, PROBE_LOOP.seconds)
    ? withProbeLoopStart(states, o.functions.recordOutcome, o.healthProbeRequest!, PATHS.recorded)
    : states;
}

/** What the retry loop (core/definition/retry-loop.ts) builds its states from. */
function retryLoopContext(o: DefinitionOptions, failed: string, passThrough: string): Parameters<typeof retryLoopStates>[0] {
  const item = itemPath(o);
  const s = o.settings;
  return {
    settings: s,
    itemUnder: (root) => (o.store.kind === "dynamodb" ? `${root}.Item` : `${root}.Payload.Item`),
    attr: { state: `${ATTR.state}.S`, gen: `${ATTR.gen}.N` },
    redis: o.store.kind === "redis",
    readState: readState(o),
    callTarget: (thenRecord, onFailure) => callTarget(o, { thenRecord, onIgnored: passThrough, onFailure, noRetry: true }),
    recordFailure: (genPath, next) => record(o, "failure", { path: genPath }, false, next),
    recordSuccess: (genPath) => record(o, "success", { path: genPath }, false, S.succeeded),
    releaseSlot: bulkheadOn(o) ? (next) => releaseSlot(o, next) : undefined,
    failed,
    fallbackOpen: fallbackEntry(o, "openAfterFailure"),
    fallbackForcedOpen: fallbackEntry(o, "forcedOpenAfterFailure"),
    itemGenPath: `${item}.${ATTR.gen}.N`,
    // A counted failure leaves something a success changes, except under the window rule (successes never count).
    reportRetrySuccess: s.tripRule !== "window" || alwaysRecordSuccess(s),
    allowOnStoreError: s.onStoreError === "allow",
  };
}

/** The rate rule's SuccessRoute, and the direct count after a call when the store is DynamoDB. */
function rateSuccessStates(o: DefinitionOptions, passThrough: string): Record<string, State> {
  const item = itemPath(o);
  const states = successRouteStates(
    o,
    item,
    {
      callTarget: entry(o, S.callTarget),
      callTargetNew: entry(o, S.callTargetNew),
      callTargetThenRecord: entry(o, S.callTargetThenRecord),
      callTargetNewThenRecord: entry(o, S.callTargetNewThenRecord),
      callTargetThenCount: entry(o, S.callTargetThenCount),
    },
    START_TIME,
  );
  if (countsSuccessDirectly(o)) {
    // A failed attempt enters the breaker-aware retry loop, as from CallTarget.
    const onFailure = usesRetryLoop(o.settings) ? { onFailure: RETRY_STATES.startRetries, noRetry: true } : { onFailure: S.recordFailure };
    states[S.callTargetThenCount] = callTarget(o, { thenRecord: S.countSuccess, onIgnored: passThrough, ...onFailure });
    // As RecordSuccess: the output waits in $.output, and a failed count still returns the target's answer.
    const after = bulkheadOn(o) ? S.releaseSlotAfterSuccess : S.succeeded;
    states[S.countSuccess] = countSuccessState(o, item, PATHS.recorded, {
      caught: after,
      ...(bulkheadOn(o) ? { next: after } : {}),
      outputPath: PATHS.output,
    });
  }
  return states;
}

/** Names of the states a state can go to next (Next, Choices, Default, Catch). */
export function successors(state: State): string[] {
  const out: string[] = [];
  if (typeof state.Next === "string") out.push(state.Next);
  if (typeof state.Default === "string") out.push(state.Default);
  for (const c of state.Choices ?? []) out.push(c.Next);
  for (const c of state.Catch ?? []) out.push(c.Next);
  return out;
}

/** Keeps only the states reachable from StartAt (Step Functions rejects unreachable states). */
function reachable(startAt: string, states: Record<string, State>): Record<string, State> {
  const seen = new Set<string>();
  const todo = [startAt];
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    if (!states[name]) throw new Error(`buildDefinition: state ${name} is referenced but not defined`);
    seen.add(name);
    todo.push(...successors(states[name]));
  }
  return Object.fromEntries(Object.entries(states).filter(([name]) => seen.has(name)));
}

export function buildDefinition(o: DefinitionOptions): AslDefinition {
  checkOptions(o);
  return {
    Comment: `Circuit breaker '${o.breakerName}' (${o.store.kind} store, trip rule ${o.settings.tripRule}, fallback ${o.fallback}${bulkheadOn(o) ? `, bulkhead ${o.settings.maxConcurrentCalls}` : ""})`,
    StartAt: S.validateInput,
    // The shared handlers serve every breaker: each handler payload carries this breaker's settings.
    States: withBreakerContext(reachable(S.validateInput, allStates(o)), Object.values(o.functions), o.settings, o.settingsParameter),
  };
}

const DYNAMODB_RESOURCE = /^arn:aws:states:::dynamodb:([a-zA-Z]+)$/;

/**
 * The IAM actions and resources the definition's Task states need: derived by walking the definition.
 * lambda:invoke -> lambda:InvokeFunction on exactly the FunctionName the Task names (the integration invokes
 * that ARN as given, qualified or not, and no Task passes a Qualifier, so no `:*` form is needed);
 * dynamodb:<op> -> dynamodb:<Op> on the table; states:startExecution of $$.StateMachine.Id (the machine itself) ->
 * states:StartExecution on the machine's own ARN. Throws for a Task it cannot derive a grant for.
 */
export function requiredPermissions(
  def: AslDefinition,
  ctx: { tableArn?: string; stateMachineArn?: string },
): { action: string; resource: string }[] {
  const found = new Map<string, { action: string; resource: string }>();
  const add = (action: string, resource: string) => found.set(`${action} ${resource}`, { action, resource });
  for (const [name, state] of Object.entries(def.States)) {
    if (state.Type !== "Task") continue;
    const resource: string = state.Resource;
    if (resource === RESOURCES.lambdaInvoke) {
      const fn = state.Parameters?.FunctionName;
      if (typeof fn !== "string") throw new Error(`requiredPermissions: Task ${name} has no literal Parameters.FunctionName`);
      add("lambda:InvokeFunction", fn);
      continue;
    }
    const ddb = DYNAMODB_RESOURCE.exec(resource);
    if (ddb) {
      if (!ctx.tableArn) throw new Error(`requiredPermissions: Task ${name} calls DynamoDB but no tableArn was given`);
      add(`dynamodb:${ddb[1][0].toUpperCase()}${ddb[1].slice(1)}`, ctx.tableArn);
      continue;
    }
    if (resource === RESOURCES.startExecution) {
      if (state.Parameters?.["StateMachineArn.$"] !== "$$.StateMachine.Id")
        throw new Error(`requiredPermissions: Task ${name} starts a state machine other than its own ($$.StateMachine.Id)`);
      if (!ctx.stateMachineArn)
        throw new Error(`requiredPermissions: Task ${name} starts its own state machine but no stateMachineArn was given`);
      add("states:StartExecution", ctx.stateMachineArn);
      continue;
    }
    throw new Error(`requiredPermissions: Task ${name} uses ${resource}, which has no known IAM mapping`);
  }
  return [...found.values()].sort((a, b) => (a.action + a.resource).localeCompare(b.action + b.resource));
}
