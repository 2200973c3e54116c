// The breaker's rules: one pure module, no I/O, the clock passed in as `now` (epoch milliseconds).
// Every handler, both state stores, the local runtime and the state-machine conformance tests use it.
// Reference semantics: resilience4j and Polly v8 (see docs/semantics.md).

import { probeAtFor } from "./open-period";
import { BreakerSettings } from "./settings";
import { truncateText } from "./text";

export type BreakerState = "CLOSED" | "OPEN" | "HALF_OPEN" | "FORCED_OPEN" | "DISABLED";
export const STATES: readonly BreakerState[] = ["CLOSED", "OPEN", "HALF_OPEN", "FORCED_OPEN", "DISABLED"];

/** One real state change. Exactly one is produced per change, by the single write that made it. */
export interface Transition {
  from: BreakerState;
  to: BreakerState;
  /** epoch ms */
  at: number;
  /** the generation the change created */
  gen: number;
  reason: string;
}

/** Who set a manual state, and when. */
export interface OverrideInfo {
  by: string;
  at: number;
  reason: string;
}

/** What a store keeps per breaker. Store-agnostic; stores map it to items or hashes. */
export interface BreakerRecord {
  state: BreakerState;
  /** +1 on every transition; outcomes that carry an older generation are ignored. */
  gen: number;
  /** +1 on every compare-and-set write; counting does not change it. */
  ver: number;
  /** OPEN: when the circuit becomes due for a probe (epoch ms). */
  openUntil: number | null;
  /** OPEN: from when the health probe alone may probe early (epoch ms; core/open-period.ts), or null. */
  probeAt: number | null;
  /** Consecutive opens without a close: the exponent of the open-duration backoff. */
  reopens: number;
  /** CLOSED counters: `cf` (consecutive failures), `f_<bucket>` and `s_<bucket>` (window buckets). */
  counters: Record<string, number>;
  /** HALF_OPEN: probe lease id -> lease expiry (epoch ms). */
  leases: Record<string, number>;
  /** HALF_OPEN: probes that succeeded in this generation. */
  probeSuccesses: number;
  /** FORCED_OPEN and DISABLED: who set it. */
  override: OverrideInfo | null;
  /** Whether a CLOSED success must be reported (consecutive rule with failures on the count). */
  recordSuccess: boolean;
  /**
   * rate rule, CLOSED: the current window bucket's success counter and the end of its use (epoch ms). While it
   * lasts, the DynamoDB state machine adds a success to it directly (no Lambda); a Lambda write rotates it.
   */
  successBucket: SuccessBucket | null;
  updatedAt: number;
  /** The last transitions, newest first (at most HISTORY_LIMIT). */
  history: Transition[];
}

/**
 * The success counter a state machine may add to directly, and until when (epoch ms); and the next bucket's,
 * prepared so that the end of a bucket does not send every caller in flight to record-outcome at once.
 */
export interface SuccessBucket {
  field: string;
  until: number;
  nextField: string;
  nextUntil: number;
}

export const HISTORY_LIMIT = 10;
/**
 * Bounds on the free text a record keeps, so that the largest record stays one DynamoDB read unit (4 KB) and the
 * healthy path's one read stays one unit: a transition's reason, and an override's `by` and `reason`. The full
 * text is in the operator CLI's audit line.
 */
export const MAX_TRANSITION_REASON = 160;
export const MAX_OVERRIDE_TEXT = 200;
/** A sliding window is kept as this many buckets. */
export const WINDOW_BUCKETS = 10;
export const CONSECUTIVE_FAILURES = "cf";

export function newRecord(now: number): BreakerRecord {
  return {
    state: "CLOSED",
    gen: 0,
    ver: 0,
    openUntil: null,
    probeAt: null,
    reopens: 0,
    counters: {},
    leases: {},
    probeSuccesses: 0,
    override: null,
    recordSuccess: false,
    successBucket: null,
    updatedAt: now,
    history: [],
  };
}

// ---------------------------------------------------------------------------------------------
// Deciding a call

