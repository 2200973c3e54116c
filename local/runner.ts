// Runs a scenario's traffic through a local state machine and records what happened: every execution
// (its result and the AWS work it did), every target attempt, and the breaker's transitions. Each execution
// and attempt goes to a sink as it finishes (streamScenario), so a run of any length holds nothing per execution;
// runScenario keeps them all (the bench, tests).

import { LocalExecutionResult } from "./sfn-runtime";
import { LiveView } from "./live-view";
import { ExecutionRecord, ResultKind, RunRecords, RunSummary, TargetCall, TransitionRecord } from "./report/records";
import { phaseStarts, Scenario } from "./scenario";
import { Timebase } from "./speed";
import { LocalTarget } from "./target";
import { Arrival, driveTraffic, phaseAt } from "./traffic";
import { ExecutionWork, metered } from "./work-meter";
import { StateStore } from "../core/state-store";
import { METRICS } from "../core/metric-names";
import { StoreFaultControl } from "./store-faults";

/** One transition as an observer saw it (epoch ms). */
export interface ObservedTransition {
  atMs: number;
  from: string;
  to: string;
  reason: string;
  /** Unique per transition (the generation it created). */
  gen: number;
}

/** Reads the breaker's current state and its recent transitions. */
export interface StateObserver {
  poll(): Promise<{ state: string; transitions: ObservedTransition[] }>;
}

/** Our stores keep the last transitions in the record itself (newest first, generation-numbered). */
export function storeObserver(store: StateStore, breaker: string): StateObserver {
  return {
    async poll() {
      const rec = await store.get(breaker);
      if (!rec) return { state: "CLOSED", transitions: [] };
      return {
        state: rec.state,
        transitions: rec.history.map((t) => ({ atMs: t.at, from: t.from, to: t.to, reason: t.reason, gen: t.gen })),
      };
    },
  };
}

export interface RunSetup {
  scenario: Scenario;
  /** Where design time 0 is; the runner sets it when the traffic starts. */
  timing: { tb: Timebase };
  /** One execution (the runner wraps it in the work meter). */
  execute: (input: unknown, executionName: string) => Promise<LocalExecutionResult>;
  /** Names of the definition's Task states (a retry of one is a billed transition too). */
  taskStates: ReadonlySet<string>;
  target: LocalTarget;
  observer: StateObserver;
  /** Metric counts the handlers emit into (read at the end). */
  metrics: Record<string, number>;
  /** Gets the live line once per real second. */
  onLine?: (line: string) => void;
  /** Stops starting executions (Ctrl-C); the running ones finish. */
  signal?: AbortSignal;
  /** Whether an execution took the design's healthy path (CLOSED, one attempt, nothing recorded). */
  isHealthyPath?: (r: LocalExecutionResult) => boolean;
  /** Whether an execution was a probe (asked for a HALF_OPEN lease). */
  isProbe?: (r: LocalExecutionResult, work: ExecutionWork) => boolean;
  /** How often the observer is polled, real ms (default 100). */
  pollMs?: number;
  /** Starts the scenario's store faults on the run's design clock (local/store-faults.ts); stopped when the traffic is done. */
  storeFaults?: (tb: Timebase) => StoreFaultControl;
  /** Started with the traffic on its design clock, stopped once the traffic is done (the scheduled health probe). */
  sidecars?: ((tb: Timebase) => { stop(): Promise<void> })[];
}

/** How an execution ended, from the executor's result and the target attempts it made. */
export function resultOf(
  r: LocalExecutionResult,
  targetAttempts: number,
): Pick<ExecutionRecord, "result" | "error" | "fallbackReason" | "fallbackServed"> {
  if (r.status === "SUCCEEDED") {
    const out = (r.output ?? {}) as { fallback?: unknown; response?: { reason?: unknown; error?: unknown } };
    if (out.fallback === true) {
      const why = typeof out.response?.reason === "string" ? out.response.reason : undefined;
      const reason = why && typeof out.response?.error === "string" ? `${why}: ${out.response.error}` : why;
      const kind: ResultKind = targetAttempts === 0 ? "rejected" : "fallback";
      return { result: kind, fallbackServed: true, ...(reason ? { fallbackReason: reason } : {}) };
    }
    return { result: "succeeded", fallbackServed: false };
  }
  const error = r.error ?? r.status;
  if (error === "CircuitOpen" && targetAttempts === 0) return { result: "rejected", error, fallbackServed: false };
  return { result: "failed", error, fallbackServed: false };
}

/** Transitions entered plus retries: what Standard bills (each retry is a transition). */
export function stateTransitions(r: LocalExecutionResult, taskStates: ReadonlySet<string>): number {
  const taskEntries = r.states.filter((s) => taskStates.has(s)).length;
  return r.states.length + Math.max(0, r.calls.length - taskEntries);
}

/** Where a run's records go as they finish. */
export interface RunSink {
  execution(e: ExecutionRecord): void;
  targetCall(c: TargetCall): void;
}

/** Runs the scenario and keeps every record (executions in index order): for the bench and short runs. */
export async function runScenario(setup: RunSetup): Promise<RunRecords> {
  const executions: ExecutionRecord[] = [];
  const targetCalls: TargetCall[] = [];
  const summary = await streamScenario(setup, { execution: (e) => executions.push(e), targetCall: (c) => targetCalls.push(c) });
  executions.sort((a, b) => a.index - b.index);
  return { ...summary, executions, targetCalls };
}

