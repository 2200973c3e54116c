// report.json: what one run did, per phase and in total, with the breaker's transitions, the latency
// percentiles, the AWS work per execution and its modelled cost. The HTML page and the summary table
// are drawn from this object only. ReportBuilder builds it as executions finish, in memory that does not
// grow with their number (counters per phase and per design second, work sums, bounded latency samples).

import { BreakerSettings } from "../../core/settings";
import { Phase, phaseStarts, Scenario } from "../scenario";
import { StoreFaultEvent } from "../store-faults";
import { LatencySample, Percentiles } from "./latency";
import { ExecutionRecord, RESULT_KINDS, ResultKind, RunRecords, RunSummary, TargetCall, TransitionRecord } from "./records";
import { workOf, WorkSummary, WorkTotals } from "./work-model";

export { LATENCY_SAMPLE_SIZE, percentiles } from "./latency";
export type { Percentiles } from "./latency";

export interface PhaseStats {
  name: string;
  role: Phase["role"];
  /** Design seconds. */
  startSeconds: number;
  durationSeconds: number;
  failureRate: number;
  /** Executions that started in this phase. */
  executions: number;
  succeeded: number;
  /** Target called, failed, fallback answered. */
  fallback: number;
  /** Not let through by the breaker (answered by the fallback or a CircuitOpen failure). */
  rejected: number;
  /** Other failures, by error name. */
  failed: Record<string, number>;
  /** Fallback responses served (rejected with a fallback + fallback). */
  fallbackServed: number;
  /** Fallback responses by reason (with the target's error for "target failed"). */
  fallbackReasons: Record<string, number>;
  /** Target attempts made during this phase (by the time of the attempt). */
  targetAttempts: number;
  targetFailures: number;
  /**
   * Store failures the handlers counted (their StoreErrors metric) in the executions that started in this
   * phase; see ExecutionRecord.storeErrors. Each one was answered per the breaker's onStoreError.
   */
  storeErrors: number;
}

export interface Series {
  /** Design second i covers [i, i+1). */
  seconds: number;
  executions: number[];
  targetCalls: number[];
  targetFailures: number[];
  succeeded: number[];
  rejected: number[];
  fallback: number[];
  failed: number[];
}

export interface Report {
  scenario: {
    name: string;
    description: string;
    store: string;
    speed: number;
    seed: number;
    breaker: string;
    fallback: string;
    /** The settings as designed (the run divides their durations by speed). */
    settings: BreakerSettings;
    traffic: Scenario["traffic"];
    phases: Phase[];
  };
  startedAt: string;
  /** Design seconds until the last execution finished. */
  durationSeconds: number;
  realSeconds: number;
  totals: Omit<PhaseStats, "name" | "role" | "startSeconds" | "durationSeconds" | "failureRate">;
  phases: PhaseStats[];
  initialState: string;
  transitions: { at: number; from: string; to: string; reason: string }[];
  /** From the start of the first failing phase to the first OPEN after it; null if it never opened. */
  timeToOpenSeconds: number | null;
  /** From the start of the first recovering phase to the first CLOSED after it; null if it did not close then. */
  timeToCloseSeconds: number | null;
  /** Execution latency in design ms (real x speed), overall and by result. */
  latencyMs: { all: Percentiles } & Partial<Record<ResultKind, Percentiles>>;
  /** AWS work per execution (counted from what the executor did) and its modelled cost per million. */
  awsWork: {
    all: WorkSummary;
    /** The design's healthy path: CLOSED, the target answered at once, nothing to record. */
    healthyPath: WorkSummary;
    /** Every first-attempt success outside HALF_OPEN: the healthy path plus the first success after a counted failure (which clears the count). */
    closedSuccess: WorkSummary;
  } & Partial<Record<ResultKind, WorkSummary>>;
  /** CloudWatch metrics the handlers emitted, by name. */
  metrics: Record<string, number>;
  delayedStarts: number;
  /** What the runtime did to the store in store fault phases (kill, restart, delay), in order; design seconds. */
  storeFaults: StoreFaultEvent[];
  series: Series;
}

