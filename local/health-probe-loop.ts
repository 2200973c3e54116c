// The scheduled health probe, simulated on the run's design clock: EventBridge Scheduler starts a run every
// 60 design seconds (its minimum rate is one minute), at an offset; each run probes like the deployed
// health-probe handler (the same handler, in process) and, while the circuit stays OPEN with early probing
// on (earlyProbeSeconds), waits until the record's probeAt and probes again, within RUN_BUDGET_SECONDS so that
// one run ends before the next starts (and well inside EXPRESS's 300 s).

import { makeHealthProbeHandler } from "../functions/handler-factories/health-probe";
import { HandlerDeps } from "../functions/shared/runtime";
import { StateStore } from "../core/state-store";
import { Timebase } from "./speed";

/** EventBridge Scheduler's minimum rate. */
export const SCHEDULE_SECONDS = 60;
/** How long one scheduled run may keep re-probing (design seconds). */
export const RUN_BUDGET_SECONDS = 55;

export interface ProbeCall {
  /** Design seconds. */
  at: number;
  ok: boolean;
}

export interface HealthProbeLoopOptions {
  /** Design second of the schedule's first run (0 to 60): the schedule's phase against the traffic. */
  offsetSeconds: number;
  breaker: string;
  deps: HandlerDeps;
  store: StateStore;
  tb: Timebase;
  /** The target as the health probe calls it (one attempt, no retries). */
  target: (event: unknown) => Promise<unknown>;
}

export interface HealthProbeLoop {
  /** Every target attempt the health probe made. */
  calls: ProbeCall[];
  stop(): Promise<void>;
}

export function startHealthProbeLoop(o: HealthProbeLoopOptions): HealthProbeLoop {
  const calls: ProbeCall[] = [];
  let stopped = false;
  const running = new Set<Promise<void>>();
  const cancels = new Set<() => void>();
  const handler = makeHealthProbeHandler({
    ...o.deps,
    invoke: async (request) => {
      const at = o.tb.designSeconds(Date.now());
      try {
        await o.target(request);
        calls.push({ at, ok: true });
        return { ok: true };
      } catch (e) {
        calls.push({ at, ok: false });
        return { ok: false, error: (e as Error)?.name || "Error" };
      }
    },
    probeRequest: { healthProbe: true },
    newLeaseId: () => `health-probe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`,
  });
  const waitUntil = (epochMs: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(
        () => {
          cancels.delete(cancel);
          resolve();
        },
        Math.max(0, epochMs - Date.now()),
      );
      const cancel = () => {
        clearTimeout(t);
        resolve();
      };
      cancels.add(cancel);
    });

  const oneRun = async (): Promise<void> => {
    const deadline = Date.now() + o.tb.realMs(RUN_BUDGET_SECONDS * 1000);
    while (!stopped) {
      await handler({ breaker: o.breaker });
      const rec = await o.store.get(o.breaker);
      // Loop only while early probing has something to wait for: OPEN with a probeAt still ahead, or a
      // HALF_OPEN whose probe may fail and re-open (then the new probeAt follows).
      let next: number | null = null;
      if (rec?.state === "OPEN" && rec.probeAt !== null) next = Math.max(rec.probeAt, Date.now());
      else if (rec?.state === "HALF_OPEN" && o.deps.settings.earlyProbeSeconds > 0)
        next = Date.now() + o.deps.settings.earlyProbeSeconds * 1000;
      if (next === null || next > deadline) return;
      await waitUntil(next);
    }
  };

  const schedule = (k: number) => {
    const cancel = o.tb.runAt(o.offsetSeconds + k * SCHEDULE_SECONDS, () => {
      cancels.delete(cancel);
      if (stopped) return;
      const run = oneRun()
        .catch(() => undefined)
        .finally(() => running.delete(run));
      running.add(run);
      schedule(k + 1);
    });
    cancels.add(cancel);
  };
  schedule(0);

  return {
    calls,
    async stop() {
      stopped = true;
      for (const c of cancels) c();
      cancels.clear();
      await Promise.allSettled([...running]);
    },
  };
}
