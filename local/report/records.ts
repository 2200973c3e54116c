// What a run records: one entry per execution, one per target attempt, and the breaker's transitions.
// Times are design seconds from the start of the run (real time x speed). The runner hands each entry over
// as it finishes (local/runner.ts); the report aggregates them, and only tests and the bench keep them all.

import { StoreFaultEvent } from "../store-faults";
import { ExecutionWork } from "../work-meter";

/**
 * How an execution ended (a partition: every execution is exactly one of these):
 * succeeded: the target's response came back;
 * rejected: the breaker did not let the call through (open, forced open, probe slots taken, bulkhead full,
 *   store error with onStoreError "reject"), answered by the fallback or by a CircuitOpen failure;
 * fallback: the target was called, failed, and the fallback answered;
 * failed: the execution failed with another error (by error name).
 */
export type ResultKind = "succeeded" | "rejected" | "fallback" | "failed";
export const RESULT_KINDS: readonly ResultKind[] = ["succeeded", "rejected", "fallback", "failed"];

export interface ExecutionRecord {
  index: number;
  /** The phase when it started. */
  phase: number;
  /** Design latency of one target attempt in that phase (for the cost model). */
  targetLatencyMs: number;
  /** Design seconds from the start of the run. */
  startedAt: number;
  endedAt: number;
  /** Design ms (real ms x speed). */
  durationMs: number;
  result: ResultKind;
  /** The error name, for failed and rejected-by-Fail executions. */
  error?: string;
  /** The fallback's reason (and the target's error, for "target failed"), when a fallback answered. */
  fallbackReason?: string;
  /** A fallback response was served (rejected with a fallback, or fallback). */
  fallbackServed: boolean;
  /** It asked for a HALF_OPEN probe lease. */
  probe: boolean;
  /** It took the design's healthy path (CLOSED, target answered at once, nothing to record). */
  healthyPath: boolean;
  /** State-machine state transitions (states entered, plus retries). */
  stateTransitions: number;
  /**
   * Store failures the handlers counted during this execution: the StoreErrors metric they emitted (one per
   * failed store operation: the state read, via report-store-error on DynamoDB or get-status on Redis; a
   * probe lease; an outcome report). 0 when the store answered every time.
   */
  storeErrors: number;
  work: ExecutionWork;
}

export interface TargetCall {
  /** Design seconds of the attempt's start. */
  at: number;
  /** The phase in effect when the attempt started (it decided the attempt's outcome). */
  phase: number;
  ok: boolean;
  error?: string;
}

export interface TransitionRecord {
  /** Design seconds from the start of the run. */
  at: number;
  from: string;
  to: string;
  reason: string;
  gen: number;
}

/** What a run tells the report besides its executions and target attempts. */
export type RunSummary = Omit<RunRecords, "executions" | "targetCalls">;

/** Everything one run recorded, kept: what buildReport (report.ts) turns into report.json. */
export interface RunRecords {
  executions: ExecutionRecord[];
  targetCalls: TargetCall[];
  transitions: TransitionRecord[];
  /** The state before the first transition. */
  initialState: string;
  /** CloudWatch metrics the handlers emitted, summed by name. */
  metrics: Record<string, number>;
  /** Design seconds the run lasted (all executions finished). */
  endedAt: number;
  /** Real seconds the run took. */
  realSeconds: number;
  /** Executions whose start had to wait for a free slot (traffic.maxConcurrency). */
  delayedStarts: number;
  /** What the runtime did to the store (store fault phases), in order. */
  storeFaults: StoreFaultEvent[];
}
