// Breaker-aware retries: the target call's retries as explicit states instead of a Task Retry, so that every
// failed attempt is counted by the trip rule and every retry asks the circuit first (resilience4j's Retry around a
// CircuitBreaker). Pure ASL JSON (JSONPath only: aws-local-stepfunctions ignores JSONata and Assign).
//
// After attempt a fails (a = 1 .. retryAttempts + 1):
//   RecordFailedAttempt<a>  record-outcome counts the failure in the call's generation and answers what it did
//   AfterFailedAttempt<a>   Choice: tripped / OPEN / HALF_OPEN -> fallback "open"; FORCED_OPEN -> "forced open";
//                           counted while CLOSED -> retry; the circuit moved on otherwise -> "target failed"
//   JitterRetry<a>          Pass: full jitter, States.MathRandom(0, cap + 1) whole seconds (end exclusive on AWS)
//   WaitRetry<a>            Wait SecondsPath
//   ReadStateForRetry<a>    the state read again (GetItem, or get-status with Redis): the retry asks the circuit
//   RouteRetry<a>           Choice: CLOSED in the call's generation -> CallTargetRetry<a>; opened -> "open"; ...
//   CallTargetRetry<a>      attempt a + 1, without a Task Retry; its failure goes to RecordFailedAttempt<a + 1>
// The last attempt's failure is recorded and ends in "target failed", as before. The states are unrolled per
// attempt (retryAttempts <= 10), so the definition stays acyclic and its worst-case duration is a plain longest
// path (core/aws-limits.ts executionBudget); each wait's cap is a constant of its own state.
//
// The healthy path is untouched: a first attempt that succeeds never enters these states.

import { retryDelaysSeconds } from "../aws-limits";
import { BreakerSettings } from "../settings";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
type State = Record<string, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Choice rules are free-form ASL JSON
type Rule = Record<string, any>;

/** Where the loop keeps its data in the execution's JSON. */
export const RETRY_PATHS = {
  /** {gen, waitSeconds}: the generation the call was admitted in (a string, as DynamoDB's N), the next wait. */
  retry: "$.retry",
  /** record-outcome's answer for the last failed attempt {result, state}, or its Catch output {Error, Cause}. */
  attempt: "$.attempt",
  /** The state read before a retry (GetItem result, or the get-status invoke result), or its Catch output. */
  recheck: "$.recheck",
} as const;

/** The states this module adds (numbered ones per attempt: see retryStateNames). */
export const RETRY_STATES = {
  /** After the first failed attempt of a call that read an item: keep the item's generation in $.retry. */
  startRetries: "StartRetries",
  /** After the first failed attempt of a breaker without an item: generation 0. */
  startRetriesNew: "StartRetriesNew",
  /** A retry succeeded and its success must be reported (consecutive rule: it resets the count it raised). */
  recordRetrySuccess: "RecordRetrySuccess",
  /** Bulkhead on: the slot is released before a retry stopped by the circuit goes to its fallback. */
  releaseSlotAfterOpen: "ReleaseSlotAfterOpen",
  releaseSlotAfterForcedOpen: "ReleaseSlotAfterForcedOpen",
} as const;

export const recordFailedAttempt = (a: number) => `RecordFailedAttempt${a}`;
export const afterFailedAttempt = (a: number) => `AfterFailedAttempt${a}`;
export const jitterRetry = (r: number) => `JitterRetry${r}`;
export const waitRetry = (r: number) => `WaitRetry${r}`;
export const readStateForRetry = (r: number) => `ReadStateForRetry${r}`;
export const routeRetry = (r: number) => `RouteRetry${r}`;
export const callTargetRetry = (r: number) => `CallTargetRetry${r}`;

/** The loop replaces the Task Retry whenever there is a retry to make. */
export function usesRetryLoop(s: Pick<BreakerSettings, "retryAttempts">): boolean {
  return s.retryAttempts > 0;
}

/** Every state name the loop can emit for `retryAttempts` retries. */
export function retryStateNames(retryAttempts: number): string[] {
  const out: string[] = Object.values(RETRY_STATES);
  for (let a = 1; a <= retryAttempts + 1; a++) out.push(recordFailedAttempt(a));
  for (let r = 1; r <= retryAttempts; r++) {
    out.push(afterFailedAttempt(r), jitterRetry(r), waitRetry(r), readStateForRetry(r), routeRetry(r), callTargetRetry(r));
  }
  return out;
}

