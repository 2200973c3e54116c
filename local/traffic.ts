// The traffic of a scenario: execution i is due at design second i / ratePerSecond, for the length of
// all phases. At most maxConcurrency run at once; a due execution waits for a free slot (a delayed start).
// The schedule depends only on the scenario, so two runs of the same scenario start the same executions.

import { phaseStarts, Scenario } from "./scenario";
import { Timebase } from "./speed";

export interface Arrival {
  index: number;
  /** Design second it was due. */
  due: number;
  /** The phase it belongs to (by due time). */
  phase: number;
}

/** The phase in effect at design second `t` (the last one after the end). */
export function phaseAt(scenario: Scenario, t: number): number {
  const { starts } = phaseStarts(scenario);
  for (let i = starts.length - 1; i >= 0; i--) if (t >= starts[i]) return i;
  return 0;
}

export function schedule(scenario: Scenario): Arrival[] {
  const { total } = phaseStarts(scenario);
  const out: Arrival[] = [];
  const rate = scenario.traffic.ratePerSecond;
  for (let i = 0; i / rate < total - 1e-9; i++) out.push({ index: i, due: i / rate, phase: phaseAt(scenario, i / rate) });
  return out;
}

export interface TrafficControl {
  /** Stop starting executions (the running ones finish). */
  stop(): void;
  /** Resolves when every started execution finished. */
  done: Promise<{ started: number; delayedStarts: number }>;
  inFlight(): number;
  started(): number;
}

/** Starts `run(arrival)` for every arrival on time (real time = design time / speed), within the concurrency limit. */
export function driveTraffic(scenario: Scenario, tb: Timebase, run: (a: Arrival) => Promise<void>): TrafficControl {
  const arrivals = schedule(scenario);
  const limit = scenario.traffic.maxConcurrency;
  let next = 0;
  let running = 0;
  let started = 0;
  let delayed = 0;
  let stopped = false;
  /** Cancels the pending wake-up for the next arrival (null when none is armed). */
  let timer: (() => void) | null = null;
  /** The arrival last found due without a free slot (arrivals start in order, so one index is enough). */
  let blocked = -1;
  let resolveDone!: (v: { started: number; delayedStarts: number }) => void;
  const done = new Promise<{ started: number; delayedStarts: number }>((r) => (resolveDone = r));

  const finishIfIdle = () => {
    if (running === 0 && (stopped || next >= arrivals.length)) resolveDone({ started, delayedStarts: delayed });
  };

  const pump = () => {
    timer = null;
    if (stopped) return finishIfIdle();
    const now = Date.now();
    while (next < arrivals.length && running < limit && tb.reached(arrivals[next].due, now)) {
      const a = arrivals[next++];
      running += 1;
      started += 1;
      run(a)
        .catch(() => undefined)
        .finally(() => {
          running -= 1;
          if (!timer) pump();
          finishIfIdle();
        });
    }
    if (next < arrivals.length && running >= limit && tb.reached(arrivals[next].due, now)) {
      // Due but no slot: counted once, started when a running execution finishes.
      if (blocked !== next) {
        blocked = next;
        delayed += 1;
      }
      return;
    }
    if (next >= arrivals.length) return finishIfIdle();
    timer = tb.runAt(arrivals[next].due, pump);
  };
  pump();
  return {
    stop() {
      stopped = true;
      timer?.();
      timer = null;
      finishIfIdle();
    },
    done,
    inFlight: () => running,
    started: () => started,
  };
}
