// The shapes that cross the boundary between the state machine and the Lambda handlers.
// The state-machine builder, the handlers and the local runtime all import these.

import { BreakerState, OverrideCommand, Transition } from "./breaker";

/** Execution input of a breaker state machine (StartSyncExecution). */
export interface ExecutionInput {
  /** Passed to the target as its event. Must be a JSON object. */
  request: Record<string, unknown>;
}

/** The attribute names the store writes and the state machine's Choice states read. */
export const ATTR = {
  key: "breaker",
  state: "state",
  gen: "gen",
  ver: "ver",
  openUntil: "openUntil",
  openUntilIso: "openUntilIso",
  recordSuccess: "recordSuccess",
  /** rate rule, CLOSED: the success counter the state machine may ADD to directly (`s_<bucket>`), and until when (ISO). */
  successBucket: "successBucket",
  successBucketUntilIso: "successBucketUntilIso",
  /** The bucket after it, prepared, and until when (ISO). */
  nextSuccessBucket: "nextSuccessBucket",
  nextSuccessBucketUntilIso: "nextSuccessBucketUntilIso",
  expiresAt: "expiresAt",
} as const;

/**
 * The state view the Choice states read: the DynamoDB GetItem result shape (AttributeValues).
 * With the Redis store, get-status returns the same shape, so one Choice serves both stores.
 */
export interface StatusView {
  Item?: {
    state: { S: BreakerState };
    gen: { N: string };
    openUntilIso?: { S: string };
    recordSuccess?: { BOOL: boolean };
    successBucket?: { S: string };
    successBucketUntilIso?: { S: string };
    nextSuccessBucket?: { S: string };
    nextSuccessBucketUntilIso?: { S: string };
  };
  /**
   * Set (instead of Item) by get-status when the store failed: `allow` is the breaker's onStoreError
   * (true: call the target unrecorded; false: reject). The Choice routes on `$.<path>.StoreError.allow`.
   */
  StoreError?: { allow: boolean };
}

/** get-status (Redis path). */
export interface GetStatusEvent {
  breaker: string;
}
export type GetStatusResult = StatusView;

/** acquire-probe */
export interface AcquireProbeEvent {
  breaker: string;
  /** A unique id for this probe (the state machine passes $$.Execution.Name). */
  leaseId: string;
}
export interface AcquireProbeResult {
  admitted: boolean;
  gen: number;
  /** "UNKNOWN" only when the store failed (reason "store error"). */
  state: BreakerState | "UNKNOWN";
  /**
   * The lease to report back with record-outcome. `admitted: true` with `leaseId: null` happens only when
   * the store failed and onStoreError is "allow": call the target, and do not record the outcome.
   */
  leaseId: string | null;
  reason: string;
}

/** record-outcome */
export interface RecordOutcomeEvent {
  breaker: string;
  /** The generation the caller saw when it was admitted (from the state read or the probe grant). */
  gen: number | string;
  /** Set when the call was a HALF_OPEN probe. */
  leaseId?: string | null;
  outcome: "success" | "failure";
  /** The target's error name (failure only). */
  error?: string;
  cause?: string;
  /** Call duration in ms; if absent and startedAt is given, the handler measures from startedAt. */
  durationMs?: number;
  /** ISO time the call started ($$.Execution.StartTime): used for slow-call detection. */
  startedAt?: string;
  /** A sampled success's weight, 1 / successSampleRate (default 1). */
  weight?: number;
}
export interface RecordOutcomeResult {
  breaker: string;
  /** How the outcome was taken: counted, ignored (client error), stale (older generation), tripped, closed, reopened... */
  result: "counted" | "ignored" | "stale" | "tripped" | "closed" | "reopened" | "released" | "unchanged" | "store-error";
  classified: "success" | "failure" | "slow" | "ignored";
  /** "UNKNOWN" only with result "store-error". */
  state: BreakerState | "UNKNOWN";
  transition: Transition | null;
}

