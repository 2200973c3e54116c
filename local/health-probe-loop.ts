// The scheduled health probe, as EventBridge Scheduler runs it: every 60 design seconds (its minimum rate is one
// minute), at an offset, it starts the breaker's OWN state machine with the probe input (HEALTH_PROBE_INPUT), through
// the same executor that runs the callers' executions. What a run does (probe when due, early re-probe at each
// probeAt while the circuit stays OPEN, within the loop's budget) is the deployed definition's health-probe branch
// (core/definition/health-probe-branch.ts); nothing here decides anything.

import type { HealthProbeInput } from "../core/definition/health-probe-branch";
import type { LocalExecutionResult, StartedExecution } from "./sfn-runtime";
import { Timebase } from "./speed";
import { metered } from "./work-meter";

/** EventBridge Scheduler's minimum rate. */
export const SCHEDULE_SECONDS = 60;

/** The probe request the local schedule sends; the target sees it, so its calls can be told from the callers'. */
export const LOCAL_PROBE_REQUEST = { healthProbe: true } as const;

export interface ProbeCall {
  /** Design seconds. */
  at: number;
  ok: boolean;
}

export interface HealthProbeScheduleOptions {
  /** Design second of the schedule's first run (0 to 60): the schedule's phase against the traffic. */
  offsetSeconds: number;
  tb: Timebase;
  /** Starts one execution of the breaker's state machine (the runner's executor). */
  execute: (input: HealthProbeInput, executionName: string) => Promise<LocalExecutionResult>;
}

export interface HealthProbeSchedule {
  /** Every probe execution, in start order, once it ended. */
  executions: LocalExecutionResult[];
  stop(): Promise<void>;
}

/** Whether a target event is the local schedule's probe request. */
export function isProbeRequest(event: unknown): boolean {
  return typeof event === "object" && event !== null && (event as Record<string, unknown>).healthProbe === true;
}

export function startHealthProbeSchedule(o: HealthProbeScheduleOptions): HealthProbeSchedule {
  const executions: LocalExecutionResult[] = [];
  let stopped = false;
  const running = new Set<Promise<void>>();
  let cancel: (() => void) | null = null;
  const input: HealthProbeInput = { healthProbe: { request: { ...LOCAL_PROBE_REQUEST } } };

  const schedule = (k: number) => {
    cancel = o.tb.runAt(o.offsetSeconds + k * SCHEDULE_SECONDS, () => {
      cancel = null;
      if (stopped) return;
      const run = o
        .execute(input, `health-probe-${k}-${Math.random().toString(36).slice(2, 10)}`)
        .then((r) => void executions.push(r))
        .catch(() => undefined)
        .finally(() => running.delete(run));
      running.add(run);
      schedule(k + 1);
    });
  };
  schedule(0);

  return {
    executions,
    async stop() {
      stopped = true;
      cancel?.();
      cancel = null;
      await Promise.allSettled([...running]);
    },
  };
}

/** The probe loops the tripping executions start (core/definition/probe-loop-start.ts), as the local runtime hands them over. */
export interface StartedProbeLoops {
  /** The local runtime's startExecution option: runs each at once, on its own work meter (not the caller's). */
  startExecution(started: StartedExecution): void;
  /** Every started loop, in start order, once it ended. */
  executions: LocalExecutionResult[];
  /** Waits for the loops still running (each ends by its own bounds), also those they start meanwhile. */
  stop(): Promise<void>;
}

export function trackStartedProbeLoops(): StartedProbeLoops {
  const executions: LocalExecutionResult[] = [];
  const running = new Set<Promise<void>>();
  return {
    executions,
    startExecution(started) {
      const run = metered(() => started.run())
        .then(({ result }) => void (result.status === "fulfilled" && executions.push(result.value)))
        .finally(() => running.delete(run));
      running.add(run);
    },
    async stop() {
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
