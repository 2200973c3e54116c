// Store faults as scenario phases (a phase's storeFault, local/scenario.ts), applied to the store process the
// runtime started, at the phase boundaries on the run's design clock:
//   down: at the phase start the process is killed (SIGKILL, as in a crash); at the phase end it is restarted
//         on the same port; the restart ends once the run's clients get prompt answers (local/warm-up.ts). It
//         runs with persistence (local/store-processes.ts: DynamoDB Local -dbPath, redis appendonly +
//         appendfsync always), so what it acknowledged before the kill is there after the restart.
//   slow: every store request during the phase is delayed by storeDelayMs in the loopback proxy the runtime
//         put between the clients and the store (local/delay-proxy.ts); the clients' bounded timeouts
//         (LOCAL_STORE_TIMEOUTS in local/local-store.ts) decide what a late answer becomes.
// Consecutive phases with the same fault keep it (no restart in between). When the last phase ends, or the
// run stops, the store is brought back to normal. A failed kill or restart is recorded, never thrown: the
// breaker answers per onStoreError meanwhile and the report shows what happened.

import { LocalStore, LocalStoreOptions, StoreEndpoints } from "./local-store";
import { phaseStarts, Scenario, ScenarioError, StoreFault } from "./scenario";
import { Timebase } from "./speed";
import { warmStore } from "./warm-up";

export interface StoreFaultEvent {
  /** Design seconds from the start of the run when the action began. */
  at: number;
  /** The phase that asked for it ("end" once the last phase is over or the run stops). */
  phase: string;
  action: "kill" | "restart" | "delay";
  /** delay: the delay applied from now on, real ms (0 = none). */
  delayMs?: number;
  /** Real ms the action took (a restart includes waiting until the store answers). */
  tookMs: number;
  /** restart: real ms after it answered until it answered the run's own clients promptly (local/warm-up.ts). */
  warmUpMs?: number;
  /** The action failed: why. */
  error?: string;
}

/** Called after each action with the store (tests read the restarted store directly here). */
export type StoreFaultHook = (event: StoreFaultEvent, store: LocalStore) => void | Promise<void>;

export interface StoreFaultControl {
  /**
   * Applies at once every phase change due at or before the start of phase `phase` that its timer has not
   * applied yet. The traffic calls it before starting an execution, so the first execution of a phase meets
   * the phase's store (the delay set, or the kill started) even when its timer and the phase's timer fire in the same tick.
   */
  reach(phase: number): void;
  /** Cancels what is not yet due, brings the store back to normal, and returns every action taken. */
  stop(): Promise<StoreFaultEvent[]>;
}

/** What the store must be opened with for the scenario's faults. */
export function storeFaultNeeds(s: Scenario): Required<LocalStoreOptions> {
  return { persist: s.phases.some((p) => p.storeFault === "down"), delayProxy: s.phases.some((p) => p.storeFault === "slow") };
}

/**
 * A fault phase needs a store process the runtime started (it kills, restarts and slows down only its own):
 * with an external store (--redis-url, or endpoints given) it cannot be honoured. Throws a ScenarioError
 * naming the phase, before anything is started.
 */
export function checkStoreFaults(s: Scenario, endpoints: StoreEndpoints, where = "scenario"): void {
  const external =
    s.store === "dynamodb"
      ? endpoints.dynamodbEndpoint && `a DynamoDB endpoint given (${endpoints.dynamodbEndpoint})`
      : endpoints.redisUrl && `--redis-url ${endpoints.redisUrl}`;
  if (!external) return;
  const i = s.phases.findIndex((p) => p.storeFault !== "none");
  if (i < 0) return;
  const field = `${where}.phases[${i}].storeFault`;
  throw new ScenarioError(
    field,
    `${field} is ${JSON.stringify(s.phases[i].storeFault)}; allowed: "none" with an external store (${external}): ` +
      "the runtime kills, restarts or slows down only a store process it started itself (leave out --redis-url / the endpoint)",
  );
}

