// What every handler runs on (HandlerDeps: store, settings, clock, telemetry), the seam tests and the local
// runtime use to build handlers with an explicit store, settings and clock; ./define-handler.ts builds them from
// the environment. This file imports no store implementation, so storeless bundles carry no store code or SDK commands.
//
// The handlers are shared by every breaker of the stack: each event names its breaker and carries its deployed
// settings (./breaker-settings.ts validates them once per fingerprint). Handlers whose rules take the settings
// in force read currentSettings(); the others (onStoreError, the bulkhead limit: deploy-time) deployedSettings().

import { BreakerSettings } from "../../core/settings";
import { BreakerService, Clock } from "../breaker/service";
import { StateStore, StoreError } from "../../core/state-store";
import { BreakerContextEvent } from "../../core/contracts";
import { BreakerSettingsCache } from "./breaker-settings";
import { Log } from "./logging";
import { MetricsSink } from "./metrics";
import { ParameterFetcher } from "./settings-source";
import { Telemetry } from "./telemetry";

export type Env = Record<string, string | undefined>;

export interface HandlerDeps {
  /**
   * Settings for events that carry none: tests and local tools that serve one breaker. null (Lambda): every
   * event must carry its breaker's settings, as every state machine of the stack sends them.
   */
  settings: BreakerSettings | null;
  /** Reads a breaker's settings parameter (SSM in Lambda); absent: an event naming one is refused. */
  fetchParameter?: ParameterFetcher;
  /** Applied to every validated settings (the local runtime's time-lapse scales the durations); default none. */
  adjustSettings?: (s: BreakerSettings) => BreakerSettings;
  /** The settings parameter's refresh clock (epoch ms); default `clock`. */
  settingsClock?: () => number;
  /** The state store, opened on first use and cached. */
  store: () => Promise<StateStore>;
  clock: Clock;
  metrics: MetricsSink;
  log: Log;
}

const caches = new WeakMap<HandlerDeps, BreakerSettingsCache>();

/** The settings cache of these deps (one per handler instance: validated once per fingerprint). */
export function settingsCache(deps: HandlerDeps): BreakerSettingsCache {
  let cache = caches.get(deps);
  if (!cache) {
    cache = new BreakerSettingsCache({
      fallback: deps.settings,
      fetchParameter: deps.fetchParameter,
      adjust: deps.adjustSettings,
      now: deps.settingsClock ?? deps.clock,
    });
    caches.set(deps, cache);
  }
  return cache;
}

/** The deployed settings of the event's breaker. Throws InvalidEventError when they do not validate. */
export function deployedSettings(deps: HandlerDeps, event: BreakerContextEvent, what: string): BreakerSettings {
  return settingsCache(deps).deployed(event, what);
}

/** The settings in force now for the event's breaker (its settings parameter applied). Throws InvalidEventError. */
export function currentSettings(deps: HandlerDeps, event: BreakerContextEvent, what: string): Promise<BreakerSettings> {
  return settingsCache(deps).current(event, what, deps.log);
}

/**
 * Opens the store once per container. A failed open is not cached (the next invocation tries again)
 * and surfaces as a StoreError, so handlers apply onStoreError to it like to any store failure.
 * A store whose credentials the server refused (a rotated Redis AUTH token) is closed and opened again on the
 * next invocation, which reads the secret again: a warm container follows a rotation without a redeploy.
 */
export function cachedStore(open: () => Promise<StateStore>): () => Promise<StateStore> {
  let opening: Promise<StateStore> | null = null;
  let current: StateStore | null = null;
  return () => {
    if (current?.credentialsRejected?.()) {
      void current.close().catch(() => undefined);
      current = null;
      opening = null;
    }
    if (!opening) {
      opening = open().then(
        (store) => (current = store),
        (e: unknown) => {
          opening = null;
          throw e instanceof StoreError ? e : new StoreError(`cannot open the state store: ${(e as Error)?.message ?? String(e)}`, e);
        },
      );
    }
    return opening;
  };
}

/** Runs one invocation's work for one breaker; its metrics are published once at the end, also on errors. */
export async function withTelemetry<T>(deps: HandlerDeps, breaker: string, work: (tel: Telemetry) => Promise<T>): Promise<T> {
  const tel = new Telemetry(deps.metrics, deps.log, breaker);
  try {
    return await work(tel);
  } finally {
    tel.flush();
  }
}

/** A BreakerService on the (cached) store. Throws StoreError when the store cannot be opened. */
export async function serviceOf(deps: HandlerDeps): Promise<BreakerService> {
  return new BreakerService(await deps.store(), deps.clock);
}