/**
 * call: call the target (CLOSED).
 * probe: the circuit is OPEN and due, or HALF_OPEN: try to acquire a probe lease first.
 * reject: fail fast (OPEN and not due, FORCED_OPEN).
 * passthrough: DISABLED: call the target and record nothing.
 */
export type Route = "call" | "probe" | "reject" | "passthrough";

export interface Decision {
  route: Route;
  /** With route "call": whether a success must be reported to record-outcome. */
  recordSuccess: boolean;
  state: BreakerState;
  gen: number;
  reason: string;
}

/** Whether a success is always reported, whatever the record says (rate rule, slow-call detection). */
export function alwaysRecordSuccess(s: BreakerSettings): boolean {
  return s.tripRule === "rate" || s.slowCallDurationMs > 0;
}

/** The routing decision for one call. This is what the state machine's Choice states encode. */
export function decide(rec: BreakerRecord | null, now: number, s: BreakerSettings): Decision {
  const r = rec ?? newRecord(now);
  const base = { state: r.state, gen: r.gen };
  switch (r.state) {
    case "DISABLED":
      return { ...base, route: "passthrough", recordSuccess: false, reason: "disabled" };
    case "FORCED_OPEN":
      return { ...base, route: "reject", recordSuccess: false, reason: "forced open" };
    case "OPEN":
      if (r.openUntil !== null && r.openUntil > now) {
        return { ...base, route: "reject", recordSuccess: false, reason: "open" };
      }
      return { ...base, route: "probe", recordSuccess: true, reason: "open and due for a probe" };
    case "HALF_OPEN":
      return { ...base, route: "probe", recordSuccess: true, reason: "half-open" };
    case "CLOSED":
      return { ...base, route: "call", recordSuccess: alwaysRecordSuccess(s) || r.recordSuccess, reason: "closed" };
  }
}

// ---------------------------------------------------------------------------------------------
// Classifying an outcome

/** A success's `weight`: 1 / successSampleRate when it was sampled (default 1); it is added to the window's counter. */
export type Outcome = { kind: "success"; durationMs?: number; weight?: number } | { kind: "failure"; error: string; durationMs?: number };

/** success and failure count; slow counts as a failure; ignored (a client error) does not count. */
export type Classified = "success" | "failure" | "slow" | "ignored";

export function classify(o: Outcome, s: BreakerSettings): Classified {
  if (o.kind === "failure") return s.ignoredErrors.includes(o.error) ? "ignored" : "failure";
  if (s.slowCallDurationMs > 0 && o.durationMs !== undefined && o.durationMs > s.slowCallDurationMs) return "slow";
  return "success";
}

export function countsAsFailure(c: Classified): boolean {
  return c === "failure" || c === "slow";
}

// ---------------------------------------------------------------------------------------------
// Counting in CLOSED (applied atomically by the store: ADD/SET/REMOVE under a generation check)

export interface CountPlan {
  /** The generation the count belongs to; the store applies it only while the record is CLOSED in it. */
  gen: number;
  add: Record<string, number>;
  set: Record<string, number>;
  remove: string[];
  /** The new value of BreakerRecord.recordSuccess. */
  recordSuccess: boolean;
  /** rate rule: the new BreakerRecord.successBucket (the bucket of `now`); absent: unchanged. */
  successBucket?: SuccessBucket;
}

export function bucketWidthMs(s: BreakerSettings): number {
  return (s.windowSeconds * 1000) / WINDOW_BUCKETS;
}

export function bucketOf(now: number, s: BreakerSettings): number {
  return Math.floor(now / bucketWidthMs(s));
}

function parseBucket(field: string): { kind: "f" | "s"; idx: number } | null {
  const m = /^([fs])_(\d+)$/.exec(field);
  return m ? { kind: m[1] as "f" | "s", idx: Number(m[2]) } : null;
}

