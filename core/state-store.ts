// The StateStore interface: the few atomic primitives both stores (DynamoDB, Redis) provide.
// All breaker logic stays in ./breaker.ts; stores only apply its plans atomically.

import { BreakerRecord, CountPlan } from "./breaker";
import { BreakerSettings } from "./settings";

export interface StateStore {
  readonly kind: "dynamodb" | "redis";
  /** The current record (strongly consistent), or null when the breaker has none. */
  get(breaker: string): Promise<BreakerRecord | null>;
  /**
   * Applies a count atomically: only while the record is CLOSED in generation `plan.gen`
   * (a missing record counts as CLOSED generation 0 and is created). Returns the record after
   * the count, or null when the condition failed (the circuit moved on: the outcome is stale).
   */
  applyCount(breaker: string, plan: CountPlan, now: number, settings: BreakerSettings): Promise<BreakerRecord | null>;
  /**
   * Writes `next` only if the stored record's `ver` equals `expectedVer` (null: only if there is no
   * record). The store writes `next` with `ver = expectedVer + 1` (or 1). Returns false on a conflict.
   */
  compareAndSet(breaker: string, expectedVer: number | null, next: BreakerRecord, settings: BreakerSettings): Promise<boolean>;
  /** Bulkhead: takes a slot if fewer than `limit` unexpired ones are held. */
  acquireSlot(breaker: string, slotId: string, limit: number, leaseMs: number, now: number): Promise<boolean>;
  /** Bulkhead: frees a slot (no-op when it is gone). */
  releaseSlot(breaker: string, slotId: string): Promise<void>;
  close(): Promise<void>;
  /**
   * True once the server refused this store's credentials (a rotated AUTH token): the caller should close it and
   * open a new one, which reads the credentials again. Stores without credentials of their own omit it.
   */
  credentialsRejected?(): boolean;
}

/**
 * The store failed (unreachable, throttled, timed out, or answered with something unreadable).
 * Callers act on the breaker's onStoreError setting; they never crash on it.
 */
export class StoreError extends Error {
  constructor(
    message: string,
    public readonly cause?: unknown,
  ) {
    super(message);
    this.name = "StoreError";
  }
}