function emptyStats(p: Phase, start: number): PhaseStats {
  return {
    name: p.name,
    role: p.role,
    startSeconds: start,
    durationSeconds: p.durationSeconds,
    failureRate: p.failureRate,
    executions: 0,
    succeeded: 0,
    fallback: 0,
    rejected: 0,
    failed: {},
    fallbackServed: 0,
    fallbackReasons: {},
    targetAttempts: 0,
    targetFailures: 0,
    storeErrors: 0,
  };
}

function addExecution(
  s: Pick<
    PhaseStats,
    "executions" | "succeeded" | "fallback" | "rejected" | "failed" | "fallbackServed" | "fallbackReasons" | "storeErrors"
  >,
  e: ExecutionRecord,
): void {
  s.executions += 1;
  s.storeErrors += e.storeErrors;
  if (e.result === "failed") s.failed[e.error ?? "Unknown"] = (s.failed[e.error ?? "Unknown"] ?? 0) + 1;
  else s[e.result] += 1;
  if (e.fallbackServed) {
    s.fallbackServed += 1;
    const why = e.fallbackReason ?? "unknown";
    s.fallbackReasons[why] = (s.fallbackReasons[why] ?? 0) + 1;
  }
}

/** The first transition to `to` at or after design second `from`, as seconds after `from`. */
export function timeTo(transitions: TransitionRecord[], to: string, from: number | undefined): number | null {
  if (from === undefined) return null;
  const t = transitions.find((x) => x.to === to && x.at >= from);
  return t ? Math.round((t.at - from) * 1000) / 1000 : null;
}

/** A first-attempt success outside HALF_OPEN: the healthy path, plus the first success after a counted failure. */
export function isClosedSuccess(e: ExecutionRecord): boolean {
  return e.result === "succeeded" && !e.probe && e.work.targetAttempts === 1;
}

/** The report of recorded executions and target attempts (kept records, as the bench keeps them). */
export function buildReport(scenario: Scenario, run: RunRecords, startedAt: Date): Report {
  const builder = new ReportBuilder(scenario);
  for (const e of run.executions) builder.addExecution(e);
  for (const c of run.targetCalls) builder.addTargetCall(c);
  return builder.report(run, startedAt);
}

type SeriesCounts = Omit<Series, "seconds">;
const SERIES_KEYS: (keyof SeriesCounts)[] = ["executions", "targetCalls", "targetFailures", "succeeded", "rejected", "fallback", "failed"];

/** A group of executions: its latencies and its work. */
class Group {
  readonly latency = new LatencySample();
  readonly work = new WorkTotals();
  add(e: ExecutionRecord): void {
    this.latency.add(e.durationMs);
    this.work.add(workOf(e));
  }
}

/**
 * report.json, fed one execution and one target attempt at a time as they finish: what it holds grows with
 * the run's design seconds (the per-second series) and its distinct error names, never with its executions.
 */
export class ReportBuilder {
  private readonly phases: PhaseStats[];
  private readonly totals: Report["totals"] = {
    executions: 0,
    succeeded: 0,
    fallback: 0,
    rejected: 0,
    failed: {},
    fallbackServed: 0,
    fallbackReasons: {},
    targetAttempts: 0,
    targetFailures: 0,
    storeErrors: 0,
  };
  /** Per design second (index i covers [i, i+1)), grown as the run reaches it. */
  private readonly perSecond: SeriesCounts = {
    executions: [],
    targetCalls: [],
    targetFailures: [],
    succeeded: [],
    rejected: [],
    fallback: [],
    failed: [],
  };
  private readonly all = new Group();
  private readonly healthyPath = new Group();
  private readonly closedSuccess = new Group();
  private readonly byResult: Partial<Record<ResultKind, Group>> = {};
  /** Target attempts as the executions counted them (a cross-check: equals totals.targetAttempts). */
  attemptsInExecutions = 0;