/** Window counters that have slid out of the window and can be removed. */
export function staleCounters(rec: BreakerRecord, now: number, s: BreakerSettings): string[] {
  const oldest = bucketOf(now, s) - WINDOW_BUCKETS + 1;
  return Object.keys(rec.counters).filter((k) => {
    const b = parseBucket(k);
    return b !== null && b.idx < oldest;
  });
}

export function windowCounts(rec: BreakerRecord, now: number, s: BreakerSettings): { failures: number; successes: number } {
  const current = bucketOf(now, s);
  const oldest = current - WINDOW_BUCKETS + 1;
  let failures = 0;
  let successes = 0;
  for (const [k, v] of Object.entries(rec.counters)) {
    const b = parseBucket(k);
    if (!b || b.idx < oldest || b.idx > current) continue;
    if (b.kind === "f") failures += v;
    else successes += v;
  }
  return { failures, successes };
}

/**
 * What to write for an outcome seen in CLOSED, or null when nothing needs writing
 * (a success that changes no counter, an ignored error, or a record that is not CLOSED).
 */
export function planCount(rec: BreakerRecord | null, c: Classified, now: number, s: BreakerSettings, weight = 1): CountPlan | null {
  const r = rec ?? newRecord(now);
  if (r.state !== "CLOSED" || c === "ignored") return null;
  const failure = countsAsFailure(c);
  const remove = staleCounters(r, now, s);
  const plan: CountPlan = { gen: r.gen, add: {}, set: {}, remove, recordSuccess: r.recordSuccess };
  if (s.tripRule === "consecutive") {
    if (failure) {
      plan.add[CONSECUTIVE_FAILURES] = 1;
      plan.recordSuccess = true;
    } else {
      if (!(r.counters[CONSECUTIVE_FAILURES] > 0) && !r.recordSuccess) return null;
      plan.set[CONSECUTIVE_FAILURES] = 0;
      plan.recordSuccess = false;
    }
    return plan;
  }
  const bucket = bucketOf(now, s);
  if (failure) plan.add[`f_${bucket}`] = 1;
  else if (s.tripRule === "rate") plan.add[`s_${bucket}`] = weight;
  else if (remove.length === 0) return null; // window rule: successes are not counted
  if (s.tripRule === "rate") plan.successBucket = successBucketAt(now, s);
  plan.recordSuccess = false;
  return plan;
}

/**
 * The bucket a rate-rule success of `now` is counted in, and until when a state machine may add to it directly:
 * the bucket's end, but no later than half the idle TTL after `now` (a direct add refreshes neither updatedAt nor
 * the TTL, so a Lambda write must come first).
 */
export function successBucketAt(now: number, s: BreakerSettings): SuccessBucket {
  const bucket = bucketOf(now, s);
  const cap = now + (s.idleTtlSeconds * 1000) / 2;
  const end = (b: number) => Math.min(Math.floor((b + 1) * bucketWidthMs(s)), cap);
  return { field: `s_${bucket}`, until: end(bucket), nextField: `s_${bucket + 1}`, nextUntil: end(bucket + 1) };
}

/**
 * The counter a CLOSED success at `now` may be added to with no Lambda (the DynamoDB state machine's direct ADD,
 * under the generation read), or null when the success goes through record-outcome, which rotates the bucket.
 * A success counted directly does not evaluate the trip rule (a success never raises the failure ratio; the
 * next failure, always reported, evaluates it).
 */
export function directSuccessField(rec: BreakerRecord | null, now: number, s: BreakerSettings, rotate = false): string | null {
  const b = rec?.successBucket;
  if (!rec || !b || rec.state !== "CLOSED" || s.tripRule !== "rate" || s.slowCallDurationMs > 0) return null;
  // Past the current bucket's end (and before the next one's), `now` lies in the next bucket: a call drawn to
  // rotate (`rotate`, a share ROTATION_SHARE of the calls) goes to record-outcome, which prepares the bucket after.
  return b.until > now ? b.field : b.nextUntil > now && !rotate ? b.nextField : null;
}

/**
 * The share of calls that, once a success bucket has ended, go to record-outcome to rotate the buckets while the
 * prepared next one is still current: the rotation then lands before the next one ends, instead of every caller
 * in flight at that end going to the Lambda at once.
 */
