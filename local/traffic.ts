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

/** How many executions the scenario starts: one every 1 / ratePerSecond design seconds, for all phases. */
export function arrivalCount(scenario: Scenario): number {
  const { total } = phaseStarts(scenario);
  const rate = scenario.traffic.ratePerSecond;
  let n = Math.ceil(total * rate - 1e-9);
  while (n > 0 && (n - 1) / rate >= total - 1e-9) n -= 1;
  while (n / rate < total - 1e-9) n += 1;
  return n;
}

/** Arrival `index` of the schedule (computed when it falls due: a day at 10,000/s is 8.6e8 of them). */
export function arrivalAt(scenario: Scenario, index: number): Arrival {
  const due = index / scenario.traffic.ratePerSecond;
  return { index, due, phase: phaseAt(scenario, due) };
}

/** The whole schedule (for tests and small scenarios; the traffic itself never builds it). */
export function schedule(scenario: Scenario): Arrival[] {
  return Array.from({ length: arrivalCount(scenario) }, (_, i) => arrivalAt(scenario, i));
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
  // Arrivals are made as they fall due, never all up front: memory stays flat whatever rate x duration is.
  const count = arrivalCount(scenario);
  const dueAt = (i: number) => i / scenario.traffic.ratePerSecond;
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
    if (running === 0 && (stopped || next >= count)) resolveDone({ started, delayedStarts: delayed });
  };

  const pump = () => {
    timer = null;
    if (stopped) return finishIfIdle();
    const now = Date.now();
    while (next < count && running < limit && tb.reached(dueAt(next), now)) {
      const a = arrivalAt(scenario, next++);
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
    if (next < count && running >= limit && tb.reached(dueAt(next), now)) {
      // Due but no slot: counted once, started when a running execution finishes.
      if (blocked !== next) {
        blocked = next;
        delayed += 1;
      }
      return;
    }
    if (next >= count) return finishIfIdle();
    timer = tb.runAt(dueAt(next), pump);
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
