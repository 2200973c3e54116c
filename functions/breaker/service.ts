// The breaker service: the pure rules (breaker.ts) applied through a StateStore's atomic primitives.
// Handlers, the CLI and the local runtime call this; none of them re-implements a rule.

import {
  acquireProbe as planProbe,
  applyOverride,
  BreakerRecord,
  BreakerState,
  Change,
  classify,
  Classified,
  decide,
  Decision,
  Outcome,
  OverrideCommand,
  planCount,
  ProbeGrant,
  reportProbe,
  Transition,
  trip,
} from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { StateStore, StoreError } from "../../core/state-store";

/** Compare-and-set attempts before giving up; each conflict means another writer made progress. */
export const MAX_CAS_ATTEMPTS = 64;

export type Clock = () => number;

export interface OutcomeReport {
  result: "counted" | "ignored" | "stale" | "tripped" | "closed" | "reopened" | "released" | "unchanged";
  classified: Classified;
  state: BreakerState;
  transition: Transition | null;
}

export class BreakerService {
  constructor(
    private readonly store: StateStore,
    private readonly clock: Clock = Date.now,
  ) {}

  async status(breaker: string): Promise<BreakerRecord | null> {
    return this.store.get(breaker);
  }

  async decide(breaker: string, settings: BreakerSettings): Promise<Decision> {
    return decide(await this.store.get(breaker), this.clock(), settings);
  }

  /**
   * Read, plan with the pure module, compare-and-set; on a conflict read again and re-plan.
   * The single write that lands is the one whose transition (if any) is reported.
   */
  private async mutate<T>(
    breaker: string,
    settings: BreakerSettings,
    plan: (rec: BreakerRecord | null, now: number) => Change<T>,
  ): Promise<Change<T>> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const rec = await this.store.get(breaker);
      const change = plan(rec, this.clock());
      if (change.record === null) return change;
      if (await this.store.compareAndSet(breaker, rec ? rec.ver : null, change.record, settings)) return change;
      await sleep(Math.random() * Math.min(50, 2 ** attempt));
    }
    throw new StoreError(`breaker '${breaker}': ${MAX_CAS_ATTEMPTS} conflicting writes in a row; giving up`);
  }

  /**
   * An outcome of a call admitted in generation `gen` (with `leaseId` when it was a probe).
   * Counts in CLOSED, trips at the threshold, closes or re-opens in HALF_OPEN; older generations are ignored.
   */
  async recordOutcome(
    breaker: string,
    settings: BreakerSettings,
    gen: number,
    outcome: Outcome,
    leaseId?: string | null,
  ): Promise<OutcomeReport> {
    const c = classify(outcome, settings);
    if (leaseId) {
      let read: BreakerRecord | null = null;
      const change = await this.mutate(breaker, settings, (rec, now) => {
        read = rec;
        return reportProbe(rec, gen, leaseId, c, now, settings);
      });
      // A stale report writes nothing: answer the state of the record it was judged against (no record: CLOSED).
      const state = change.record?.state ?? (read as BreakerRecord | null)?.state ?? "CLOSED";
      return { result: change.result === "stale" ? "stale" : change.result, classified: c, state, transition: change.transition };
    }
    if (c === "ignored") {
      const rec = await this.store.get(breaker);
      return { result: "ignored", classified: c, state: rec?.state ?? "CLOSED", transition: null };
    }
    const rec = await this.store.get(breaker);
    if ((rec?.gen ?? 0) !== gen || (rec?.state ?? "CLOSED") !== "CLOSED") {
      return { result: "stale", classified: c, state: rec?.state ?? "CLOSED", transition: null };
    }
    const plan = planCount(rec, c, this.clock(), settings, outcome.kind === "success" ? (outcome.weight ?? 1) : 1);
    if (plan === null) return { result: "unchanged", classified: c, state: "CLOSED", transition: null };
    const counted = await this.store.applyCount(breaker, plan, this.clock(), settings);
    if (counted === null) {
      const now = await this.store.get(breaker);
      return { result: "stale", classified: c, state: now?.state ?? "CLOSED", transition: null };
    }
    // Only the writer whose compare-and-set lands reports the transition.
    const tripped = await this.mutate(breaker, settings, (latest, now) => {
      if (!latest || latest.gen !== gen) return { record: null, transition: null, result: false };
      return trip(latest, now, settings);
    });
    if (tripped.transition) return { result: "tripped", classified: c, state: "OPEN", transition: tripped.transition };
    return { result: "counted", classified: c, state: counted.state, transition: null };
  }

  /**
   * Frees a HALF_OPEN probe's lease without counting, by the rule for an ignored outcome (reportProbe "ignored"):
   * for a probe that never reached the target. "stale" when the lease is gone or from another generation.
   */
  async releaseProbe(breaker: string, settings: BreakerSettings, gen: number, leaseId: string): Promise<"released" | "stale"> {
    const change = await this.mutate(breaker, settings, (rec, now) => reportProbe(rec, gen, leaseId, "ignored", now, settings));
    return change.result === "released" ? "released" : "stale";
  }

  /** Asks for a HALF_OPEN probe lease (OPEN and due -> HALF_OPEN); `early`: the health probe, due from probeAt. */
  async acquireProbe(
    breaker: string,
    settings: BreakerSettings,
    leaseId: string,
    early = false,
  ): Promise<{ grant: ProbeGrant; transition: Transition | null }> {
    const change = await this.mutate(breaker, settings, (rec, now) => planProbe(rec, now, settings, leaseId, early));
    return { grant: change.result, transition: change.transition };
  }

  /** A manual override; every one starts a new generation. */
  async override(
    breaker: string,
    settings: BreakerSettings,
    command: OverrideCommand,
    by: string,
    reason = "",
  ): Promise<{ state: BreakerState; transition: Transition | null }> {
    const change = await this.mutate(breaker, settings, (rec, now) => applyOverride(rec, command, now, { by, reason }));
    return { state: change.result, transition: change.transition };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
