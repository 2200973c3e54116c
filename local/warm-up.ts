// Warm-up before timed work. DynamoDB Local is a JVM: after a start or restart its first requests take seconds on
// a busy machine, past the bound of the breaker's clients (LOCAL_STORE_TIMEOUTS), so a timed scenario that starts
// on a cold store loses outcomes (a probe's report, healthy calls) to timeouts that a deployed store never has.
// Here the store is warm once real requests through the run's own clients (a read and a conditional write)
// answer well inside that bound; the breaker's handlers are warm once a few executions went through them.

import { newRecord } from "../core/breaker";
import { BreakerSettings } from "../core/settings";
import { StateStore } from "../core/state-store";
import { setTimeout as sleep } from "node:timers/promises";
import { Log } from "../functions/shared/logging";
import { MetricsSink } from "../functions/shared/metrics";
import { localBreaker } from "./local-breaker";
import { LocalStore, LOCAL_STORE_TIMEOUTS } from "./local-store";

/** A round of requests is warm when each answers within this (half the clients' bound: room for load). */
export const WARM_REQUEST_MS = LOCAL_STORE_TIMEOUTS.requestTimeoutMs / 2;
/** Warm rounds in a row that make the store warm. */
export const WARM_ROUNDS = 3;
/** Past this the store is taken as it is, if it answered at all (a store that never answered is an error). */
export const WARM_UP_DEADLINE_MS = 60_000;

/** The breaker name the warm-up uses: its own record, never the run's. */
export function warmUpBreakerName(breaker: string): string {
  return `${breaker}-warm-up`;
}

export interface StoreWarmUp {
  /** Rounds tried (each a read and a conditional write). */
  rounds: number;
  /** Whether WARM_ROUNDS rounds in a row answered within WARM_REQUEST_MS before the deadline. */
  warm: boolean;
}

/** One read and one conditional write (create-if-absent) of the warm-up record; throws what the store threw. */
async function round(store: StateStore, breaker: string, settings: BreakerSettings): Promise<number> {
  const started = Date.now();
  let slowest = 0;
  const timed = async (request: () => Promise<unknown>) => {
    const t = Date.now();
    await request();
    slowest = Math.max(slowest, Date.now() - t);
  };
  await timed(() => store.get(breaker));
  // Answered false once the record exists: the conditional check still ran.
  await timed(() => store.compareAndSet(breaker, null, newRecord(started), settings));
  return slowest;
}

/**
 * Sends warm-up rounds through `store` (the run's own clients) until WARM_ROUNDS in a row answer each request
 * within WARM_REQUEST_MS. Throws only when no round succeeded by the deadline (the store is not there).
 */
export async function warmStore(
  store: StateStore,
  breaker: string,
  settings: BreakerSettings,
  deadlineMs = WARM_UP_DEADLINE_MS,
): Promise<StoreWarmUp> {
  const deadline = Date.now() + deadlineMs;
  const name = warmUpBreakerName(breaker);
  let rounds = 0;
  let inARow = 0;
  let answered = false;
  let last: unknown = null;
  while (inARow < WARM_ROUNDS) {
    rounds += 1;
    try {
      const slowest = await round(store, name, settings);
      answered = true;
      inARow = slowest <= WARM_REQUEST_MS ? inARow + 1 : 0;
    } catch (e) {
      last = e;
      inARow = 0;
    }
    if (inARow >= WARM_ROUNDS) break;
    if (Date.now() > deadline) {
      if (answered) return { rounds, warm: false };
      throw new Error(`the store did not answer a warm-up read and conditional write within ${deadlineMs} ms: ${String(last)}`, {
        cause: last,
      });
    }
    if (inARow === 0) await sleep(100);
  }
  return { rounds, warm: true };
}

/** Executions of the warm-up breaker: every other target attempt fails, so the failure paths run too. */
export const WARM_UP_EXECUTIONS = 6;

const DROP_METRICS: MetricsSink = { publish: () => undefined };

/**
 * Warms the store (warmStore) and the breaker's handlers: WARM_UP_EXECUTIONS executions of a breaker of its own
 * (its own name and record, a target of its own: the run's seeded target draws nothing, its record is untouched).
 */
export async function warmUpRun(
  store: LocalStore,
  breaker: string,
  settings: BreakerSettings,
  speed: number,
  log: Log,
): Promise<StoreWarmUp> {
  const result = await warmStore(store.store, breaker, settings);
  let calls = 0;
  const { machine } = localBreaker({
    breakerName: warmUpBreakerName(breaker),
    settings,
    fallback: "builtin",
    store,
    speed,
    target: async () => {
      calls += 1;
      if (calls % 2 === 0) throw Object.assign(new Error("warm-up failure"), { name: "WarmUpFailure" });
      return { ok: true };
    },
    metrics: DROP_METRICS,
    log,
  });
  for (let i = 0; i < WARM_UP_EXECUTIONS; i++) {
    await machine.run(
      { request: { id: i, phase: "warm-up" } },
      { executionName: `${warmUpBreakerName(breaker)}-${i}-${Date.now().toString(36)}` },
    );
  }
  return result;
}
