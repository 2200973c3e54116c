// The rate rule's success path without a Lambda per success (issue 12, item 3), as ASL states the builder in
// ../state-machine-definition.ts adds:
//   DrawSuccessSample: a Pass drawing States.MathRandom. With successSampleRate < 1 an unsampled call takes the plain
//     CallTarget / CallTargetNew path (its failure is still recorded), a sampled success weighs 1 / rate; on the
//     direct path the draw also picks the calls (ROTATION_SHARE) that rotate the buckets early, in the next bucket;
//   SuccessRoute: a CLOSED record whose success bucket is still current (successBucketUntilIso later than
//     $$.Execution.StartTime), or whose prepared next bucket is -> CountInCurrentBucket / CountInNextBucket (the
//     counter's name into $.count) -> CallTargetThenCount -> CountSuccess, an UpdateItem that ADDs the weight to it
//     under the generation read (DynamoDB only); missing or expired buckets -> CallTargetThenRecord, whose
//     record-outcome rotates them. The prepared next bucket and the early rotation keep a bucket's end from sending
//     every caller in flight to the Lambda at once: about one rotation per bucket width.
//   A failed conditional update (the circuit moved on) ends as a reported success does: with the target's answer.
// The rule it encodes is directSuccessField() in ../breaker.ts; tests/rate-success.test.ts runs it on DynamoDB Local.

import { ROTATION_SHARE } from "../breaker";
import { ATTR } from "../contracts";
import { BreakerSettings } from "../settings";

/** The states this file adds (merged into STATE_NAMES). */
export const RATE_SUCCESS_STATE_NAMES = {
  /** One draw per CLOSED rate-rule call: whether its success is sampled, and whether it rotates the buckets early. */
  drawSuccessSample: "DrawSuccessSample",
  /** CLOSED (rate rule): sampled or not, bucket live or not. */
  successRoute: "SuccessRoute",
  /** The current bucket's counter, or the prepared next one's, into $.count. */
  countInCurrentBucket: "CountInCurrentBucket",
  countInNextBucket: "CountInNextBucket",
  /** CLOSED, a success bucket is current: the success is added by CountSuccess. */
  callTargetThenCount: "CallTargetThenCount",
  /** dynamodb:updateItem: ADD the weight to the counter in $.count, under the generation read. */
  countSuccess: "CountSuccess",
  acquireSlotForCallTargetThenCount: "AcquireSlotForCallTargetThenCount",
  slotRouteForCallTargetThenCount: "SlotRouteForCallTargetThenCount",
} as const;

const N = RATE_SUCCESS_STATE_NAMES;

export const DYNAMODB_UPDATE_ITEM = "arn:aws:states:::dynamodb:updateItem";
/**
 * The draw is an integer from 0 to SAMPLE_RANGE (aws-local-stepfunctions includes the end; whether AWS does
 * changes a probability by at most 1 in 10^9); a success is sampled when it is below sampleThreshold().
 */
export const SAMPLE_RANGE = 1_000_000_000;
/** The largest weight a sampled success can carry (successSampleRate 1 / SAMPLE_RANGE). */
export const MAX_SUCCESS_WEIGHT = SAMPLE_RANGE;
/** Where the draw lands in the execution's JSON. */
export const SAMPLE_PATH = "$.sample";
/** The counter CountSuccess adds to: {field}. */
export const COUNT_PATH = "$.count";

/** Throttling only: an ADD is not idempotent, so an error after which it may have been applied is not retried. */
const THROTTLING_ERRORS = [
  "DynamoDB.ProvisionedThroughputExceededException",
  "DynamoDB.RequestLimitExceeded",
  "DynamoDB.ThrottlingException",
];

/** Draws below this are sampled (at least 1, so every rate above 0 samples). */
export function sampleThreshold(s: BreakerSettings): number {
  return Math.max(1, Math.round(s.successSampleRate * SAMPLE_RANGE));
}

