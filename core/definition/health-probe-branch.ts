// The health-probe branch of a breaker's state machine. EventBridge Scheduler starts the breaker's OWN state
// machine with {"healthProbe": {"request": <probe request>}} (HEALTH_PROBE_INPUT); ValidateInput routes that input
// here. The branch reads the state through get-status (which also emits ManualStateActive: 1 in FORCED_OPEN or
// DISABLED, else 0, so the manual-state alarm keeps its gauge) and, when decide() says "probe" (OPEN and due,
// or HALF_OPEN), takes a probe lease like any caller, calls the target once (no retries) and records the outcome
// as that probe's. OPEN past its probeAt (the open-period policy's early re-probe, core/open-period.ts), it takes
// the lease with the `early` flag instead. While the circuit stays OPEN it loops: a failed probe re-opens with a
// new probeAt, the loop waits for it (Wait TimestampPath) and reads again, within PROBE_LOOP (a time budget that
// get-status applies, so one scheduled run ends before the next; and a count of reads). Every other case ends.
// No Lambda besides the target ever invokes the target.
//
// One self-contained builder, healthProbeStates(); the main builder only adds its states and the entry rule.

import { ATTR } from "../contracts";
import type { DefinitionOptions } from "../state-machine-definition";
import { handlerRetry, PATHS, RESOURCES } from "../state-machine-definition";

/** The execution input the schedule sends: the probe's request is what the target receives. */
export interface HealthProbeInput {
  healthProbe: { request: Record<string, unknown> };
}

export const HEALTH_PROBE_INPUT_PATH = "$.healthProbe";
const REQUEST = `${HEALTH_PROBE_INPUT_PATH}.request`;

/**
 * The early re-probe loop's bounds: it probes early or waits for a probeAt only within `seconds` of the
 * execution's start (EventBridge Scheduler starts the next run 60 s later), a later read past it ends the loop,
 * and it reads the state at most `reads` times. Its worst case (the budget, then the probe begun just before it ran
 * out, and the read that ends the loop) is checked against EXPRESS's 300 s (core/aws-limits.ts healthProbeLoopBudget).
 */
export const PROBE_LOOP = { seconds: 55, reads: 60 } as const;

export const HEALTH_PROBE_STATES = {
  validate: "HealthProbeValidate",
  startLoop: "HealthProbeStartLoop",
  acquireEarly: "HealthProbeAcquireEarly",
  afterProbe: "HealthProbeAfterProbe",
  waitProbeAt: "HealthProbeWaitProbeAt",
  /** Refused the lease inside the loop: another loop (or caller) probes; read again once its probe is decided. */
  waitLease: "HealthProbeWaitLease",
  nextRead: "HealthProbeNextRead",
  loopBound: "HealthProbeLoopBound",
  loopEnd: "HealthProbeLoopEnd",
  invalidInput: "HealthProbeInvalidInput",
  invalidInputBoth: "HealthProbeInvalidInputBoth",
  readState: "HealthProbeReadState",
  decide: "HealthProbeDecide",
  acquire: "HealthProbeAcquire",
  route: "HealthProbeRoute",
  call: "HealthProbeCall",
  recordSuccess: "HealthProbeRecordSuccess",
  recordFailure: "HealthProbeRecordFailure",
  recordIgnored: "HealthProbeRecordIgnored",
  probed: "HealthProbeProbed",
  notDue: "HealthProbeNotDue",
  manualState: "HealthProbeManualState",
  notAdmitted: "HealthProbeNotAdmitted",
  storeError: "HealthProbeStoreError",
} as const;

/** What a probe execution did: its output's `action` (the same words the old health-probe Lambda used). */
export type HealthProbeAction = "probed" | "not-due" | "manual-state" | "not-admitted" | "store-error" | "loop-bound";

/** Where the loop keeps its read count {reads}, and the loop's view in the state read (get-status's Probe). */
export const PROBE_LOOP_PATH = "$.probeLoop";

const H = HEALTH_PROBE_STATES;
const START_TIME = "$$.Execution.StartTime";
const EXECUTION_NAME = "$$.Execution.Name";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
type State = Record<string, any>;

/** The ValidateInput rule that sends a probe input to this branch (first rule, before the caller checks). */
export function healthProbeEntryRule(): State {
  return { Variable: HEALTH_PROBE_INPUT_PATH, IsPresent: true, Next: H.validate };
}

function invoke(functionName: string, payload: Record<string, unknown>, extra: State): State {
  return { Type: "Task", Resource: RESOURCES.lambdaInvoke, Parameters: { FunctionName: functionName, Payload: payload }, ...extra };
}

function done(o: DefinitionOptions, action: HealthProbeAction, extra: Record<string, string> = {}): State {
  return {
    Type: "Pass",
    Parameters: { breaker: o.breakerName, healthProbe: action, "reads.$": `${PROBE_LOOP_PATH}.reads`, ...extra },
    End: true,
  };
}

