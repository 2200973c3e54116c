// What the benchmark compares, computed from one run of each design, and the targets issue 5 sets.

import { openDurationMs } from "../core/breaker";
import { BreakerSettings } from "../core/settings";
import { Workflow } from "../local/pricing";
import { Report } from "../local/report/report";
import { WorkSummary } from "../local/report/work-model";
import { phaseStarts, Scenario } from "../local/scenario";
import { CONTAINERS, FleetEvent } from "./opossum-run";

export interface DesignResult {
  key: "dynamodb" | "redis" | "recipe" | "opossum";
  name: string;
  report: Report;
  /** Target attempts made while a failing phase was in effect. */
  outageAttempts: number;
  /** From the start of the first failing phase until the breaker opened (opossum: the first container). */
  timeToOpenSeconds: number | null;
  /** opossum: until every container had opened at least once. */
  timeToOpenAllSeconds?: number | null;
  /** From the start of the recovering phase until it closed (opossum: every container closed). */
  timeToCloseSeconds: number | null;
  /** Executions that failed for reasons other than the breaker (not rejections, not fallbacks). */
  failedOther: number;
  failedByError: Record<string, number>;
  /** The workflow types its cost is modelled for. */
  workflows: Workflow[];
  healthyPath: WorkSummary;
  /** Every first-attempt success outside HALF_OPEN: the rate rule's success path (counted directly or by record-outcome). */
  closedSuccess?: WorkSummary;
  all: WorkSummary;
  note?: string;
}

/** The rate rule's healthy-path targets (issue 12): per million first-attempt CLOSED successes on DynamoDB. */
export const RATE_RULE_TARGETS = { lambdaFreeShare: 0.95, exactUsd: 1.9, sampledUsd: 1.3, sampledRate: 0.1 } as const;

export interface Ideal {
  threshold: number;
  attemptsPerCall: number;
  /** Calls admitted while the first `threshold` failures were still being retried (rate x failing-call time). */
  callsInFlight: number;
  probes: number;
  /** threshold x attemptsPerCall + callsInFlight + probes. */
  total: number;
  /** (threshold + callsInFlight + probes) x attemptsPerCall: every in-flight call and probe with all its retries. */
  withRetries: number;
  /** What the target allows: ideal + traffic.maxConcurrency. */
  allowed: number;
}

/** Expected design seconds of one call that fails every attempt: latencies plus full-jitter retry waits (half of each cap). */
export function failingCallSeconds(s: BreakerSettings, latencyMs: number): number {
  let t = ((s.retryAttempts + 1) * latencyMs) / 1000;
  for (let k = 0; k < s.retryAttempts; k++)
    t += Math.min(s.retryMaxDelaySeconds, s.retryIntervalSeconds * Math.pow(s.retryBackoffRate, k)) / 2;
  return t;
}

/**
 * The ideal target attempts during the outage, as the issue defines it: the threshold's calls with all their
 * attempts, plus one attempt for each call already admitted while those were being retried, plus the probes
 * of the open periods that end during the outage. `withRetries` counts every attempt of the in-flight calls and
 * of the probes too (the state machine does not stop a call's retries when the circuit opens): context for
 * the table, not the target.
 */
export function idealOutageAttempts(scenario: Scenario): Ideal {
  const s = scenario.breaker.settings;
  const failing = scenario.phases.filter((p) => p.role === "failing");
  const outageSeconds = failing.reduce((a, p) => a + p.durationSeconds, 0);
  const latency = failing.length ? failing[0].latencyMs : 0;
  const attemptsPerCall = s.retryAttempts + 1;
  const callsInFlight = Math.ceil(scenario.traffic.ratePerSecond * failingCallSeconds(s, latency));
  const probes = s.halfOpenProbes * Math.ceil(outageSeconds / s.openDurationSeconds);
  const total = s.failureThreshold * attemptsPerCall + callsInFlight + probes;
  const withRetries = (s.failureThreshold + callsInFlight + probes) * attemptsPerCall;
  return {
    threshold: s.failureThreshold,
    attemptsPerCall,
    callsInFlight,
    probes,
    total,
    withRetries,
    allowed: total + scenario.traffic.maxConcurrency,
  };
}

