// Bulkhead rules, pure (no I/O): how long a slot's lease lasts, and the error of a call the bulkhead rejects.
// The stores hold the slots (StateStore.acquireSlot / releaseSlot); the acquire-slot and release-slot handlers
// and the state machine builder use these. A HALF_OPEN probe turned away frees its lease through
// BreakerService.releaseProbe.

import { BreakerSettings } from "./settings";

/** The Fail error of a call the bulkhead rejects (fallback "none"). */
export const BULKHEAD_FULL_ERROR = "BulkheadFull";

/**
 * Beyond the target call, a slot is held while the outcome is reported (record-outcome) and until the release
 * runs; this covers those handler invocations and their retries.
 */
export const BULKHEAD_LEASE_MARGIN_SECONDS = 30;

/** An EXPRESS execution runs at most 5 minutes: a slot older than that has no live holder. */
export const EXPRESS_MAX_SECONDS = 300;

/** Worst case of the target call as the state machine makes it: every attempt times out, every retry waits its longest delay. */
export function targetCallWorstCaseSeconds(s: BreakerSettings): number {
  let total = (s.retryAttempts + 1) * s.timeoutSeconds;
  for (let retry = 0; retry < s.retryAttempts; retry++) {
    total += Math.min(s.retryIntervalSeconds * s.retryBackoffRate ** retry, s.retryMaxDelaySeconds);
  }
  return total;
}

/**
 * A slot's lease: a holder that never releases (a crashed execution) loses its slot this long after taking it.
 * Long enough for a live call never to lose its slot (the whole target call with its retries, plus the margin),
 * and never longer than an EXPRESS execution can live.
 */
export function bulkheadLeaseMs(s: BreakerSettings): number {
  return Math.ceil(Math.min(targetCallWorstCaseSeconds(s) + BULKHEAD_LEASE_MARGIN_SECONDS, EXPRESS_MAX_SECONDS) * 1000);
}