function record(o: DefinitionOptions, outcome: "success" | "failure"): State {
  const payload: Record<string, unknown> = {
    breaker: o.breakerName,
    "gen.$": `${PATHS.probe}.gen`,
    "leaseId.$": `${PATHS.probe}.leaseId`,
    outcome,
    ...(outcome === "failure" ? { "error.$": `${PATHS.failure}.Error`, "cause.$": `${PATHS.failure}.Cause` } : {}),
    "startedAt.$": START_TIME,
  };
  return invoke(o.functions.recordOutcome, payload, {
    ResultSelector: { "result.$": "$.Payload.result", "state.$": "$.Payload.state", "classified.$": "$.Payload.classified" },
    ResultPath: PATHS.recorded,
    Retry: handlerRetry(),
    Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.recorded, Next: H.probed }],
    Next: H.afterProbe,
  });
}

function acquire(o: DefinitionOptions, early: boolean): State {
  return invoke(
    o.functions.acquireProbe,
    { breaker: o.breakerName, "leaseId.$": EXECUTION_NAME, ...(early ? { early: true } : {}) },
    {
      ResultSelector: {
        "admitted.$": "$.Payload.admitted",
        "gen.$": "$.Payload.gen",
        "state.$": "$.Payload.state",
        "leaseId.$": "$.Payload.leaseId",
      },
      ResultPath: PATHS.probe,
      Retry: handlerRetry(),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.storeFault, Next: H.storeError }],
      Next: H.route,
    },
  );
}

/** How long a loop refused the lease waits before it reads again: min(earlyProbeSeconds, timeoutSeconds), >= 1 s. */
export function leaseRecheckSeconds(s: { earlyProbeSeconds: number; timeoutSeconds: number }): number {
  return Math.max(1, Math.min(s.earlyProbeSeconds || s.timeoutSeconds, s.timeoutSeconds));
}

