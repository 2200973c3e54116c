// `npm run bench -- --waste`: the calls a breaker wastes across outage lengths (issue 16). The same traffic
// (20 executions/s, 20 in flight; healthy 30 s at 10 % failures, an outage at 100 %, then recovery) with outages
// of 10 s, 60 s and 600 s, each at a few phases (seeds), on this breaker's real definition and handlers against
// a local store, once per open-period policy: this project's default and the others as settings of this breaker.

import { BreakerSettings, loadSettings } from "../core/settings";
import { BreakerSettingsInput } from "../core/schema/settings";
import { CliError, numberOption } from "../local/cli-args";
import { SCHEDULE_SECONDS } from "../local/health-probe-loop";
import { runLocal } from "../local/run-local";
import { stream } from "../local/rng";
import { Scenario, StoreKind, validateScenario } from "../local/scenario";
import { Timebase } from "../local/speed";
import { StoreEndpoints } from "../local/local-store";
import { phaseAt } from "../local/traffic";
import { StateStore } from "../core/state-store";

export const OUTAGES = [10, 60, 600] as const;
export const RATE = 20;
export const IN_FLIGHT = 20;
export const HEALTHY_SECONDS = 30;
/** The outage of seed k (1..n) lasts its length plus (k-1)/n of PHASE_SPREAD_SECONDS: its end at a different phase. */
export const PHASE_SPREAD_SECONDS = 5;

export interface WastePolicy {
  key: string;
  name: string;
  /** Open-period settings over the defaults. */
  settings: BreakerSettingsInput;
  note: string;
}

export const WASTE_POLICIES: readonly WastePolicy[] = [
  {
    key: "default",
    name: "this project's default",
    settings: {},
    note: "the defaults in core/schema/settings.ts (docs/semantics.md, Open period)",
  },
  {
    key: "backoff",
    name: "backoff 30 s x2 to 300 s (previous default)",
    settings: { openDurationSeconds: 30, openDurationMultiplier: 2, maxOpenDurationSeconds: 300, earlyProbeSeconds: 0 },
    note: "the open-period defaults before issue 16, without early re-probe",
  },
  {
    key: "resilience4j",
    name: "resilience4j default (fixed 60 s)",
    settings: { openDurationSeconds: 60, openDurationMultiplier: 1, maxOpenDurationSeconds: 60, halfOpenProbes: 1, earlyProbeSeconds: 0 },
    note: "waitDurationInOpenState 60 s; its 10 permitted half-open calls judged by failure rate become 1 probe here",
  },
  {
    key: "polly",
    name: "Polly default (fixed 5 s)",
    settings: { openDurationSeconds: 5, openDurationMultiplier: 1, maxOpenDurationSeconds: 5, halfOpenProbes: 1, earlyProbeSeconds: 0 },
    note: "BreakDuration 5 s, one half-open probe",
  },
  {
    key: "pg",
    name: "PG-sample-like (20 s, no half-open)",
    settings: {
      openDurationSeconds: 20,
      openDurationMultiplier: 1,
      maxOpenDurationSeconds: 20,
      halfOpenProbes: IN_FLIGHT,
      earlyProbeSeconds: 0,
    },
    note: `the sample's 20 s TTL; "no half-open" as ${IN_FLIGHT} probes (every call in flight goes to the target), closed after ${IN_FLIGHT} successes, re-opened by the first failure`,
  },
];

export interface WasteRun {
  policy: string;
  outage: number;
  seed: number;
  /** Added to the outage (the phase of its end against the breaker's timers). */
  spreadSeconds: number;
  /** Design second of the health-probe schedule's first run. */
  scheduleOffsetSeconds: number;
  speed: number;
  leaked: number;
  falseTrips: number;
  afterHealing: number;
  /** Design seconds from the end of the outage to CLOSED; null when it did not close. */
  timeToClosed: number | null;
  healthProbes: number;
  /** Executions of the probe branch: the schedule's runs and the loops tripping executions started. */
  probeRuns: number;
  waste: number;
  delayedStarts: number;
  realSeconds: number;
  /** Healthy path (CLOSED, one attempt, nothing reported): the most work one such execution did. */
  healthyPathMax: { executions: number; stateTransitions: number; readUnits: number; writeUnits: number; lambdaInvocations: number };
}