/** Applies the scenario's store faults to `store` on the design clock `tb` (design time 0 = now or earlier). */
export function driveStoreFaults(scenario: Scenario, tb: Timebase, store: LocalStore, onEvent?: StoreFaultHook): StoreFaultControl {
  const { starts, total } = phaseStarts(scenario);
  const events: StoreFaultEvent[] = [];
  let current: StoreFault = "none";
  let delay = 0;
  let hookError: unknown = null;
  let chain: Promise<void> = Promise.resolve();

  const notify = async (event: StoreFaultEvent) => {
    try {
      await onEvent?.(event, store);
    } catch (e) {
      hookError ??= e;
    }
  };

  /** Kills or restarts the process; true when it worked. */
  const act = async (phase: string, action: "kill" | "restart", run: (event: StoreFaultEvent) => Promise<void>): Promise<boolean> => {
    const startReal = Date.now();
    const event: StoreFaultEvent = { at: tb.designSeconds(startReal), phase, action, tookMs: 0 };
    try {
      await run(event);
    } catch (e) {
      event.error = (e as Error)?.message ?? String(e);
    }
    const warm = event.warmUpMs ?? 0;
    event.tookMs = Date.now() - startReal - warm;
    events.push(event);
    await notify(event);
    return event.error === undefined;
  };

  /**
   * A delay applies at once; a kill or restart is queued behind the previous one, so a restart that takes
   * seconds delays the next kill or restart but never overlaps it (nor holds up a delay change).
   */
  const change = (phase: string, fault: StoreFault, delayMs: number) => {
    const wantDelay = fault === "slow" ? delayMs : 0;
    if (wantDelay !== delay) {
      delay = wantDelay;
      const event: StoreFaultEvent = { at: tb.designSeconds(Date.now()), phase, action: "delay", delayMs: wantDelay, tookMs: 0 };
      if (store.proxy) store.proxy.setDelay(wantDelay);
      else event.error = "a slow store phase needs the delaying proxy (openLocalStore delayProxy)";
      events.push(event);
      chain = chain.then(() => notify(event));
    }
    chain = chain.then(async () => {
      const proc = store.process;
      if (fault === "down" && current !== "down") {
        if (!proc) throw new Error("a down store phase needs a store process started by this run");
        if (await act(phase, "kill", () => proc.kill())) current = "down";
      } else if (fault !== "down" && current === "down") {
        // A failed restart leaves it down: stop() tries once more. The restart ends once the store answers the
        // run's own clients warmly (local/warm-up.ts): a cold JVM would time out the first calls, a probe's among them.
        // Not at the run's end (nothing follows), nor into a slow phase (the proxy delays every answer on purpose).
        // The warm-up is reported apart: the store counts again (a probe may close the circuit) as soon as it answers.
        const restart = async (event: StoreFaultEvent) => {
          await proc!.restart();
          if (phase === "end" || delay !== 0) return;
          const answered = Date.now();
          try {
            await warmStore(store.store, scenario.breaker.name, scenario.breaker.settings);
          } finally {
            event.warmUpMs = Date.now() - answered;
          }
        };
        if (await act(phase, "restart", restart)) current = fault;
      }
    });
  };

  /** Phase changes in phase order; each is applied once, by its timer or by reach(), whichever comes first. */
  const pending: { phase: number; apply: () => void; cancel: () => void }[] = [];
  /** Applies every pending change up to phase `phase`, earlier ones first: a phase is never applied before the one it follows. */
  const applyThrough = (phase: number) => {
    while (pending.length > 0 && pending[0].phase <= phase) {
      const e = pending.shift()!;
      e.cancel();
      e.apply();
    }
  };
  const at = (phase: number, designSeconds: number, apply: () => void) => {
    // Never before the boundary on the wall clock the events are stamped with (a bare setTimeout may run early).
    pending.push({ phase, apply, cancel: tb.runAt(designSeconds, () => applyThrough(phase)) });
  };
  scenario.phases.forEach((p, i) => {
    if (p.storeFault !== "none" || (i > 0 && scenario.phases[i - 1].storeFault !== "none"))
      at(i, starts[i], () => change(p.name, p.storeFault, p.storeDelayMs ?? 0));
  });
  at(scenario.phases.length, total, () => change("end", "none", 0));

  return {
    reach: applyThrough,
    async stop() {
      for (const e of pending.splice(0)) e.cancel();
      change("end", "none", 0);
      await chain;
      if (hookError) throw hookError;
      return events.sort((a, b) => a.at - b.at);
    },
  };
}