  constructor(private readonly scenario: Scenario) {
    const { starts } = phaseStarts(scenario);
    this.phases = scenario.phases.map((p, i) => emptyStats(p, starts[i]));
  }

  addExecution(e: ExecutionRecord): void {
    addExecution(this.phases[e.phase], e);
    addExecution(this.totals, e);
    this.count("executions", e.startedAt);
    this.count(e.result, e.endedAt);
    this.all.add(e);
    if (e.healthyPath) this.healthyPath.add(e);
    if (isClosedSuccess(e)) this.closedSuccess.add(e);
    (this.byResult[e.result] ??= new Group()).add(e);
    this.attemptsInExecutions += e.work.targetAttempts;
  }

  addTargetCall(c: TargetCall): void {
    this.phases[c.phase].targetAttempts += 1;
    this.totals.targetAttempts += 1;
    this.count("targetCalls", c.at);
    if (!c.ok) {
      this.phases[c.phase].targetFailures += 1;
      this.totals.targetFailures += 1;
      this.count("targetFailures", c.at);
    }
  }

  private count(key: keyof SeriesCounts, at: number): void {
    const slot = Math.max(0, Math.floor(at));
    for (const k of SERIES_KEYS) while (this.perSecond[k].length <= slot) this.perSecond[k].push(0);
    this.perSecond[key][slot] += 1;
  }

  report(run: RunSummary, startedAt: Date): Report {
    const scenario = this.scenario;
    const { starts } = phaseStarts(scenario);
    const firstStart = (role: Phase["role"]) => {
      const i = scenario.phases.findIndex((p) => p.role === role);
      return i < 0 ? undefined : starts[i];
    };
    const latency: Report["latencyMs"] = { all: this.all.latency.percentiles() };
    const awsWork: Report["awsWork"] = {
      all: this.all.work.summary(),
      healthyPath: this.healthyPath.work.summary(),
      closedSuccess: this.closedSuccess.work.summary(),
    };
    for (const kind of RESULT_KINDS) {
      const group = this.byResult[kind];
      if (!group) continue;
      latency[kind] = group.latency.percentiles();
      awsWork[kind] = group.work.summary();
    }
    return {
      scenario: {
        name: scenario.name,
        description: scenario.description,
        store: scenario.store,
        speed: scenario.speed,
        seed: scenario.seed,
        breaker: scenario.breaker.name,
        fallback: scenario.breaker.fallback,
        settings: scenario.breaker.settings,
        traffic: scenario.traffic,
        phases: scenario.phases,
      },
      startedAt: startedAt.toISOString(),
      durationSeconds: Math.round(run.endedAt * 1000) / 1000,
      realSeconds: Math.round(run.realSeconds * 1000) / 1000,
      totals: structuredClone(this.totals),
      phases: structuredClone(this.phases),
      initialState: run.initialState,
      transitions: run.transitions.map((t) => ({ at: Math.round(t.at * 1000) / 1000, from: t.from, to: t.to, reason: t.reason })),
      timeToOpenSeconds: timeTo(run.transitions, "OPEN", firstStart("failing")),
      timeToCloseSeconds: timeTo(run.transitions, "CLOSED", firstStart("recovering")),
      latencyMs: latency,
      awsWork,
      metrics: run.metrics,
      delayedStarts: run.delayedStarts,
      storeFaults: (run.storeFaults ?? []).map((f) => ({ ...f, at: Math.round(f.at * 1000) / 1000 })),
      series: this.series(run.endedAt),
    };
  }

  /** The series over the run's length: one slot per design second, anything counted at or past the end in the last. */
  private series(endedAt: number): Series {
    const n = Math.max(1, Math.ceil(endedAt));
    const s = { seconds: n } as Series;
    for (const k of SERIES_KEYS) {
      const counted = this.perSecond[k];
      const out = new Array<number>(n).fill(0);
      for (let i = 0; i < counted.length; i++) out[Math.min(n - 1, i)] += counted[i];
      s[k] = out;
    }
    return s;
  }
}