export const ROTATION_SHARE = 0.05;

/** The pure effect of a plan; stores apply the same effect atomically. */
export function applyCount(rec: BreakerRecord | null, plan: CountPlan, now: number): BreakerRecord {
  const r = cloneRecord(rec ?? newRecord(now));
  for (const k of plan.remove) delete r.counters[k];
  for (const [k, v] of Object.entries(plan.set)) r.counters[k] = v;
  for (const [k, v] of Object.entries(plan.add)) r.counters[k] = (r.counters[k] ?? 0) + v;
  r.recordSuccess = plan.recordSuccess;
  if (plan.successBucket) r.successBucket = { ...plan.successBucket };
  r.updatedAt = now;
  return r;
}

/** Standard errors added to a sampled success count before the ratio is judged (docs/semantics.md). */
export const SAMPLED_SUCCESS_Z = 2;

/**
 * The window's successes as the rate rule judges them. Exact counting (successSampleRate 1): the count. Sampled:
 * the weighted count is unbiased but noisy (variance successes x (1 - p) / p), so the rule takes its upper
 * estimate, SAMPLED_SUCCESS_Z standard errors above it (and Z^2 (1 - p) / p when no success was sampled yet):
 * sampling noise must not trip a healthy target, while a real outage still does.
 */
export function judgedSuccesses(weighted: number, s: BreakerSettings): number {
  const p = s.successSampleRate;
  if (p >= 1) return weighted;
  const v = (1 - p) / p;
  return weighted + SAMPLED_SUCCESS_Z * Math.sqrt(weighted * v) + SAMPLED_SUCCESS_Z * SAMPLED_SUCCESS_Z * v;
}

