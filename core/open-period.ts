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