export function outageAttempts(r: Report): number {
  return r.phases.filter((p) => p.role === "failing").reduce((a, p) => a + p.targetAttempts, 0);
}

/**
 * The longest CLOSED-again time the target allows: the open period in effect when the target recovered
 * (the backoff after re-opens included), plus one probe: the next request (1/rate), one target attempt,
 * and half a second for the probe's own steps.
 */
export function allowedCloseSeconds(scenario: Scenario, r: Report): number {
  const s = scenario.breaker.settings;
  const { starts } = phaseStarts(scenario);
  const i = scenario.phases.findIndex((p) => p.role === "recovering");
  const recoveryStart = i < 0 ? Infinity : starts[i];
  let opens = 0;
  for (const t of r.transitions) {
    if (t.at > recoveryStart) break;
    if (t.to === "CLOSED") opens = 0;
    if (t.to === "OPEN") opens += 1;
  }
  const period = openDurationMs(Math.max(0, opens - 1), s) / 1000;
  const latency = i < 0 ? 0 : scenario.phases[i].latencyMs / 1000;
  return period + 1 / scenario.traffic.ratePerSecond + latency + 0.5;
}

export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean;
}

/** A figure for BENCHMARKS.md and the target checks: at most `digits` decimals, "n/a" when there is none. */
export function fmt(n: number | null | undefined, digits = 2): string {
  return n === null || n === undefined ? "n/a" : Number(n.toFixed(digits)).toString();
}

export function checkTargets(scenario: Scenario, results: DesignResult[]): TargetCheck[] {
  const by = (k: DesignResult["key"]) => results.find((r) => r.key === k);
  const checks: TargetCheck[] = [];
  const ddb = by("dynamodb");
  const recipe = by("recipe");
  const ideal = idealOutageAttempts(scenario);
  const st = scenario.breaker.settings;
  const rateRule = st.tripRule === "rate";
  if (ddb && rateRule) {
    // The rate rule counts successes: its healthy path is every first-attempt CLOSED success.
    const cs = ddb.closedSuccess ?? ddb.healthyPath;
    const share = cs.executions ? cs.withoutLambda / cs.executions : 0;
    checks.push({
      target: `rate rule with DynamoDB: 0 Lambda invocations besides the target on at least ${RATE_RULE_TARGETS.lambdaFreeShare * 100} % of first-attempt CLOSED successes`,
      measured: `${cs.withoutLambda} of ${cs.executions} = ${fmt(share * 100, 1)} %`,
      pass: cs.executions > 0 && share >= RATE_RULE_TARGETS.lambdaFreeShare,
    });
    const sampled = st.successSampleRate <= RATE_RULE_TARGETS.sampledRate;
    const limit = sampled ? RATE_RULE_TARGETS.sampledUsd : RATE_RULE_TARGETS.exactUsd;
    const usd = cs.costPerMillion.EXPRESS.total;
    checks.push({
      target: `rate rule with DynamoDB${sampled ? `, successSampleRate ${st.successSampleRate}` : ", exact"}: modelled cost of a first-attempt CLOSED success at most $${limit.toFixed(2)} per million`,
      measured: `$${fmt(usd, 3)} per million (mean of ${cs.executions}: ${fmt(cs.mean.lambdaInvocations, 3)} Lambda invocations, ${fmt(cs.mean.readUnits, 2)} read and ${fmt(cs.mean.writeUnits, 3)} write units)`,
      pass: cs.executions > 0 && usd <= limit,
    });
  } else if (ddb) {
    const m = ddb.healthyPath.max;
    checks.push({
      target: "healthy path with DynamoDB: at most 4 state transitions, 1 read unit, 0 writes, 0 Lambda invocations besides the target",
      measured: `max over ${ddb.healthyPath.executions} executions: ${m.stateTransitions} transitions, ${m.readUnits} read units, ${m.writeUnits} write units, ${m.lambdaInvocations} Lambda invocations`,
      pass:
        ddb.healthyPath.executions > 0 && m.stateTransitions <= 4 && m.readUnits <= 1 && m.writeUnits === 0 && m.lambdaInvocations === 0,
    });
  }
  const hasOutage = scenario.phases.some((p) => p.role === "failing");
  for (const d of [ddb, by("redis")]) {
    // A scenario without an outage (a healthy run) has nothing to count here.
    if (!d || !hasOutage) continue;
    checks.push({
      target: `${d.name}: target attempts during the outage at most ideal + concurrency (${ideal.total} + ${scenario.traffic.maxConcurrency} = ${ideal.allowed})`,
      measured: `${d.outageAttempts} attempts`,
      pass: d.outageAttempts <= ideal.allowed,
    });
    const allowed = allowedCloseSeconds(scenario, d.report);
    checks.push({
      target: `${d.name}: CLOSED again within one open period plus one probe after the target recovers (${fmt(allowed)} s)`,
      measured: d.timeToCloseSeconds === null ? "did not close" : `${fmt(d.timeToCloseSeconds)} s`,
      pass: d.timeToCloseSeconds !== null && d.timeToCloseSeconds <= allowed,
    });
  }
  if (ddb && recipe) {
    const ours = (rateRule ? (ddb.closedSuccess ?? ddb.healthyPath) : ddb.healthyPath).costPerMillion.EXPRESS.total;
    const theirsExpress = recipe.healthyPath.costPerMillion.EXPRESS.total;
    const theirsStandard = recipe.healthyPath.costPerMillion.STANDARD.total;
    checks.push({
      target: "modelled healthy-path cost at most 0.6x the recipe on Express",
      measured: `$${fmt(ours, 3)} vs $${fmt(theirsExpress, 3)} per million = ${fmt(ours / theirsExpress, 3)}x`,
      pass: ours <= 0.6 * theirsExpress,
    });
    checks.push({
      target: "modelled healthy-path cost at most 1/100 of the recipe on STANDARD (the type it ships with)",
      measured: `$${fmt(ours, 3)} vs $${fmt(theirsStandard, 2)} per million = 1/${fmt(theirsStandard / ours, 1)}`,
      pass: ours * 100 <= theirsStandard,
    });
  }
  return checks;
}