/** Draws below this, in the next bucket, rotate through record-outcome (a subset of the sampled draws). */
export function rotationThreshold(s: BreakerSettings): number {
  return Math.max(1, Math.round(Math.min(s.successSampleRate, ROTATION_SHARE) * SAMPLE_RANGE));
}

/** A sampled success's weight: exactly the inverse of the probability the threshold gives (10 for 0.1). */
export function successWeight(s: BreakerSettings): number {
  return SAMPLE_RANGE / sampleThreshold(s);
}

export interface RateSuccessOptions {
  store: { kind: "dynamodb"; tableName: string } | { kind: "redis" };
  breakerName: string;
  settings: BreakerSettings;
}

/** Successes are sampled (successSampleRate < 1; the schema allows it only with the rate rule and no slow-call timing). */
export function samplesSuccesses(o: RateSuccessOptions): boolean {
  return o.settings.successSampleRate < 1;
}

/** CLOSED successes are counted by the state machine itself (DynamoDB, rate rule, no slow-call timing). */
export function countsSuccessDirectly(o: RateSuccessOptions): boolean {
  return o.store.kind === "dynamodb" && o.settings.tripRule === "rate" && o.settings.slowCallDurationMs === 0;
}

/** Whether the CLOSED rate-rule route goes through SuccessRoute at all. */
export function routesSuccess(o: RateSuccessOptions): boolean {
  return samplesSuccesses(o) || countsSuccessDirectly(o);
}

/** The record-outcome payload fields of a (non-probe) success: its weight when successes are sampled. */
export function successWeightPayload(o: RateSuccessOptions): { weight?: number } {
  return samplesSuccesses(o) ? { weight: successWeight(o.settings) } : {};
}

/** The attributes ReadState projects beyond state, gen, openUntilIso and recordSuccess (names -> attribute). */
export function extraProjection(o: RateSuccessOptions): Record<string, string> {
  if (!countsSuccessDirectly(o)) return {};
  return {
    "#sb": ATTR.successBucket,
    "#sbUntil": ATTR.successBucketUntilIso,
    "#nsb": ATTR.nextSuccessBucket,
    "#nsbUntil": ATTR.nextSuccessBucketUntilIso,
  };
}

/** Where Decide sends a CLOSED record (item present), and a missing item, when routesSuccess(o). */
export function successRouteEntry(o: RateSuccessOptions): { closed: string; noItem: string | null } {
  return { closed: N.drawSuccessSample, noItem: samplesSuccesses(o) ? N.drawSuccessSample : null };
}

