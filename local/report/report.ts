// report.json: what one run did, per phase and in total, with the breaker's transitions, the latency
// percentiles, the AWS work per execution and its modelled cost. The HTML page and the summary table
// are drawn from this object only.

import { BreakerSettings } from "../../core/settings";
import { Phase, phaseStarts, Scenario } from "../scenario";
import { StoreFaultEvent } from "../store-faults";
import { ExecutionRecord, RESULT_KINDS, ResultKind, RunRecords, TransitionRecord } from "./records";
import { summarizeWork, workOf, WorkSummary } from "./work-model";

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

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
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

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  const r = (n: number) => Math.round(n * 10) / 10;
  return {
    count: v.length,
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    max: r(v[v.length - 1]),
    mean: r(v.reduce((a, b) => a + b, 0) / v.length),
  };
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

export function buildReport(scenario: Scenario, run: RunRecords, startedAt: Date): Report {
  const { starts } = phaseStarts(scenario);
  const phases = scenario.phases.map((p, i) => emptyStats(p, starts[i]));
  const totals: Report["totals"] = {
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
  for (const e of run.executions) {
    addExecution(phases[e.phase], e);
    addExecution(totals, e);
  }
  for (const c of run.targetCalls) {
    phases[c.phase].targetAttempts += 1;
    totals.targetAttempts += 1;
    if (!c.ok) {
      phases[c.phase].targetFailures += 1;
      totals.targetFailures += 1;
    }
  }
  const firstStart = (role: Phase["role"]) => {
    const i = scenario.phases.findIndex((p) => p.role === role);
    return i < 0 ? undefined : starts[i];
  };
  const byResult = (kind: ResultKind) => run.executions.filter((e) => e.result === kind);
  const latency: Report["latencyMs"] = { all: percentiles(run.executions.map((e) => e.durationMs)) };
  const awsWork: Report["awsWork"] = {
    all: summarizeWork(run.executions.map(workOf)),
    healthyPath: summarizeWork(run.executions.filter((e) => e.healthyPath).map(workOf)),
    closedSuccess: summarizeWork(run.executions.filter(isClosedSuccess).map(workOf)),
  };
  for (const kind of RESULT_KINDS) {
    const group = byResult(kind);
    if (group.length === 0) continue;
    latency[kind] = percentiles(group.map((e) => e.durationMs));
    awsWork[kind] = summarizeWork(group.map(workOf));
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
    totals,
    phases,
    initialState: run.initialState,
    transitions: run.transitions.map((t) => ({ at: Math.round(t.at * 1000) / 1000, from: t.from, to: t.to, reason: t.reason })),
    timeToOpenSeconds: timeTo(run.transitions, "OPEN", firstStart("failing")),
    timeToCloseSeconds: timeTo(run.transitions, "CLOSED", firstStart("recovering")),
    latencyMs: latency,
    awsWork,
    metrics: run.metrics,
    delayedStarts: run.delayedStarts,
    storeFaults: (run.storeFaults ?? []).map((f) => ({ ...f, at: Math.round(f.at * 1000) / 1000 })),
    series: buildSeries(run),
  };
}

export function buildSeries(run: RunRecords): Series {
  const n = Math.max(1, Math.ceil(run.endedAt));
  const zeros = () => new Array<number>(n).fill(0);
  const s: Series = {
    seconds: n,
    executions: zeros(),
    targetCalls: zeros(),
    targetFailures: zeros(),
    succeeded: zeros(),
    rejected: zeros(),
    fallback: zeros(),
    failed: zeros(),
  };
  const slot = (t: number) => Math.min(n - 1, Math.max(0, Math.floor(t)));
  for (const e of run.executions) {
    s.executions[slot(e.startedAt)] += 1;
    s[e.result][slot(e.endedAt)] += 1;
  }
  for (const c of run.targetCalls) {
    s.targetCalls[slot(c.at)] += 1;
    if (!c.ok) s.targetFailures[slot(c.at)] += 1;
  }
  return s;
}
