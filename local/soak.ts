// `npm run soak`: 10,000 executions through the local runtime (runLocal, a real store process) with mixed phases:
// healthy, failing, recovering, a store crash (killed and restarted) and a slow store, then another outage.
// Prints the figures (executions, wall time, heap and RSS at start / along the run / end) and the summary table.
// tests/local/soak.test.ts runs the same soak and asserts on it.

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { cpus, totalmem } from "node:os";
import { CliError, runAsCli } from "./cli-args";
import { summaryText } from "./report/summary-table";
import { LocalRunResult, runLocal } from "./run-local";
import { phaseStarts, Scenario, STORE_KINDS, StoreKind, validateScenario } from "./scenario";
import { runAt } from "./speed";
import { MissingProgramError } from "./store-processes";
import { checkPrerequisites } from "./local-store";

/** 400 design seconds at 25 executions per design second: 10,000 executions, 100 s real at speed 4. */
export const SOAK = { ratePerSecond: 25, designSeconds: 400, speed: 4 } as const;

export function soakScenario(store: StoreKind): Scenario {
  const phase = (name: string, role: string, durationSeconds: number, failureRate: number, extra: Record<string, unknown> = {}) => ({
    name,
    role,
    durationSeconds,
    failureRate,
    latencyMs: 20,
    ...extra,
  });
  const s = validateScenario({
    name: `soak-${store}`,
    description:
      "10,000 executions: healthy, an outage, recovery, the store killed and restarted, a slow store, another outage and recovery",
    store,
    speed: SOAK.speed,
    seed: 42,
    breaker: {
      name: "soak",
      fallback: "builtin",
      settings: {
        tripRule: "consecutive",
        failureThreshold: 5,
        openDurationSeconds: 20,
        openDurationMultiplier: 1.5,
        maxOpenDurationSeconds: 60,
        halfOpenProbes: 1,
        probeLeaseSeconds: 10,
        timeoutSeconds: 10,
        retryAttempts: 1,
        retryIntervalSeconds: 1,
        retryMaxDelaySeconds: 2,
        onStoreError: "allow",
      },
    },
    traffic: { ratePerSecond: SOAK.ratePerSecond, maxConcurrency: 200 },
    phases: [
      phase("healthy", "healthy", 100, 0.05),
      phase("outage", "failing", 60, 0.9),
      phase("recovered", "recovering", 60, 0),
      phase("store-down", "healthy", 16, 0.05, { storeFault: "down" }),
      phase("healthy-2", "healthy", 60, 0.05),
      phase("store-slow", "healthy", 12, 0.05, { storeFault: "slow", storeDelayMs: 2000 }),
      phase("outage-2", "failing", 40, 0.9),
      phase("recovered-2", "recovering", 52, 0),
    ],
  });
  if (phaseStarts(s).total !== SOAK.designSeconds) throw new Error("soak phases must last SOAK.designSeconds");
  return s;
}

export interface MemorySample {
  label: string;
  /** Real seconds since the soak started. */
  atSeconds: number;
  /** Executions due by then (the schedule is fixed: rate x design seconds elapsed). */
  executionsDue: number;
  heapUsedMB: number;
  rssMB: number;
}

export interface SoakResult {
  run: LocalRunResult;
  executions: number;
  wallSeconds: number;
  samples: MemorySample[];
  /** Whether each sample was taken after a full garbage collection. */
  forcedGc: boolean;
}

/**
 * A full GC, if this V8 lets us have one: node's --expose-gc flag set at run time, and `gc` taken from a fresh
 * context (the flag only applies to contexts created after it). null when that is not possible.
 */