/** The branch's states. Needs functions.getStatus (it reads the state through get-status on both stores). */
export function healthProbeStates(o: DefinitionOptions): Record<string, State> {
  if (!o.functions.getStatus)
    throw new Error(
      "buildDefinition: functions.getStatus is missing; it is required with healthProbe (the probe reads the state through get-status)",
    );
  const item = `${PATHS.store}.Payload.Item`;
  const VIEW = `${PATHS.store}.Payload.Probe`;
  const state = `${item}.${ATTR.state}.S`;
  const until = `${item}.${ATTR.openUntilIso}.S`;
  const isState = (s: string) => ({ Variable: state, StringEquals: s });
  const not = (r: State) => ({ Not: r });
  const present = (v: string) => ({ Variable: v, IsPresent: true });
  const ignored = o.settings.ignoredErrors;
  const loopSeconds = o.probeLoopSeconds ?? PROBE_LOOP.seconds;
  const invalid = (cause: string): State => ({ Type: "Fail", Error: "InvalidInput", Cause: cause });
  return {
    [H.validate]: {
      Type: "Choice",
      Choices: [
        { ...present(PATHS.request), Next: H.invalidInputBoth },
        { ...not(present(REQUEST)), Next: H.invalidInput },
        { Variable: REQUEST, IsNull: true, Next: H.invalidInput },
        {
          Or: [
            { Variable: REQUEST, IsString: true },
            { Variable: REQUEST, IsNumeric: true },
            { Variable: REQUEST, IsBoolean: true },
            present(`${REQUEST}[0]`),
          ],
          Next: H.invalidInput,
        },
      ],
      Default: H.startLoop,
    },
    [H.startLoop]: { Type: "Pass", Result: { reads: 1 }, ResultPath: PROBE_LOOP_PATH, Next: H.readState },
    [H.invalidInput]: invalid(
      'The health-probe input needs "healthProbe": {"request": <JSON object>}; allowed: {"healthProbe": {"request": <JSON object sent to the target as the probe>}}',
    ),
    [H.invalidInputBoth]: invalid(
      'The execution input has both "request" and "healthProbe"; allowed: {"request": {...}} (a call) or {"healthProbe": {"request": {...}}} (a health probe)',
    ),
    [H.readState]: invoke(
      o.functions.getStatus,
      { breaker: o.breakerName, healthProbe: true, "loopStartedAt.$": START_TIME, loopSeconds },
      {
        ResultPath: PATHS.store,
        Retry: handlerRetry(),
        Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: PATHS.storeFault, Next: H.storeError }],
        Next: H.decide,
      },
    ),
    // decide() for the probe: OPEN and due or HALF_OPEN probe; OPEN past probeAt probes early; OPEN before a
    // probeAt inside the loop's budget waits for it; everything else ends here.
    [H.decide]: {
      Type: "Choice",
      Choices: [
        { ...present(`${PATHS.store}.Payload.StoreError`), Next: H.storeError },
        // A later read past the loop's budget ends it: one scheduled run never overlaps the next by more than one probe.
        {
          And: [
            { Variable: `${PROBE_LOOP_PATH}.reads`, NumericGreaterThan: 1 },
            { Variable: `${VIEW}.expired`, BooleanEquals: true },
          ],
          Next: H.loopEnd,
        },
        { ...not(present(item)), Next: H.notDue },
        { ...not(present(state)), Next: H.storeError },
        { ...isState("FORCED_OPEN"), Next: H.manualState },
        { ...isState("DISABLED"), Next: H.manualState },
        { ...isState("HALF_OPEN"), Next: H.acquire },
        { ...not(isState("OPEN")), Next: H.notDue },
        { ...not(present(until)), Next: H.acquire },
        { ...not({ Variable: until, IsTimestamp: true }), Next: H.storeError },
        { ...not(present(`${VIEW}.now`)), Next: H.storeError },
        { Variable: until, TimestampLessThanEqualsPath: `${VIEW}.now`, Next: H.acquire },
        { Variable: `${VIEW}.early`, BooleanEquals: true, Next: H.acquireEarly },
        { Variable: `${VIEW}.waitForProbeAt`, BooleanEquals: true, Next: H.waitProbeAt },
      ],
      Default: H.notDue,
    },
    [H.acquire]: acquire(o, false),
    [H.acquireEarly]: acquire(o, true),
    [H.route]: {
      Type: "Choice",
      Choices: [
        { Variable: `${PATHS.probe}.admitted`, BooleanEquals: false, Next: loopSeconds > 0 ? H.waitLease : H.notAdmitted },
        // Admitted without a lease: the store failed (onStoreError allow); a probe that cannot be recorded is pointless.
        { Variable: `${PATHS.probe}.leaseId`, IsNull: true, Next: H.storeError },
      ],
      Default: H.call,
    },
    // One call, no retries: a probe asks whether the target answers now.
    [H.call]: {
      Type: "Task",
      Resource: RESOURCES.lambdaInvoke,
      Parameters: { FunctionName: o.targetArn, "Payload.$": REQUEST },
      TimeoutSeconds: o.settings.timeoutSeconds,
      ResultPath: null,
      Catch: [
        ...(ignored.length ? [{ ErrorEquals: [...ignored], ResultPath: PATHS.failure, Next: H.recordIgnored }] : []),
        { ErrorEquals: ["States.ALL"], ResultPath: PATHS.failure, Next: H.recordFailure },
      ],
      Next: H.recordSuccess,
    },
    [H.recordSuccess]: record(o, "success"),
    [H.recordFailure]: record(o, "failure"),
    // record-outcome classifies an ignored error as such and frees the lease.
    [H.recordIgnored]: record(o, "failure"),
    // A failed probe re-opened the circuit (with a new probeAt): read again, which waits for it.
    // No budget (a long target timeout: core/breaker-limit-checks.ts): no loop, the probe run is a single probe.
    [H.afterProbe]:
      loopSeconds > 0
        ? {
            Type: "Choice",
            Choices: [{ Variable: `${PATHS.recorded}.state`, StringEquals: "OPEN", Next: H.nextRead }],
            Default: H.probed,
          }
        : { Type: "Pass", Next: H.probed },
    [H.waitProbeAt]: { Type: "Wait", TimestampPath: `${VIEW}.probeAtIso`, Next: H.nextRead },
    // Two loops (the tripping execution's and the schedule's) share the lease: the one refused rechecks once the
    // holder's probe has answered or re-opened (at most timeoutSeconds; the next probeAt is earlyProbeSeconds on).
    [H.waitLease]: { Type: "Wait", Seconds: leaseRecheckSeconds(o.settings), Next: H.nextRead },
    [H.nextRead]: {
      Type: "Pass",
      Parameters: { "reads.$": `States.MathAdd(${PROBE_LOOP_PATH}.reads, 1)` },
      ResultPath: PROBE_LOOP_PATH,
      Next: H.loopBound,
    },
    [H.loopBound]: {
      Type: "Choice",
      Choices: [{ Variable: `${PROBE_LOOP_PATH}.reads`, NumericGreaterThan: PROBE_LOOP.reads, Next: H.loopEnd }],
      Default: H.readState,
    },
    [H.loopEnd]: done(o, "loop-bound"),
    [H.probed]: done(o, "probed", { "recorded.$": PATHS.recorded }),
    [H.notDue]: done(o, "not-due"),
    [H.manualState]: done(o, "manual-state"),
    [H.notAdmitted]: done(o, "not-admitted"),
    [H.storeError]: done(o, "store-error"),
  };
}
