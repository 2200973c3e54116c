// One way to define a handler: its event schema, its logic and what it needs. The steps every handler shares
// (validation, the event's settings, telemetry, the store-error answer) happen here once, and so does the cold
// start (deps from the environment). `environment` names only what the handler uses, checked against its needs
// in core/handler-manifest.ts, so its esbuild bundle carries only those SDK commands.

import { HANDLERS, HandlerName } from "../../core/handler-manifest";
import { BreakerContextEvent } from "../../core/contracts";
import { BreakerSettings } from "../../core/settings";
import { StateStore, StoreError } from "../../core/state-store";
import { createLogger } from "./logging";
import { emfMetricsSink } from "./metrics";
import { cachedStore, currentSettings, deployedSettings, Env, HandlerDeps, withTelemetry } from "./runtime";
import { ParameterFetcher } from "./settings-source";
import { Telemetry } from "./telemetry";

export type { Env, HandlerDeps } from "./runtime";

type Needs<N extends HandlerName> = (typeof HANDLERS)[N]["needs"];

/** What a handler takes from its environment: exactly the needs the manifest gives it (a missing or extra one does not compile). */
export type HandlerEnvironment<N extends HandlerName> = (Needs<N>["store"] extends true
  ? { store: (env: Env) => Promise<StateStore> }
  : { store?: never }) &
  (Needs<N>["settingsParameter"] extends true ? { settingsParameter: () => ParameterFetcher } : { settingsParameter?: never });

/** The settings a handler runs with: as deployed (deploy-time rules), current (settings parameter applied), or none. */
export type SettingsKind = "deployed" | "current";

export interface InvocationContext<E, S> {
  event: E;
  settings: S;
  deps: HandlerDeps;
  tel: Telemetry;
  /** The invocation's start (deps.clock()), read once. */
  now: number;
}

interface CommonSpec<N extends HandlerName, E extends BreakerContextEvent, R, S> {
  name: N;
  /** The event's schema: throws InvalidEventError naming the field. */
  validate: (raw: unknown) => E;
  run: (ctx: InvocationContext<E, S>) => Promise<R>;
  environment: HandlerEnvironment<N>;
}

export type HandlerSpec<N extends HandlerName, E extends BreakerContextEvent, R> =
  | (CommonSpec<N, E, R, BreakerSettings> & {
      settings: SettingsKind;
      /** The answer when run fails (a store failure: counted and logged with the breaker's onStoreError); absent: the error is thrown. */
      storeErrorResult?: (ctx: InvocationContext<E, BreakerSettings>) => R;
    })
  | (CommonSpec<N, E, R, null> & { settings?: undefined; storeErrorResult?: undefined });

/** The options of the deps a definition builds from the environment (tests replace the SSM reader and the clock). */
export interface EnvironmentOptions {
  fetchParameter?: ParameterFetcher;
  now?: () => number;
}

export interface HandlerDefinition<D, R> {
  name: HandlerName;
  /** What the handler takes from its environment (the manifest's needs). */
  needs: { store: boolean; settingsParameter: boolean };
  /** The handler on explicit deps: tests and the local runtime. */
  make(deps: D): (event: unknown) => Promise<R>;
  /** The Lambda entry: deps from the environment, built once per container. */
  lambda(): (event: unknown) => Promise<R>;
}

export interface BreakerHandlerDefinition<R> extends HandlerDefinition<HandlerDeps, R> {
  /** The deps lambda() builds from `env` (the store opened on first use and cached; in Lambda its opening starts at once). */
  deps(env?: Env, options?: EnvironmentOptions): HandlerDeps;
}

function noStore(): Promise<StateStore> {
  return Promise.reject(new StoreError("this function has no state store"));
}

/** The entry point on deps built on first use; in Lambda at once, so the store opens during the init phase. */
export function lazyEntry<D, R>(build: () => D, make: (deps: D) => (event: unknown) => Promise<R>): (event: unknown) => Promise<R> {
  let handle: ((event: unknown) => Promise<R>) | null = null;
  const entry = () => (handle ??= make(build()));
  if (process.env.AWS_LAMBDA_FUNCTION_NAME) entry();
  return (event) => entry()(event);
}

export function defineHandler<N extends HandlerName, E extends BreakerContextEvent, R>(
  spec: HandlerSpec<N, E, R>,
): BreakerHandlerDefinition<R> {
  const environment = spec.environment as { store?: (env: Env) => Promise<StateStore>; settingsParameter?: () => ParameterFetcher };
  const what = `${spec.name} event`;

  const make = (deps: HandlerDeps) => async (raw: unknown) => {
    const event = spec.validate(raw);
    if (spec.settings === undefined) {
      return withTelemetry(deps, event.breaker, (tel) => spec.run({ event, settings: null, deps, tel, now: deps.clock() }));
    }
    const settings = spec.settings === "current" ? await currentSettings(deps, event, what) : deployedSettings(deps, event, what);
    return withTelemetry(deps, event.breaker, async (tel) => {
      const ctx = { event, settings, deps, tel, now: deps.clock() };
      if (!spec.storeErrorResult) return spec.run(ctx);
      try {
        return await spec.run(ctx);
      } catch (err) {
        tel.storeError(spec.name, err, settings.onStoreError);
        return spec.storeErrorResult(ctx);
      }
    });
  };

  const deps = (env: Env = process.env, options: EnvironmentOptions = {}): HandlerDeps => {
    const openStore = environment.store;
    const fetchParameter = options.fetchParameter ?? environment.settingsParameter?.();
    const built: HandlerDeps = {
      settings: null,
      ...(fetchParameter ? { fetchParameter } : {}),
      ...(options.now ? { settingsClock: options.now } : {}),
      store: cachedStore(openStore ? () => openStore(env) : noStore),
      clock: Date.now,
      metrics: emfMetricsSink(),
      log: createLogger(),
    };
    if (openStore && env.AWS_LAMBDA_FUNCTION_NAME) void built.store().catch(() => undefined);
    return built;
  };

  return {
    name: spec.name,
    needs: { store: environment.store !== undefined, settingsParameter: environment.settingsParameter !== undefined },
    make,
    deps,
    lambda: () => lazyEntry(() => deps(), make),
  };
}