/** The settings a policy runs with. */
export function policySettings(p: WastePolicy): BreakerSettings {
  return loadSettings({ ...p.settings }, `policy ${p.key}`);
}

/** The recovered phase: long enough for the longest open period, plus margin (the run stops soon after CLOSED). */
export function recoverySeconds(s: BreakerSettings): number {
  return s.maxOpenDurationSeconds + 30;
}

export function spreadOf(seed: number, seeds: number): number {
  return ((seed - 1) / seeds) * PHASE_SPREAD_SECONDS;
}

export function scheduleOffsetOf(seed: number): number {
  return Math.round(stream(seed, 9001)() * SCHEDULE_SECONDS * 10) / 10;
}

export function wasteScenario(p: WastePolicy, outage: number, seed: number, seeds: number, speed: number, store: StoreKind): Scenario {
  const s = policySettings(p);
  const phase = (name: string, role: string, durationSeconds: number, failureRate: number) => ({
    name,
    role,
    durationSeconds,
    failureRate,
    latencyMs: 40,
    errorType: "ServiceUnavailable",
  });
  return validateScenario({
    name: `waste-${p.key}-${outage}s-seed${seed}`,
    store,
    speed,
    seed,
    breaker: { name: "waste", fallback: "builtin", settings: { ...p.settings } },
    traffic: { ratePerSecond: RATE, maxConcurrency: IN_FLIGHT },
    phases: [
      phase("healthy", "healthy", HEALTHY_SECONDS, 0.1),
      phase("outage", "failing", outage + spreadOf(seed, seeds), 1),
      phase("recovered", "recovering", recoverySeconds(s), 0),
    ],
  });
}

/** Stops the traffic a little after the circuit is CLOSED again once the outage is over: nothing more to count. */
function stopWhenClosed(healAt: number, abort: AbortController) {
  return (store: StateStore, tb: Timebase) => {
    let closedAt: number | null = null;
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      store
        .get("waste")
        .then((rec) => {
          const at = tb.designSeconds(Date.now());
          if (at < healAt || rec?.state !== "CLOSED") return;
          closedAt ??= at;
          if (at - closedAt >= 3) abort.abort();
        })
        .catch(() => undefined)
        .finally(() => (busy = false));
    }, 20);
    return {
      stop: async () => clearInterval(timer),
    };
  };
}