/** Runs the scenario, handing each execution and target attempt to `sink` as it finishes. */
export async function streamScenario(setup: RunSetup, sink: RunSink): Promise<RunSummary> {
  const { scenario, timing } = setup;
  const { total } = phaseStarts(scenario);
  const seen = new Map<number, ObservedTransition>();
  let state = "CLOSED";
  let polling: Promise<void> | null = null;
  const poll = () => {
    if (!polling) {
      polling = setup.observer
        .poll()
        .then((p) => {
          state = p.state;
          for (const t of p.transitions) if (!seen.has(t.gen)) seen.set(t.gen, t);
        })
        .catch(() => undefined)
        .finally(() => (polling = null));
    }
    return polling;
  };
  await poll();
  const initialState = state;
  const before = new Set(seen.keys());

  const tb = new Timebase(scenario.speed, Date.now());
  timing.tb = tb;
  const counts = { finished: 0, rejected: 0, fallbacks: 0, failed: 0, storeErrors: 0 };

  const runOne = async (a: Arrival): Promise<void> => {
    const startReal = Date.now();
    const name = `${scenario.breaker.name}-${scenario.seed}-${a.index}-${startReal.toString(36)}`;
    const { work, result } = await metered(() => setup.execute({ request: { id: a.index, phase: scenario.phases[a.phase].name } }, name));
    const endReal = Date.now();
    let r: LocalExecutionResult;
    if (result.status === "fulfilled") r = result.value;
    else {
      const e = result.reason as Error;
      r = {
        executionName: name,
        status: "FAILED",
        error: e?.name ?? "LocalRuntimeError",
        cause: e?.message,
        startDate: startReal,
        stopDate: endReal,
        states: [],
        calls: [],
      };
    }
    const kind = resultOf(r, work.targetAttempts);
    const phase = a.phase;
    // What the handlers counted (one StoreErrors per failed store operation, whichever handler met it), not
    // the states entered: the report-store-error state sees only failed DynamoDB reads, not a failed Redis
    // read (get-status answers it), a failed probe lease or a failed outcome report.
    const storeErrors = work.metricsEmitted[METRICS.storeErrors] ?? 0;
    sink.execution({
      index: a.index,
      phase,
      targetLatencyMs: scenario.phases[phase].latencyMs,
      startedAt: tb.designSeconds(startReal),
      endedAt: tb.designSeconds(endReal),
      durationMs: tb.designMs(endReal - startReal),
      ...kind,
      probe: setup.isProbe ? setup.isProbe(r, work) : false,
      healthyPath: kind.result === "succeeded" && work.targetAttempts === 1 && (setup.isHealthyPath ? setup.isHealthyPath(r) : true),
      stateTransitions: stateTransitions(r, setup.taskStates),
      storeErrors,
      work,
    });
    counts.finished += 1;
    counts.storeErrors += storeErrors;
    if (kind.result === "rejected") counts.rejected += 1;
    if (kind.fallbackServed) counts.fallbacks += 1;
    if (kind.result === "failed") counts.failed += 1;
  };

  const unlisten = setup.target.listen((c) => sink.targetCall(c));
  // The faults first: the traffic may start executions at once, and each first brings the store to its phase.
  const faults = setup.storeFaults?.(tb) ?? null;
  const sidecars = (setup.sidecars ?? []).map((start) => start(tb));
  const traffic = driveTraffic(scenario, tb, (a) => {
    faults?.reach(a.phase);
    return runOne(a);
  });
  const onAbort = () => traffic.stop();
  setup.signal?.addEventListener("abort", onAbort);
  if (setup.signal?.aborted) traffic.stop();
  const poller = setInterval(() => void poll(), setup.pollMs ?? 100);
  const live = new LiveView();
  const ticker = setInterval(() => {
    if (!setup.onLine) return;
    const at = tb.designSeconds(Date.now());
    const calls = setup.target.counts;
    const current = at < total ? scenario.phases[phaseAt(scenario, at)] : null;
    setup.onLine(
      live.line({
        at,
        total,
        phase: current ? current.name : "draining",
        storeFault: current?.storeFault ?? "none",
        state,
        started: traffic.started(),
        finished: counts.finished,
        inFlight: traffic.inFlight(),
        targetCalls: calls.attempts,
        targetFailures: calls.failures,
        rejected: counts.rejected,
        fallbacks: counts.fallbacks,
        failed: counts.failed,
        storeErrors: counts.storeErrors,
      }),
    );
  }, 1000);
  let delayedStarts: number;
  let storeFaults: RunRecords["storeFaults"] = [];
  try {
    delayedStarts = (await traffic.done).delayedStarts;
    await Promise.all(sidecars.map((s) => s.stop()));
    // The store is back to normal (restarted, undelayed) before the last poll.
    if (faults) storeFaults = await faults.stop();
  } finally {
    clearInterval(poller);
    clearInterval(ticker);
    setup.signal?.removeEventListener("abort", onAbort);
    unlisten();
  }
  const endReal = Date.now();
  while (polling) await polling;
  await poll();
  const transitions: TransitionRecord[] = [...seen.values()]
    .filter((t) => !before.has(t.gen))
    .sort((a, b) => a.gen - b.gen)
    .map((t) => ({ at: tb.designSeconds(t.atMs), from: t.from, to: t.to, reason: t.reason, gen: t.gen }));
  return {
    transitions,
    initialState,
    metrics: { ...setup.metrics },
    // An interrupted run ends when its last execution did, not at the scenario's end (the report covers what ran).
    endedAt: setup.signal?.aborted ? tb.designSeconds(endReal) : Math.max(tb.designSeconds(endReal), total),
    realSeconds: (endReal - tb.startMs) / 1000,
    delayedStarts,
    storeFaults,
  };
}
