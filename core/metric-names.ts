// CloudWatch metric names, defined once: handlers emit exactly these (EMF), alarms and the dashboard
// reference exactly these. Dimension: Breaker = the breaker's name.

export const METRIC_NAMESPACE = "CircuitBreaker";
export const BREAKER_DIMENSION = "Breaker";

export const METRICS = {
  /** A success that record-outcome saw (rate rule, slow-call detection, probes, or clearing a count). */
  callsSucceeded: "CallsSucceeded",
  /** A target failure that counts (after retries). */
  callsFailed: "CallsFailed",
  /** A success slower than slowCallDurationMs (counted as a failure). */
  callsSlow: "CallsSlow",
  /** A target error listed in ignoredErrors: neither counted nor retried. */
  callsIgnored: "CallsIgnored",
  /** A call rejected without reaching the target (OPEN, FORCED_OPEN, probe slots taken, bulkhead full). */
  callsRejected: "CallsRejected",
  /** A fallback response served. */
  fallbacksServed: "FallbacksServed",
  circuitOpened: "CircuitOpened",
  circuitHalfOpened: "CircuitHalfOpened",
  circuitClosed: "CircuitClosed",
  /** A probe admitted in HALF_OPEN (including the health probe's). */
  probeAttempts: "ProbeAttempts",
  /** The state store failed (unreachable, throttled, timed out). */
  storeErrors: "StoreErrors",
  /** A manual override applied (open, close, reset, disable, enable). */
  overridesApplied: "OverridesApplied",
  /** 1 while the breaker is FORCED_OPEN or DISABLED, emitted by the health probe each run. */
  manualStateActive: "ManualStateActive",
  /** A call rejected by the bulkhead. */
  bulkheadRejected: "BulkheadRejected",
} as const;

export type MetricName = (typeof METRICS)[keyof typeof METRICS];

/** The metric a transition into each state emits. */
export const TRANSITION_METRIC: Readonly<Record<string, MetricName>> = {
  OPEN: METRICS.circuitOpened,
  HALF_OPEN: METRICS.circuitHalfOpened,
  CLOSED: METRICS.circuitClosed,
};