/** The entries (bulkhead gate or call state) SuccessRoute can go to. */
export interface SuccessTargets {
  callTarget: string;
  callTargetNew: string;
  callTargetThenRecord: string;
  callTargetNewThenRecord: string;
  callTargetThenCount: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
type State = Record<string, any>;

/**
 * DrawSuccessSample (when sampling) and SuccessRoute. `item` is the path of the record read (ReadState);
 * SuccessRoute is entered for a CLOSED record, or (sampling only) for no record at all.
 */
export function successRouteStates(o: RateSuccessOptions, item: string, to: SuccessTargets, startTime: string): Record<string, State> {
  const states: Record<string, State> = {};
  const choices: State[] = [];
  states[N.drawSuccessSample] = {
    Type: "Pass",
    Parameters: { [`draw.$`]: `States.MathRandom(0, ${SAMPLE_RANGE})` },
    ResultPath: SAMPLE_PATH,
    Next: N.successRoute,
  };
  if (samplesSuccesses(o)) {
    const unsampled = { Variable: `${SAMPLE_PATH}.draw`, NumericGreaterThanEquals: sampleThreshold(o.settings) };
    const noItem = { Not: { Variable: item, IsPresent: true } };
    // Not sampled: the call is not reported unless it fails (the plain call states record failures).
    choices.push({ And: [noItem, unsampled], Next: to.callTargetNew });
    choices.push({ ...noItem, Next: to.callTargetNewThenRecord });
    choices.push({ ...unsampled, Next: to.callTarget });
  }
  if (countsSuccessDirectly(o)) {
    const bucket = `${item}.${ATTR.successBucket}.S`;
    const until = `${item}.${ATTR.successBucketUntilIso}.S`;
    const next = `${item}.${ATTR.nextSuccessBucket}.S`;
    const nextUntil = `${item}.${ATTR.nextSuccessBucketUntilIso}.S`;
    // Each comparison reads a path an earlier rule proved present (see ../state-machine-definition.ts).
    for (const p of [bucket, until, next, nextUntil])
      choices.push({ Not: { Variable: p, IsPresent: true }, Next: to.callTargetThenRecord });
    for (const p of [bucket, next]) choices.push({ Not: { Variable: p, StringMatches: "s_*" }, Next: to.callTargetThenRecord });
    for (const p of [until, nextUntil]) choices.push({ Not: { Variable: p, IsTimestamp: true }, Next: to.callTargetThenRecord });
    choices.push({ Variable: until, TimestampGreaterThanPath: startTime, Next: N.countInCurrentBucket });
    // Past the current bucket's end and before the next one's: the call started in the next bucket. A few calls
    // there (directSuccessField's `rotate`) go to record-outcome, which rotates the buckets before both have ended.
    const inNext = { Variable: nextUntil, TimestampGreaterThanPath: startTime };
    const rotate = { Variable: `${SAMPLE_PATH}.draw`, NumericLessThan: rotationThreshold(o.settings) };
    choices.push({ And: [inNext, rotate], Next: to.callTargetThenRecord });
    choices.push({ ...inNext, Next: N.countInNextBucket });
    const select = (path: string): State => ({
      Type: "Pass",
      Parameters: { "field.$": path },
      ResultPath: COUNT_PATH,
      Next: to.callTargetThenCount,
    });
    states[N.countInCurrentBucket] = select(bucket);
    states[N.countInNextBucket] = select(next);
  }
  states[N.successRoute] = { Type: "Choice", Choices: choices, Default: to.callTargetThenRecord };
  return states;
}

/**
 * CountSuccess: ADD the weight to the bucket the read named, only while the record is still CLOSED in the
 * generation read. Every error (the condition failing, throttling after one retry, anything else) is caught
 * and goes to `after.caught` with the target's answer, as a failed record-outcome report does.
 * `after.next`: the next state; without it the execution ends here with `after.outputPath`.
 */
export function countSuccessState(
  o: RateSuccessOptions,
  item: string,
  recordedPath: string,
  after: { caught: string; next?: string; outputPath: string },
): State {
  if (o.store.kind !== "dynamodb") throw new Error("countSuccessState: the direct count needs the dynamodb store");
  const state: State = {
    Type: "Task",
    Resource: DYNAMODB_UPDATE_ITEM,
    Parameters: {
      TableName: o.store.tableName,
      Key: { [ATTR.key]: { S: o.breakerName } },
      UpdateExpression: "ADD #bucket :weight",
      ConditionExpression: "#gen = :gen AND #state = :closed",
      ExpressionAttributeNames: { "#bucket.$": `${COUNT_PATH}.field`, "#gen": ATTR.gen, "#state": ATTR.state },
      ExpressionAttributeValues: {
        ":weight": { N: String(samplesSuccesses(o) ? successWeight(o.settings) : 1) },
        ":gen": { "N.$": `${item}.${ATTR.gen}.N` },
        ":closed": { S: "CLOSED" },
      },
    },
    ResultPath: null,
    Retry: [
      { ErrorEquals: THROTTLING_ERRORS, IntervalSeconds: 1, MaxAttempts: 1, BackoffRate: 2, MaxDelaySeconds: 1, JitterStrategy: "FULL" },
    ],
    Catch: [
      // The circuit moved on (another generation, or no longer CLOSED): the success is stale and not counted.
      { ErrorEquals: ["DynamoDB.ConditionalCheckFailedException"], ResultPath: recordedPath, Next: after.caught },
      { ErrorEquals: ["States.ALL"], ResultPath: recordedPath, Next: after.caught },
    ],
  };
  return after.next ? { ...state, Next: after.next } : { ...state, OutputPath: after.outputPath, End: true };
}
