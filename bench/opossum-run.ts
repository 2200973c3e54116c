// opossum, the Node circuit-breaker library, as a Lambda would use it: one breaker per container, so each
// container learns about an outage on its own. The same traffic, seeded target and retry policy as the
// state machines; the executions are spread over CONTAINERS containers.

import CircuitBreaker from "opossum";
import { sleep } from "../functions/shared/sleep";
import { RunRecords } from "../local/report/records";
import { mulberry32 } from "../local/rng";
import { runScenario, StateObserver } from "../local/runner";
import { Scenario } from "../local/scenario";
import { LocalExecutionResult } from "../local/sfn-runtime";
import { Timebase } from "../local/speed";
import { localTarget } from "../local/target";

export const CONTAINERS = 10;
/** opossum's defaults for what the scenario's settings have no equivalent of: open at this failure percentage of the rolling window... */
export const ERROR_THRESHOLD_PERCENTAGE = 50;
/** ...of this many design seconds (opossum's rollingCountTimeout default, 10 s, in 10 buckets). */
export const ROLLING_WINDOW_SECONDS = 10;

export interface FleetEvent {
  atMs: number;
  container: number;
  state: "OPEN" | "HALF_OPEN" | "CLOSED";
}

export interface OpossumRun {
  records: RunRecords;
  events: FleetEvent[];
  /** Design seconds of real epoch ms. */
  tb: Timebase;
}

function timeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => {
      const e = new Error(`attempt timed out after ${ms} ms`);
      e.name = "States.Timeout";
      reject(e);
    }, ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

export async function runOpossum(scenario: Scenario): Promise<OpossumRun> {
  const s = scenario.breaker.settings;
  const speed = scenario.speed;
  const timing = { tb: new Timebase(speed, Date.now()) };
  const target = localTarget(scenario, () => timing.tb);
  const events: FleetEvent[] = [];

  // The same retry policy the state machine's Retry applies: retryAttempts retries, exponential backoff, full jitter.
  const callWithRetry = async (request: unknown): Promise<unknown> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await timeout(target.handler(request) as Promise<unknown>, (s.timeoutSeconds * 1000) / speed);
      } catch (e) {
        if (s.ignoredErrors.includes((e as Error).name) || attempt >= s.retryAttempts) throw e;
        const cap = Math.min(s.retryMaxDelaySeconds, s.retryIntervalSeconds * Math.pow(s.retryBackoffRate, attempt));
        await sleep((Math.random() * cap * 1000) / speed);
      }
    }
  };

  const breakers = Array.from({ length: CONTAINERS }, (_, i) => {
    const b = new CircuitBreaker(callWithRetry, {
      timeout: false,
      errorThresholdPercentage: ERROR_THRESHOLD_PERCENTAGE,
      volumeThreshold: s.failureThreshold,
      resetTimeout: (s.openDurationSeconds * 1000) / speed,
      rollingCountTimeout: (ROLLING_WINDOW_SECONDS * 1000) / speed,
      rollingCountBuckets: 10,
      errorFilter: (e: Error) => s.ignoredErrors.includes(e.name),
    });
    b.fallback((_request: unknown, err?: Error & { code?: string }) => ({
      fallback: true,
      reason: err?.code === "EOPENBREAKER" ? "open" : "target failed",
    }));
    b.on("open", () => events.push({ atMs: Date.now(), container: i, state: "OPEN" }));
    b.on("halfOpen", () => events.push({ atMs: Date.now(), container: i, state: "HALF_OPEN" }));
    b.on("close", () => events.push({ atMs: Date.now(), container: i, state: "CLOSED" }));
    return b;
  });

  const fleetState = (): string => {
    const open = breakers.filter((b) => b.opened).length;
    const half = breakers.filter((b) => b.halfOpen).length;
    return open === 0 && half === 0 ? "CLOSED" : `${open} OPEN/${half} HALF`;
  };
  const observer: StateObserver = { poll: async () => ({ state: fleetState(), transitions: [] }) };

  const records = await runScenario({
    scenario,
    timing,
    execute: async (input, name): Promise<LocalExecutionResult> => {
      const index = (input as { request: { id: number } }).request.id;
      const container = Math.floor(mulberry32((scenario.seed * 2654435761 + index) >>> 0)() * CONTAINERS);
      const started = Date.now();
      const base = { executionName: name, startDate: started, states: [], calls: [] };
      try {
        const out = (await breakers[container].fire((input as { request: unknown }).request)) as
          { fallback?: boolean; reason?: string } | undefined;
        const stopDate = Date.now();
        if (out && out.fallback === true)
          return { ...base, stopDate, status: "SUCCEEDED", output: { fallback: true, response: { reason: out.reason } } };
        return { ...base, stopDate, status: "SUCCEEDED", output: { fallback: false, response: out } };
      } catch (e) {
        return { ...base, stopDate: Date.now(), status: "FAILED", error: (e as Error).name, cause: (e as Error).message };
      }
    },
    taskStates: new Set(),
    target,
    observer,
    metrics: {},
    isHealthyPath: () => true,
  });
  for (const b of breakers) b.shutdown();
  return { records, events, tb: timing.tb };
}
