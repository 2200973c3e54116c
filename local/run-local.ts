// One local run of this project's breaker: open the store, assemble the breaker, drive the scenario,
// build the report as executions finish; the store (and any process started for it) is released whatever happens.

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STATE_NAMES } from "../core/state-machine-definition";
import { Log } from "../functions/shared/logging";
import { MetricsSink } from "../functions/shared/metrics";
import { LOCAL_FUNCTIONS, localBreaker } from "./local-breaker";
import { LocalStore, openLocalStore, StoreEndpoints } from "./local-store";
import { ExecutionRecord, RunRecords, TargetCall } from "./report/records";
import { Report, ReportBuilder } from "./report/report";
import { renderHtml } from "./report/report-html";
import { streamScenario, storeObserver } from "./runner";
import { Scenario } from "./scenario";
import { taskStateNames } from "./sfn-runtime";
import { checkStoreFaults, driveStoreFaults, storeFaultNeeds, StoreFaultHook } from "./store-faults";
import { Timebase } from "./speed";
import { DynamoLocal, RedisServer } from "./store-processes";
import { localTarget } from "./target";
import { isProbeRequest, LOCAL_PROBE_REQUEST, ProbeCall, startHealthProbeSchedule, trackStartedProbeLoops } from "./health-probe-loop";
import { LocalExecutionResult } from "./sfn-runtime";
import { StateStore } from "../core/state-store";
import { countMetrics } from "./work-meter";
import { warmUpRun } from "./warm-up";

export interface LocalRunOptions {
  endpoints?: StoreEndpoints;
  onLine?: (line: string) => void;
  /** Called once the store is open (with its description). */
  onStoreReady?: (description: string) => void;
  /** Called when a process is started, before it answers (so Ctrl-C can stop it even during start-up). */
  onProcessStarted?: (p: DynamoLocal | RedisServer) => void;
  signal?: AbortSignal;
  /** Handler logs (default: dropped). */
  log?: Log;
  /** Called after each store fault action (kill, restart, delay) with the store. */
  onStoreFault?: StoreFaultHook;
  /** Gets each execution's record as it finishes (to stream them to a file, say). */
  onExecution?: (e: ExecutionRecord) => void;
  /** Keep every execution and target attempt in the result's `records` (tests; memory grows with the run). */
  keepRecords?: boolean;
  /** The scheduled health probe (local/health-probe-loop.ts): the definition's probe branch, first run at this design second. */
  healthProbe?: { offsetSeconds: number };
  /** Started with the traffic, stopped when it is done: watches the store (the waste bench stops a run once it has closed). */
  watch?: (store: StateStore, tb: Timebase) => { stop(): Promise<void> };
  /** Warm the store and the handlers first (local/warm-up.ts); the report's clock starts after, its executions are not counted. */
  warmUp?: boolean;
}

export interface LocalRunResult {
  report: Report;
  /** Every record, when the run was asked to keep them (keepRecords); null otherwise. */
  records: RunRecords | null;
  /** Cross-checks of the report's counts, kept whatever keepRecords says. */
  tally: {
    /** Target attempts the target itself counted. */
    targetAttempts: number;
    /** Target attempts as the executions' work meters counted them. */
    attemptsInExecutions: number;
  };
  /** The target's seeded outcomes per phase, in draw order (the first SEQUENCE_KEPT of each, local/target.ts). */
  sequence: string[][];
  storeDescription: string;
  /** The health probe's target attempts (with healthProbe), design seconds. */
  healthProbeCalls: ProbeCall[];
  /** The probe branch's executions (with healthProbe): the schedule's, and the loops tripping executions started. */
  healthProbeExecutions: { scheduled: LocalExecutionResult[]; startedByTrip: LocalExecutionResult[] };
}

const HEALTHY_ENDS: string[] = [STATE_NAMES.callTarget, STATE_NAMES.callTargetNew];