export function forcedGc(): (() => void) | null {
  const g = globalThis as { gc?: () => void };
  if (typeof g.gc === "function") return g.gc;
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as unknown;
    return typeof gc === "function" ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

const MB = 1024 * 1024;

/** Runs the soak; samples memory (after a forced GC when possible) at the start, at 25/50/75 % of the traffic, and at the end with the result still held. */
export async function runSoak(store: StoreKind, onLine?: (line: string) => void): Promise<SoakResult> {
  const scenario = soakScenario(store);
  const gc = forcedGc();
  const t0 = Date.now();
  const samples: MemorySample[] = [];
  let trafficStart: number | null = null;
  const sample = (label: string) => {
    gc?.();
    const m = process.memoryUsage();
    const designElapsed = trafficStart === null ? 0 : ((Date.now() - trafficStart) * scenario.speed) / 1000;
    samples.push({
      label,
      atSeconds: Math.round((Date.now() - t0) / 100) / 10,
      executionsDue: Math.min(SOAK.ratePerSecond * SOAK.designSeconds, Math.floor(designElapsed * SOAK.ratePerSecond)),
      heapUsedMB: Math.round((m.heapUsed / MB) * 10) / 10,
      rssMB: Math.round((m.rss / MB) * 10) / 10,
    });
  };
  sample("start");
  const timers: (() => void)[] = [];
  const realSeconds = SOAK.designSeconds / scenario.speed;
  const run = await runLocal(scenario, {
    // The traffic starts right after the store is ready.
    onStoreReady: () => {
      trafficStart = Date.now();
      for (const f of [0.25, 0.5, 0.75]) timers.push(runAt(trafficStart + f * realSeconds * 1000, () => sample(`${f * 100}%`)));
    },
    ...(onLine ? { onLine } : {}),
  }).finally(() => timers.forEach((cancel) => cancel()));
  sample("end");
  return {
    run,
    executions: run.report.totals.executions,
    wallSeconds: Math.round((Date.now() - t0) / 100) / 10,
    samples,
    forcedGc: gc !== null,
  };
}

function machine(): string {
  return `${cpus().length} CPUs (nproc), ${cpus()[0]?.model ?? "unknown CPU"}; ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory; Node ${process.version}`;
}

export function soakFigures(r: SoakResult): string {
  const rep = r.run.report;
  const failed = Object.values(rep.totals.failed).reduce((a, b) => a + b, 0);
  const rows = r.samples.map(
    (s) =>
      `  ${s.label.padEnd(6)} ${`${s.atSeconds.toFixed(1)} s`.padStart(8)}  ${String(s.executionsDue).padStart(6)} due  heap ${s.heapUsedMB.toFixed(1).padStart(6)} MB  rss ${s.rssMB.toFixed(1).padStart(6)} MB`,
  );
  return [
    `soak on ${rep.scenario.store}: ${r.executions} executions in ${r.wallSeconds.toFixed(1)} s wall (${rep.realSeconds.toFixed(1)} s of traffic, ${rep.delayedStarts} delayed starts)`,
    `failed for reasons other than the breaker: ${failed}; store errors: ${rep.totals.storeErrors}; transitions: ${rep.transitions.length}`,
    `memory (${r.forcedGc ? "after a forced GC" : "no forced GC available"}):`,
    ...rows,
    `machine: ${machine()}`,
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  let store: StoreKind = "redis";
  try {
    for (let i = 0; i < argv.length; i++) {
      const [flag, inline] = argv[i].includes("=")
        ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
        : [argv[i], undefined];
      if (flag === "--help" || flag === "-h") {
        process.stdout.write("usage: npm run soak -- [--store redis|dynamodb]   (default redis)\n");
        return 0;
      }
      if (flag !== "--store") throw new CliError(`unknown option ${JSON.stringify(argv[i])}; allowed: --store, --help`);
      const value = inline ?? argv[++i];
      if (!STORE_KINDS.includes(value as StoreKind))
        throw new CliError(`--store is ${JSON.stringify(value)}; allowed: ${STORE_KINDS.join(", ")}`);
      store = value as StoreKind;
    }
    checkPrerequisites(store, {}, "npm run soak");
  } catch (e) {
    if (e instanceof CliError || e instanceof MissingProgramError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e instanceof CliError ? 2 : 3;
    }
    throw e;
  }
  process.env.DDB_LOCAL_TELEMETRY = "0";
  process.stderr.write(
    `soak: ${SOAK.ratePerSecond * SOAK.designSeconds} executions on ${store}, about ${SOAK.designSeconds / SOAK.speed} s of traffic\n`,
  );
  const r = await runSoak(store, (line) => process.stderr.write(line + "\n"));
  process.stdout.write("\n" + summaryText(r.run.report) + "\n\n" + soakFigures(r) + "\n");
  return 0;
}

if (require.main === module) runAsCli(main);
