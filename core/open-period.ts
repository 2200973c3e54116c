// The open-period policy's early re-probe (docs/semantics.md, "Open period"): user calls are rejected for the
// whole open period (openDurationSeconds with backoff toward the cap), while the health probe alone may take
// the probe lease from `probeAt`, earlyProbeSeconds after the circuit opened. A failed early probe re-opens
// like any probe (new generation, next open period, next probeAt), so each open period still admits at most
// one probe per slot. Pure: no I/O, the clock passed in.

import type { BreakerRecord } from "./breaker";
import type { BreakerSettings } from "./settings";

/** When the health probe may probe a circuit that opens at `now` (epoch ms), or null when early probing is off. */
export function probeAtFor(now: number, s: BreakerSettings): number | null {
  return s.earlyProbeSeconds > 0 ? now + Math.round(s.earlyProbeSeconds * 1000) : null;
}

/** Whether the health-probe path may take the probe lease of this record now (OPEN and past probeAt). */
export function earlyProbeDue(rec: BreakerRecord | null, now: number): boolean {
  return rec !== null && rec.state === "OPEN" && rec.probeAt !== null && rec.probeAt <= now;
}

/** What the health-probe loop (core/definition/health-probe-branch.ts) does next, from one state read. */
export interface ProbeLoopView {
  /** The read's time (ISO): the loop's clock (the executions' StartTime is stale inside a loop). */
  now: string;
  /** OPEN with early probing on: when the health probe may probe (ISO), else null. */
  probeAtIso: string | null;
  /** Probe now with the early flag: earlyProbeDue, and the loop's time budget not spent. */
  early: boolean;
  /** Wait for probeAtIso and read again: it lies ahead, inside the loop's time budget. */
  waitForProbeAt: boolean;
  /** The budget is spent: a later read of the loop ends it, whatever the state. */
  expired: boolean;
}

/**
 * The loop's view of `rec` at `now` for a loop started at `startedAt` (epoch ms) with `budgetMs` to spend: it
 * probes early or waits for probeAt only inside the budget, so one scheduled run ends before the next starts.
 */
export function probeLoopView(rec: BreakerRecord | null, now: number, startedAt: number, budgetMs: number): ProbeLoopView {
  const deadline = startedAt + budgetMs;
  const probeAt = rec?.state === "OPEN" ? rec.probeAt : null;
  return {
    now: new Date(now).toISOString(),
    probeAtIso: probeAt === null ? null : new Date(probeAt).toISOString(),
    early: earlyProbeDue(rec, now) && now < deadline,
    waitForProbeAt: probeAt !== null && probeAt > now && probeAt < deadline,
    expired: now >= deadline,
  };
}