/** opossum: per-container events -> the fleet's time to open (first / all) and to close (all closed). */
export function fleetTimes(
  scenario: Scenario,
  events: FleetEvent[],
  toDesign: (ms: number) => number,
): { first: number | null; all: number | null; close: number | null } {
  const { starts } = phaseStarts(scenario);
  const fi = scenario.phases.findIndex((p) => p.role === "failing");
  const ri = scenario.phases.findIndex((p) => p.role === "recovering");
  const failStart = fi < 0 ? null : starts[fi];
  const recStart = ri < 0 ? null : starts[ri];
  let first: number | null = null;
  let all: number | null = null;
  let close: number | null = null;
  const openedOnce = new Set<number>();
  const state = new Map<number, string>();
  let openAtRecovery = false;
  let checkedRecovery = false;
  for (const e of [...events].sort((a, b) => a.atMs - b.atMs)) {
    const t = toDesign(e.atMs);
    if (recStart !== null && !checkedRecovery && t >= recStart) {
      checkedRecovery = true;
      openAtRecovery = [...state.values()].some((s) => s !== "CLOSED");
    }
    state.set(e.container, e.state);
    if (failStart !== null && e.state === "OPEN" && t >= failStart) {
      if (first === null) first = t - failStart;
      openedOnce.add(e.container);
      if (all === null && openedOnce.size === CONTAINERS) all = t - failStart;
    }
    if (
      recStart !== null &&
      t >= recStart &&
      (openAtRecovery || !checkedRecovery) &&
      close === null &&
      [...state.values()].every((s) => s === "CLOSED")
    ) {
      close = t - recStart;
    }
  }
  return { first, all, close };
}