export const SILENT_LOG: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Counts the CloudWatch metrics the handlers emit, by name (what the dashboard would show): in total, and
 * per execution (the handler publishes inside the execution's work meter, local/work-meter.ts).
 */
export function countingSink(into: Record<string, number>): MetricsSink {
  return {
    publish(_breaker, values) {
      for (const [name, v] of values) into[name] = (into[name] ?? 0) + v;
      countMetrics(values);
    },
  };
}

export async function runLocal(scenario: Scenario, o: LocalRunOptions = {}): Promise<LocalRunResult> {
  // A store fault phase against an external store cannot be honoured: a ScenarioError before anything starts.
  checkStoreFaults(scenario, o.endpoints ?? {});
  const store: LocalStore = await openLocalStore(
    scenario.store,
    scenario.breaker.name,
    o.endpoints ?? {},
    o.onProcessStarted,
    storeFaultNeeds(scenario),
  );
  try {
    o.onStoreReady?.(store.description);
    const log = o.log ?? SILENT_LOG;
    if (o.warmUp) await warmUpRun(store, scenario.breaker.name, scenario.breaker.settings, scenario.speed, log);
    const metrics: Record<string, number> = {};
    const timing = { tb: new Timebase(scenario.speed, Date.now()) };
    const target = localTarget(scenario, () => timing.tb);
    // The health probe's target attempts, told from the callers' by the probe request the schedule sends.
    const probeCalls: ProbeCall[] = [];
    const targetHandler = !o.healthProbe
      ? target.handler
      : async (event: unknown) => {
          if (!isProbeRequest(event)) return target.handler(event);
          const at = timing.tb.designSeconds(Date.now());
          try {
            const out = await target.handler(event);
            probeCalls.push({ at, ok: true });
            return out;
          } catch (e) {
            probeCalls.push({ at, ok: false });
            throw e;
          }
        };
    // The loops a tripping execution starts (as deployed with a health probe): waited for with the schedule's runs.
    const loops = o.healthProbe ? trackStartedProbeLoops() : null;
    const { machine } = localBreaker({
      breakerName: scenario.breaker.name,
      settings: scenario.breaker.settings,
      fallback: scenario.breaker.fallback,
      store,
      speed: scenario.speed,
      target: targetHandler,
      metrics: countingSink(metrics),
      log,
      ...(loops ? { healthProbe: { request: { ...LOCAL_PROBE_REQUEST }, startExecution: loops.startExecution } } : {}),
    });
    const startedAt = new Date();
    const sidecars: ((tb: Timebase) => { stop(): Promise<void> })[] = [];
    let scheduled: LocalExecutionResult[] = [];
    if (o.healthProbe) {
      const offsetSeconds = o.healthProbe.offsetSeconds;
      sidecars.push((tb) => {
        const schedule = startHealthProbeSchedule({
          offsetSeconds,
          tb,
          execute: (input, name) => machine.run(input, { executionName: name }),
        });
        scheduled = schedule.executions;
        return schedule;
      });
    }
    if (loops) sidecars.push(() => loops);
    if (o.watch) {
      const watch = o.watch;
      sidecars.push((tb) => watch(store.store, tb));
    }
    const builder = new ReportBuilder(scenario);
    const executions: ExecutionRecord[] = [];
    const targetCalls: TargetCall[] = [];
    const sink = {
      execution(e: ExecutionRecord) {
        builder.addExecution(e);
        o.onExecution?.(e);
        if (o.keepRecords) executions.push(e);
      },
      targetCall(c: TargetCall) {
        builder.addTargetCall(c);
        if (o.keepRecords) targetCalls.push(c);
      },
    };
    const summary = await streamScenario(
      {
        scenario,
        timing,
        execute: (input, name) => machine.run(input, { executionName: name }),
        taskStates: taskStateNames(machine.definition),
        target,
        observer: storeObserver(store.store, scenario.breaker.name),
        metrics,
        isProbe: (_r, work) => (work.lambda[LOCAL_FUNCTIONS.acquireProbe] ?? 0) > 0,
        // The definition's healthy path ends in CallTarget (CLOSED, nothing to report), or CallTargetNew before the
        // breaker has a record; its work is measured, not assumed.
        isHealthyPath: (r) => HEALTHY_ENDS.includes(r.states[r.states.length - 1]),
        ...(scenario.phases.some((p) => p.storeFault !== "none")
          ? { storeFaults: (tb: Timebase) => driveStoreFaults(scenario, tb, store, o.onStoreFault) }
          : {}),
        ...(sidecars.length ? { sidecars } : {}),
        ...(o.onLine ? { onLine: o.onLine } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
      },
      sink,
    );
    executions.sort((a, b) => a.index - b.index);
    return {
      report: builder.report(summary, startedAt),
      records: o.keepRecords ? { ...summary, executions, targetCalls } : null,
      tally: { targetAttempts: target.counts.attempts, attemptsInExecutions: builder.attemptsInExecutions },
      sequence: target.sequence,
      storeDescription: store.description,
      healthProbeCalls: probeCalls,
      healthProbeExecutions: { scheduled, startedByTrip: loops?.executions ?? [] },
    };
  } finally {
    await store.dispose();
  }
}

/** Writes report.json and report.html into `dir` (created if needed); returns their paths. */
export function writeReport(dir: string, report: Report): { json: string; html: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, "report.json");
  const html = join(dir, "report.html");
  writeFileSync(json, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(html, renderHtml(report));
  return { json, html };
}
