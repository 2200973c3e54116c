// Cold-start initialisation shared by every handler, and the seam tests and the local runtime use to build
// handlers with an explicit store, settings and clock (HandlerDeps). Entry files do
//   export const handler = makeXHandler(defaultDeps())      (./default-deps.ts: handlers that use the store)
//   export const handler = makeXHandler(storelessDeps())    (handlers that never touch the store)
// This file imports no store implementation, so storeless bundles carry no store code or SDK commands.
//
// Environment (read once per container):
//   BREAKER_SETTINGS  JSON object of breaker settings (loadSettings); invalid -> the cold start fails with the SettingsError
//   BREAKER_NAME      the breaker this function serves; events naming another breaker are rejected
// Handlers that use the store also read SETTINGS_PARAMETER (./settings-source.ts, wired in ./default-deps.ts):
// each invocation takes its settings from settingsNow(deps).

import { HANDLER_ENV } from "../../core/handler-env";
import { BreakerSettings, loadSettings, SettingsError } from "../../core/settings";
import { BreakerService, Clock } from "../breaker/service";
import { StateStore, StoreError } from "../../core/state-store";
import { InvalidEventError } from "../../core/contracts";
import { BREAKER_NAME_DOC, BREAKER_NAME_PATTERN } from "../../core/schema/names";
import { createLogger, Log } from "./logging";
import { emfMetricsSink, MetricsSink } from "./metrics";
import { Telemetry } from "./telemetry";

export type Env = Record<string, string | undefined>;

export interface HandlerDeps {
  /** The deployed settings (BREAKER_SETTINGS). Handlers read settingsNow(deps), not this. */
  settings: BreakerSettings;
  /**
   * The settings in force now, when they can change without a redeploy (SETTINGS_PARAMETER): the deployed
   * ones with runtime overrides merged over them. Never rejects. Absent -> `settings`.
   */
  currentSettings?: (log: Log) => Promise<BreakerSettings>;
  /** The breaker this function serves; null accepts any breaker name (local runtime, tests). */
  breakerName: string | null;
  /** The state store, opened on first use and cached. */
  store: () => Promise<StateStore>;
  clock: Clock;
  metrics: MetricsSink;
  log: Log;
}

export const SETTINGS_ENV = HANDLER_ENV.settings;
export const BREAKER_NAME_ENV = HANDLER_ENV.breakerName;

/** BREAKER_SETTINGS (JSON) -> validated settings; absent -> defaults. Throws SettingsError. */
export function settingsFromEnv(env: Env = process.env): BreakerSettings {
  const text = env[SETTINGS_ENV];
  if (text === undefined || text.trim() === "") return loadSettings(undefined, SETTINGS_ENV);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SettingsError(
      SETTINGS_ENV,
      `${SETTINGS_ENV} is not valid JSON (${(e as Error).message}); allowed: a JSON object of breaker settings`,
    );
  }
  return loadSettings(raw, SETTINGS_ENV);
}

/** BREAKER_NAME -> the served breaker, or null when unset. Throws SettingsError for an invalid name. */
export function breakerNameFromEnv(env: Env = process.env): string | null {
  const name = env[BREAKER_NAME_ENV];
  if (name === undefined || name === "") return null;
  if (!BREAKER_NAME_PATTERN.test(name)) {
    throw new SettingsError(BREAKER_NAME_ENV, `${BREAKER_NAME_ENV} is ${JSON.stringify(name)}; allowed: ${BREAKER_NAME_DOC}`);
  }
  return name;
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

/** The deployed configuration: settings and breaker name validated now (cold start), the store opened on first use. */
export function depsFromEnv(env: Env, openStore: () => Promise<StateStore>): HandlerDeps {
  return {
    settings: settingsFromEnv(env),
    breakerName: breakerNameFromEnv(env),
    store: cachedStore(openStore),
    clock: Date.now,
    metrics: emfMetricsSink(),
    log: createLogger(),
  };
}

/** For handlers that never use the store (fallback, report-store-error). */
export function storelessDeps(env: Env = process.env): HandlerDeps {
  return depsFromEnv(env, () => Promise.reject(new StoreError("this function has no state store")));
}

/** The settings this invocation runs with: currentSettings when the function has runtime overrides, else the deployed ones. */
export function settingsNow(deps: HandlerDeps): Promise<BreakerSettings> {
  return deps.currentSettings ? deps.currentSettings(deps.log) : Promise.resolve(deps.settings);
}

/** Rejects an event for a breaker this function does not serve (its settings would not apply). */
export function checkServed(deps: HandlerDeps, breaker: string, what: string): void {
  if (deps.breakerName !== null && breaker !== deps.breakerName) {
    throw new InvalidEventError(
      `${what}: field "breaker" is ${JSON.stringify(breaker)}; allowed: ${JSON.stringify(deps.breakerName)} (the breaker this function serves)`,
    );
  }
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
