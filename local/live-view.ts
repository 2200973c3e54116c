// The live line: once per real second while a scenario runs, the breaker's state and the running counts;
// during a store fault phase, what is done to the store, and the store errors the handlers counted.

export interface LiveCounts {
  /** Design seconds since the start. */
  at: number;
  total: number;
  phase: string;
  /** The current phase's storeFault (none, down, slow). */
  storeFault?: string;
  state: string;
  started: number;
  finished: number;
  inFlight: number;
  targetCalls: number;
  targetFailures: number;
  rejected: number;
  fallbacks: number;
  failed: number;
  /** StoreErrors the handlers emitted so far. */
  storeErrors?: number;
}

function delta(now: number, before: number | undefined): string {
  return before === undefined ? "" : `(+${now - before})`;
}

/** Formats one line per tick: `[  12.0/90 s healthy     ] CLOSED  executions 120(+10) ...`; deltas since the previous line. */
export class LiveView {
  private last: LiveCounts | null = null;

  line(c: LiveCounts): string {
    const p = this.last ?? undefined;
    this.last = c;
    return (
      `[${c.at.toFixed(1).padStart(6)}/${c.total} s ${c.phase.padEnd(12).slice(0, 12)}] ${c.state.padEnd(11)} ` +
      `executions ${c.started}${delta(c.started, p?.started)} in flight ${c.inFlight}  ` +
      `target calls ${c.targetCalls}${delta(c.targetCalls, p?.targetCalls)} failures ${c.targetFailures}  ` +
      `rejected ${c.rejected}${delta(c.rejected, p?.rejected)}  fallbacks ${c.fallbacks}${delta(c.fallbacks, p?.fallbacks)}` +
      (c.failed ? `  failed ${c.failed}` : "") +
      (c.storeFault && c.storeFault !== "none" ? `  store ${c.storeFault}` : "") +
      (c.storeErrors ? `  store errors ${c.storeErrors}${delta(c.storeErrors, p?.storeErrors ?? 0)}` : "")
    );
  }
}