/** The cap of retry r's delay (core/aws-limits.ts retryDelaysSeconds); the delay is drawn from 0 to it (full jitter). */
export function retryDelayCapSeconds(s: BreakerSettings, r: number): number {
  return retryDelaysSeconds(s)[r - 1];
}

/** Each WaitRetry<r> state's longest wait, for the worst-case duration (core/aws-limits.ts executionBudget). */
export function retryWaitSeconds(s: BreakerSettings): Record<string, number> {
  const out: Record<string, number> = {};
  if (!usesRetryLoop(s)) return out;
  for (let r = 1; r <= s.retryAttempts; r++) out[waitRetry(r)] = retryDelayCapSeconds(s, r);
  return out;
}

/** What the loop needs from the definition builder (core/state-machine-definition.ts). */
export interface RetryLoopContext {
  settings: BreakerSettings;
  /** Where the Choice finds the read item's attributes under a result root ($.store.Item or $.store.Payload.Item). */
  itemUnder: (root: string) => string;
  /** The attribute paths inside an item. */
  attr: { state: string; gen: string };
  /** The redis store: get-status answers StoreError (instead of Item) when the store failed. */
  redis: boolean;
  /** The ReadState Task as built for the first read (its Parameters are reused for the read before a retry). */
  readState: State;
  /** A target call without a Task Retry: success goes to thenRecord (undefined: the usual end), failure to onFailure. */
  callTarget: (thenRecord: string | undefined, onFailure: string) => State;
  /** A record-outcome Task for a failure of generation `genPath`, then `next`. */
  recordFailure: (genPath: string, next: string) => State;
  /** A record-outcome Task for a success of generation `genPath` (it then ends as a reported success does). */
  recordSuccess: (genPath: string) => State;
  /** Bulkhead on: a release-slot Task, then `next`. Undefined without a bulkhead. */
  releaseSlot?: (next: string) => State;
  /** Where the call ends when it stops failed (with a bulkhead: through the release). */
  failed: string;
  /** The fallbacks' first states (without the release). */
  fallbackOpen: string;
  fallbackForcedOpen: string;
  /** The item path the first read's generation is at (for StartRetries). */
  itemGenPath: string;
  /** Whether a retry's success must be reported (the counted failure left something a success changes). */
  reportRetrySuccess: boolean;
  allowOnStoreError: boolean;
}

const present = (v: string): Rule => ({ Variable: v, IsPresent: true });
const not = (r: Rule): Rule => ({ Not: r });
const isState = (v: string, s: string): Rule => ({ Variable: v, StringEquals: s });