export async function runWaste(
  p: WastePolicy,
  outage: number,
  seed: number,
  seeds: number,
  speed: number,
  store: StoreKind,
  endpoints: StoreEndpoints,
): Promise<WasteRun> {
  const scenario = wasteScenario(p, outage, seed, seeds, speed, store);
  const spreadSeconds = spreadOf(seed, seeds);
  const healAt = HEALTHY_SECONDS + outage + spreadSeconds;
  const scheduleOffsetSeconds = scheduleOffsetOf(seed);
  const abort = new AbortController();
  const {
    records: kept,
    report,
    healthProbeCalls,
    healthProbeExecutions,
  } = await runLocal(scenario, {
    endpoints,
    warmUp: true,
    // The waste counts need every execution and target attempt (a bench run is short: bounded memory).
    keepRecords: true,
    signal: abort.signal,
    healthProbe: { offsetSeconds: scheduleOffsetSeconds },
    watch: stopWhenClosed(healAt, abort),
  });
  const records = kept!;
  const probesInOutage = healthProbeCalls.filter((c) => phaseAt(scenario, c.at) === 1).length;
  const leaked = records.targetCalls.filter((c) => c.phase === 1).length - probesInOutage;
  const falseTrips = records.executions.filter((e) => e.phase === 0 && e.result === "rejected").length;
  const afterHealing = records.executions.filter((e) => e.phase === 2 && e.result === "rejected").length;
  const closed = records.transitions.find((t) => t.to === "CLOSED" && t.at >= healAt);
  const h = report.awsWork.healthyPath;
  return {
    policy: p.key,
    outage,
    seed,
    spreadSeconds,
    scheduleOffsetSeconds,
    speed,
    leaked,
    falseTrips,
    afterHealing,
    timeToClosed: closed ? closed.at - healAt : null,
    healthProbes: healthProbeCalls.length,
    probeRuns: healthProbeExecutions.scheduled.length + healthProbeExecutions.startedByTrip.length,
    waste: leaked + falseTrips + afterHealing,
    delayedStarts: records.delayedStarts,
    realSeconds: records.realSeconds,
    healthyPathMax: {
      executions: h.executions,
      stateTransitions: h.max.stateTransitions,
      readUnits: h.max.readUnits,
      writeUnits: h.max.writeUnits,
      lambdaInvocations: h.max.lambdaInvocations,
    },
  };
}

export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export interface WasteArgs {
  seeds: number;
  speed: number;
  longSpeed: number;
  store: StoreKind;
  outages: number[];
  policies: string[];
}

export const WASTE_USAGE = `usage: npm run bench -- --waste [--seeds <N>] [--speed <N>] [--long-speed <N>] [--store dynamodb|redis]
                                 [--outages 10,60,600] [--policies ${WASTE_POLICIES.map((p) => p.key).join(",")}]
Runs the waste bench (issue 16): every policy on every outage at N phases (seeds), on this breaker's definition
against a local store; outages up to 60 s at --speed (default 10), longer ones at --long-speed (default 12).
Prints the medians and writes the "## Waste across outage lengths" section of BENCHMARKS.md.`;

export function parseWasteArgs(argv: string[]): WasteArgs | "help" {
  const out: WasteArgs = {
    seeds: 3,
    speed: 10,
    longSpeed: 12,
    store: "redis",
    outages: [...OUTAGES],
    policies: WASTE_POLICIES.map((p) => p.key),
  };
  const allowed = ["--seeds", "--speed", "--long-speed", "--store", "--outages", "--policies"];
  for (let i = 0; i < argv.length; i++) {
    const eq = argv[i].indexOf("=");
    const [flag, inline] = eq > 0 ? [argv[i].slice(0, eq), argv[i].slice(eq + 1)] : [argv[i], undefined];
    if (flag === "--help" || flag === "-h") return "help";
    if (!allowed.includes(flag))
      throw new CliError(`unknown option ${JSON.stringify(argv[i])} with --waste; allowed: ${allowed.join(", ")}, --help`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliError(`${flag} needs a value`);
    if (flag === "--seeds") out.seeds = numberOption(flag, value, 1, 20, true);
    else if (flag === "--speed") out.speed = numberOption(flag, value, 1, 100, false);
    else if (flag === "--long-speed") out.longSpeed = numberOption(flag, value, 1, 100, false);
    else if (flag === "--store") {
      if (value !== "dynamodb" && value !== "redis") throw new CliError(`--store is ${JSON.stringify(value)}; allowed: dynamodb, redis`);
      out.store = value;
    } else if (flag === "--outages") {
      out.outages = value.split(",").map((v) => numberOption(flag, v, 1, 3600, false));
    } else {
      const keys = WASTE_POLICIES.map((p) => p.key);
      const bad = value.split(",").find((v) => !keys.includes(v));
      if (bad !== undefined) throw new CliError(`--policies names ${JSON.stringify(bad)}; allowed: ${keys.join(", ")}`);
      out.policies = value.split(",");
    }
  }
  return out;
}