/** acquire-slot (bulkhead): a slot for one call of the target, held until release-slot or its lease ends. */
export interface AcquireSlotEvent {
  breaker: string;
  /** This call's slot (the state machine passes $$.Execution.Name). */
  slotId: string;
  /**
   * Set (both) when the call is a HALF_OPEN probe that already holds a probe lease: if the bulkhead is full,
   * that lease is freed without counting, so the next caller can probe at once.
   */
  probeLeaseId?: string;
  probeGen?: number | string;
}
/**
 * slot free: admitted, the slot is held; bulkhead full: not admitted (fallback reason "bulkhead full");
 * store error: the store failed, admitted without a slot when onStoreError is "allow", else not admitted;
 * bulkhead off: maxConcurrentCalls is 0, admitted without a slot.
 */
export type BulkheadReason = "slot free" | "bulkhead full" | "store error" | "bulkhead off";
export interface AcquireSlotResult {
  admitted: boolean;
  /** The slot this call holds, or null when admitted without one (store error with onStoreError "allow", bulkhead off). */
  slotId: string | null;
  reason: BulkheadReason;
  /** maxConcurrentCalls. */
  limit: number;
  /** The lease given to the slot (bulkheadLeaseMs). */
  leaseMs: number;
  /** A probe turned away: what freeing its lease did (record-outcome's results). */
  probeLease?: "released" | "stale" | "store-error";
}

/** release-slot (bulkhead): frees the call's slot; a slot that is gone (expired, never taken) is a no-op. */
export interface ReleaseSlotEvent {
  breaker: string;
  slotId: string;
}
export interface ReleaseSlotResult {
  breaker: string;
  slotId: string;
  /** false: the store failed (logged, StoreErrors); the slot is then freed by its lease. */
  released: boolean;
}

/** report-store-error: the state machine could not read the store directly. */
export interface StoreErrorEvent {
  breaker: string;
  error: string;
  cause?: string;
}
export interface StoreErrorResult {
  /** onStoreError = allow -> true: call the target unrecorded. */
  allow: boolean;
}

/** fallback (built-in); a user fallback Lambda receives the same event. */
export type FallbackReason = "open" | "forced open" | "probe slots taken" | "bulkhead full" | "target failed" | "store error";
export interface FallbackEvent {
  breaker: string;
  reason: FallbackReason;
  state?: BreakerState;
  error?: string;
  cause?: string;
  request?: unknown;
}
export interface FallbackResult {
  fallback: true;
  breaker: string;
  state: BreakerState | "UNKNOWN";
  reason: FallbackReason;
  message: string;
  error?: string;
}

/** health-probe (EventBridge Scheduler). */
export interface HealthProbeEvent {
  breaker?: string;
}
/** What one health-probe run did. */
export interface HealthProbeResult {
  breaker: string;
  /**
   * probed: the circuit was due, a lease was taken, the target was called once and the outcome recorded;
   * not-due: nothing to probe (CLOSED, or OPEN before its open period ends); not-admitted: no probe slot;
   * manual-state: FORCED_OPEN or DISABLED, left alone; store-error: the store failed (nothing was called).
   */
  action: "probed" | "not-due" | "not-admitted" | "manual-state" | "store-error";
  state: BreakerState | "UNKNOWN";
  reason: string;
  /** probed: how the target's answer was classified, and the target's error name if it failed. */
  outcome?: "success" | "failure" | "slow" | "ignored";
  error?: string;
  /** probed: what record-outcome made of it (closed, reopened, ...). */
  result?: RecordOutcomeResult["result"];
  /** The transitions this run made (OPEN -> HALF_OPEN, then HALF_OPEN -> CLOSED or OPEN). */
  transitions: Transition[];
}

/** The state machine's output on success. */
export interface ExecutionOutput {
  breaker: string;
  fallback: boolean;
  response: unknown;
}

/** Manual override request (CLI and tests). */
export interface OverrideRequest {
  breaker: string;
  command: OverrideCommand;
  by: string;
  reason?: string;
}

/** A malformed handler event. Changes no state. */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidEventError";
  }
}