/** Whether the counters of a CLOSED record meet the trip rule. */
export function shouldTrip(rec: BreakerRecord, now: number, s: BreakerSettings): boolean {
  if (rec.state !== "CLOSED") return false;
  switch (s.tripRule) {
    case "consecutive":
      return (rec.counters[CONSECUTIVE_FAILURES] ?? 0) >= s.failureThreshold;
    case "window":
      return windowCounts(rec, now, s).failures >= s.failureThreshold;
    case "rate": {
      const { failures, successes } = windowCounts(rec, now, s);
      const calls = failures + successes;
      return calls >= s.minimumCalls && failures / (failures + judgedSuccesses(successes, s)) >= s.failureRateThreshold;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Transitions

/** The open period after `reopens` re-opens: base x multiplier^reopens, capped. */
export function openDurationMs(reopens: number, s: BreakerSettings): number {
  const seconds = Math.min(s.openDurationSeconds * Math.pow(s.openDurationMultiplier, reopens), s.maxOpenDurationSeconds);
  return Math.round(seconds * 1000);
}

export function cloneRecord(r: BreakerRecord): BreakerRecord {
  return {
    ...r,
    counters: { ...r.counters },
    leases: { ...r.leases },
    override: r.override ? { ...r.override } : null,
    successBucket: r.successBucket ? { ...r.successBucket } : null,
    history: r.history.map((t) => ({ ...t })),
  };
}

/** A record in a new state and generation, with the transition recorded. Counters and leases are cleared. */
function moveTo(r: BreakerRecord, to: BreakerState, now: number, reason: string): { record: BreakerRecord; transition: Transition } {
  const transition: Transition = { from: r.state, to, at: now, gen: r.gen + 1, reason: truncateText(reason, MAX_TRANSITION_REASON) };
  const record: BreakerRecord = {
    ...cloneRecord(r),
    state: to,
    gen: r.gen + 1,
    openUntil: null,
    probeAt: null,
    counters: {},
    leases: {},
    probeSuccesses: 0,
    override: null,
    recordSuccess: false,
    successBucket: null,
    updatedAt: now,
    history: [transition, ...r.history].slice(0, HISTORY_LIMIT),
  };
  return { record, transition };
}

export interface Change<T = undefined> {
  /** The record to write (compare-and-set on the read record's `ver`), or null when nothing changes. */
  record: BreakerRecord | null;
  transition: Transition | null;
  result: T;
}

/** CLOSED -> OPEN when the rule is met. */
export function trip(rec: BreakerRecord, now: number, s: BreakerSettings): Change<boolean> {
  if (!shouldTrip(rec, now, s)) return { record: null, transition: null, result: false };
  const { record, transition } = moveTo(rec, "OPEN", now, `trip rule ${s.tripRule} met`);
  record.reopens = 0;
  record.openUntil = now + openDurationMs(0, s);
  record.probeAt = probeAtFor(now, s);
  return { record, transition, result: true };
}

export interface ProbeGrant {
  admitted: boolean;
  gen: number;
  state: BreakerState;
  leaseId: string | null;
  reason: string;
}

function liveLeases(r: BreakerRecord, now: number): Record<string, number> {
  return Object.fromEntries(Object.entries(r.leases).filter(([, exp]) => exp > now));
}

/**
 * A caller on the probe route asks for a lease. OPEN and due -> HALF_OPEN with this caller's lease;
 * HALF_OPEN -> a lease while fewer than halfOpenProbes are live or have succeeded. Expired leases are reclaimed.
 * `early` (the health probe only): an OPEN record is due from its probeAt, before its open period ends.
 */
export function acquireProbe(
  rec: BreakerRecord | null,
  now: number,
  s: BreakerSettings,
  leaseId: string,
  early = false,
): Change<ProbeGrant> {
  const r = rec ?? newRecord(now);
  const no = (reason: string): Change<ProbeGrant> => ({
    record: null,
    transition: null,
    result: { admitted: false, gen: r.gen, state: r.state, leaseId: null, reason },
  });
  const expiry = now + s.probeLeaseSeconds * 1000;
  if (r.state === "OPEN") {
    const earlyDue = early && r.probeAt !== null && r.probeAt <= now;
    if (r.openUntil !== null && r.openUntil > now && !earlyDue) return no("open");
    const elapsed = r.openUntil === null || r.openUntil <= now;
    const { record, transition } = moveTo(r, "HALF_OPEN", now, elapsed ? "open period elapsed" : "early re-probe by the health probe");
    record.reopens = r.reopens;
    record.leases = { [leaseId]: expiry };
    return { record, transition, result: { admitted: true, gen: record.gen, state: "HALF_OPEN", leaseId, reason: "first probe" } };
  }
  if (r.state !== "HALF_OPEN") return no(r.state === "CLOSED" || r.state === "DISABLED" ? "not probing: call directly" : "forced open");
  const live = liveLeases(r, now);
  if (Object.keys(live).length + r.probeSuccesses >= s.halfOpenProbes) return no("all probe slots taken");
  const record = cloneRecord(r);
  record.leases = { ...live, [leaseId]: expiry };
  record.updatedAt = now;
  return { record, transition: null, result: { admitted: true, gen: r.gen, state: "HALF_OPEN", leaseId, reason: "probe slot free" } };
}

export type ProbeResult = "closed" | "reopened" | "counted" | "released" | "stale";

/**
 * A probe reports back. Success: counts towards halfOpenProbes and closes when they are all in.
 * A counted failure (or slow call): re-opens with the next, longer open period. Ignored error: frees the slot.
 * A report from another generation, or whose lease was reclaimed, is stale and changes nothing.
 */
export function reportProbe(
  rec: BreakerRecord | null,
  gen: number,
  leaseId: string,
  c: Classified,
  now: number,
  s: BreakerSettings,
): Change<ProbeResult> {
  const stale: Change<ProbeResult> = { record: null, transition: null, result: "stale" };
  if (!rec || rec.state !== "HALF_OPEN" || rec.gen !== gen || !(leaseId in rec.leases)) return stale;
  if (countsAsFailure(c)) {
    const { record, transition } = moveTo(rec, "OPEN", now, c === "slow" ? "probe was slow" : "probe failed");
    record.reopens = rec.reopens + 1;
    record.openUntil = now + openDurationMs(record.reopens, s);
    record.probeAt = probeAtFor(now, s);
    return { record, transition, result: "reopened" };
  }
  const next = cloneRecord(rec);
  delete next.leases[leaseId];
  next.updatedAt = now;
  if (c === "ignored") return { record: next, transition: null, result: "released" };
  next.probeSuccesses += 1;
  if (next.probeSuccesses >= s.halfOpenProbes) {
    const { record, transition } = moveTo(next, "CLOSED", now, `${s.halfOpenProbes} probe(s) succeeded`);
    record.reopens = 0;
    return { record, transition, result: "closed" };
  }
  return { record: next, transition: null, result: "counted" };
}

// ---------------------------------------------------------------------------------------------
// Manual control

export type OverrideCommand = "open" | "close" | "reset" | "disable" | "enable";
export const OVERRIDE_COMMANDS: readonly OverrideCommand[] = ["open", "close", "reset", "disable", "enable"];

/**
 * open: FORCED_OPEN (reject everything, no probes) until close/reset.
 * close: back to CLOSED from any state. reset: CLOSED with counters and backoff cleared.
 * disable: DISABLED (allow everything, record nothing) until enable. enable: DISABLED -> CLOSED.
 * Every override starts a new generation, so outcomes of calls admitted before it are ignored.
 */
export function applyOverride(
  rec: BreakerRecord | null,
  cmd: OverrideCommand,
  now: number,
  who: { by: string; reason: string },
): Change<BreakerState> {
  const r = rec ?? newRecord(now);
  const by = truncateText(who.by, MAX_OVERRIDE_TEXT);
  const reason = truncateText(who.reason, MAX_OVERRIDE_TEXT);
  const to: BreakerState | null =
    cmd === "open"
      ? "FORCED_OPEN"
      : cmd === "disable"
        ? "DISABLED"
        : cmd === "enable"
          ? r.state === "DISABLED"
            ? "CLOSED"
            : null
          : "CLOSED";
  if (to === null) return { record: null, transition: null, result: r.state };
  if (to === r.state && cmd !== "reset") return { record: null, transition: null, result: r.state };
  const { record, transition } = moveTo(r, to, now, `${cmd} by ${by}${reason ? `: ${reason}` : ""}`);
  // An operator who closes or resets says the target is healthy: the open-duration backoff starts over.
  record.reopens = cmd === "open" || cmd === "disable" ? r.reopens : 0;
  if (to === "FORCED_OPEN" || to === "DISABLED") record.override = { by, at: now, reason };
  return { record, transition: to === r.state ? null : transition, result: to };
}

// ---------------------------------------------------------------------------------------------
// What stores write besides the record

/** Epoch seconds after which an idle record may be removed (DynamoDB TTL, Redis expiry). Never before an OPEN period ends. */
export function expiresAtSeconds(r: BreakerRecord, s: BreakerSettings): number | null {
  if (r.state === "FORCED_OPEN" || r.state === "DISABLED") return null; // manual state never expires
  const lastUseful = Math.max(r.updatedAt, r.openUntil ?? 0, ...Object.values(r.leases));
  return Math.ceil(lastUseful / 1000) + s.idleTtlSeconds;
}

/** The ends of the success buckets' direct use as ISO-8601 UTC text, compared with $$.Execution.StartTime (rate rule, CLOSED). */
export function successBucketUntilIso(r: BreakerRecord): { until: string; nextUntil: string } | null {
  if (r.state !== "CLOSED" || !r.successBucket) return null;
  return { until: new Date(r.successBucket.until).toISOString(), nextUntil: new Date(r.successBucket.nextUntil).toISOString() };
}

/** OPEN expiry as ISO-8601 UTC text, comparable with $$.Execution.StartTime in a Choice state. */
export function openUntilIso(r: BreakerRecord): string | null {
  return r.openUntil === null ? null : new Date(r.openUntil).toISOString();
}