/** The states of the loop (retryAttempts > 0). The first call states' failures go to StartRetries / StartRetriesNew. */
export function retryLoopStates(c: RetryLoopContext): Record<string, State> {
  const s = c.settings;
  const R = s.retryAttempts;
  const states: Record<string, State> = {};
  const open = c.releaseSlot ? RETRY_STATES.releaseSlotAfterOpen : c.fallbackOpen;
  const forcedOpen = c.releaseSlot ? RETRY_STATES.releaseSlotAfterForcedOpen : c.fallbackForcedOpen;
  const onStoreTrouble = (retry: string) => (c.allowOnStoreError ? retry : c.failed);
  const gen = `${RETRY_PATHS.retry}.gen`;

  states[RETRY_STATES.startRetries] = {
    Type: "Pass",
    Parameters: { "gen.$": c.itemGenPath },
    ResultPath: RETRY_PATHS.retry,
    Next: recordFailedAttempt(1),
  };
  states[RETRY_STATES.startRetriesNew] = {
    Type: "Pass",
    Parameters: { gen: "0" },
    ResultPath: RETRY_PATHS.retry,
    Next: recordFailedAttempt(1),
  };

  for (let a = 1; a <= R + 1; a++) {
    if (a === R + 1) {
      // The last attempt: counted, and the call ends failed whatever the circuit did (as without retries).
      states[recordFailedAttempt(a)] = c.recordFailure(gen, c.failed);
      continue;
    }
    const route = afterFailedAttempt(a);
    states[recordFailedAttempt(a)] = {
      ...c.recordFailure(gen, route),
      ResultSelector: { "result.$": "$.Payload.result", "state.$": "$.Payload.state" },
      ResultPath: RETRY_PATHS.attempt,
      // No answer: the circuit is unknown, as with a store fault (onStoreError decides).
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: RETRY_PATHS.attempt, Next: route }],
      Next: route,
    };
    const result = `${RETRY_PATHS.attempt}.result`;
    const state = `${RETRY_PATHS.attempt}.state`;
    states[route] = {
      Type: "Choice",
      Choices: [
        { ...not(present(result)), Next: onStoreTrouble(jitterRetry(a)) },
        { Variable: result, StringEquals: "store-error", Next: onStoreTrouble(jitterRetry(a)) },
        { Variable: result, StringEquals: "tripped", Next: open },
        { Variable: result, StringEquals: "counted", Next: jitterRetry(a) },
        // Not counted: the call's generation is over. Opened since (or already probing): "open".
        { ...isState(state, "OPEN"), Next: open },
        { ...isState(state, "HALF_OPEN"), Next: open },
        { ...isState(state, "FORCED_OPEN"), Next: forcedOpen },
      ],
      // Closed again or disabled by an operator in between: no circuit to ask in this generation; stop as failed.
      Default: c.failed,
    };
    states[jitterRetry(a)] = {
      Type: "Pass",
      Parameters: { "gen.$": gen, "waitSeconds.$": `States.MathRandom(0, ${retryDelayCapSeconds(s, a) + 1})` },
      ResultPath: RETRY_PATHS.retry,
      Next: waitRetry(a),
    };
    states[waitRetry(a)] = { Type: "Wait", SecondsPath: `${RETRY_PATHS.retry}.waitSeconds`, Next: readStateForRetry(a) };
    states[readStateForRetry(a)] = {
      ...c.readState,
      ResultPath: RETRY_PATHS.recheck,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: RETRY_PATHS.recheck, Next: onStoreTrouble(callTargetRetry(a)) }],
      Next: routeRetry(a),
    };
    const item = c.itemUnder(RETRY_PATHS.recheck);
    const itemState = `${item}.${c.attr.state}`;
    const itemGen = `${item}.${c.attr.gen}`;
    const choices: Rule[] = [];
    if (c.redis) {
      choices.push({
        And: [
          present(`${RETRY_PATHS.recheck}.Payload.StoreError`),
          { Variable: `${RETRY_PATHS.recheck}.Payload.StoreError.allow`, BooleanEquals: true },
        ],
        Next: callTargetRetry(a),
      });
      choices.push({ ...present(`${RETRY_PATHS.recheck}.Payload.StoreError`), Next: c.failed });
    }
    choices.push(
      // No item: nothing was ever counted (the count failed with the store), CLOSED in generation 0.
      { ...not(present(item)), Next: callTargetRetry(a) },
      { Or: [not(present(itemState)), not(present(itemGen))], Next: c.failed },
      { And: [isState(itemState, "CLOSED"), { Variable: itemGen, StringEqualsPath: gen }], Next: callTargetRetry(a) },
      { ...isState(itemState, "OPEN"), Next: open },
      { ...isState(itemState, "HALF_OPEN"), Next: open },
      { ...isState(itemState, "FORCED_OPEN"), Next: forcedOpen },
    );
    states[routeRetry(a)] = { Type: "Choice", Choices: choices, Default: c.failed };
    states[callTargetRetry(a)] = c.callTarget(
      c.reportRetrySuccess ? RETRY_STATES.recordRetrySuccess : undefined,
      recordFailedAttempt(a + 1),
    );
  }
  states[RETRY_STATES.recordRetrySuccess] = c.recordSuccess(gen);
  if (c.releaseSlot) {
    states[RETRY_STATES.releaseSlotAfterOpen] = c.releaseSlot(c.fallbackOpen);
    states[RETRY_STATES.releaseSlotAfterForcedOpen] = c.releaseSlot(c.fallbackForcedOpen);
  }
  return states;
}
