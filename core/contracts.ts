// The shapes that cross the boundary between the state machine and the Lambda handlers.
// The state-machine builder, the handlers and the local runtime all import these.

import { BreakerState, OverrideCommand, Transition } from "./breaker";
import type { ProbeLoopView } from "./open-period";
import type { FallbackReason } from "./schema/handler-events";

// The handler events: one zod schema each (schema/handler-events.ts), their types inferred there.
export type {
  AcquireProbeEvent,
  AcquireSlotEvent,
  BreakerContextEvent,
  FallbackEvent,
  FallbackReason,
  GetStatusEvent,
  RecordOutcomeEvent,
  ReleaseSlotEvent,
  StoreErrorEvent,
} from "./schema/handler-events";

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

/** get-status answers the health-probe branch also with the loop's view (core/open-period.ts probeLoopView). */
export type GetStatusResult = StatusView & { Probe?: ProbeLoopView };

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

export interface RecordOutcomeResult {
  breaker: string;
  /** How the outcome was taken: counted, ignored (client error), stale (older generation), tripped, closed, reopened... */
  result: "counted" | "ignored" | "stale" | "tripped" | "closed" | "reopened" | "released" | "unchanged" | "store-error";
  classified: "success" | "failure" | "slow" | "ignored";
  /** "UNKNOWN" only with result "store-error". */
  state: BreakerState | "UNKNOWN";
  transition: Transition | null;
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

export interface ReleaseSlotResult {
  breaker: string;
  slotId: string;
  /** false: the store failed (logged, StoreErrors); the slot is then freed by its lease. */
  released: boolean;
}

export interface StoreErrorResult {
  /** onStoreError = allow -> true: call the target unrecorded. */
  allow: boolean;
}

export interface FallbackResult {
  fallback: true;
  breaker: string;
  state: BreakerState | "UNKNOWN";
  reason: FallbackReason;
  message: string;
  error?: string;
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
