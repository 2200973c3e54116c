// HandlerDeps for the handlers that use the state store: runtime.ts's cold start, the store that
// storeFromEnv (functions/store/from-env.ts) opens from the environment on first use, cached per container,
// and, when SETTINGS_PARAMETER is set, settings that follow that SSM parameter without a redeploy
// (./settings-source.ts; read at most every SETTINGS_REFRESH_SECONDS).
// In Lambda (AWS_LAMBDA_FUNCTION_NAME set) the store starts opening during the init phase, so the Redis AUTH
// secret is read at cold start, before the first invocation waits for it. A failed open is not cached: the
// first invocation tries again and applies onStoreError.

import { storeFromEnv } from "../store/from-env";
import { depsFromEnv, Env, HandlerDeps } from "./runtime";
import { ParameterFetcher, SettingsSource, settingsSourceConfigFromEnv } from "./settings-source";
import { ssmParameterFetcher } from "./ssm-parameter";

export interface DefaultDepsOptions {
  /** Reads the settings parameter; default: SSM GetParameter with bounded timeouts (./ssm-parameter.ts). */
  fetchParameter?: ParameterFetcher;
  /** The clock of the settings refresh (epoch ms); default Date.now. */
  now?: () => number;
}

export function defaultDeps(env: Env = process.env, options: DefaultDepsOptions = {}): HandlerDeps {
  const deps = depsFromEnv(env, () => storeFromEnv(env));
  if (env.AWS_LAMBDA_FUNCTION_NAME) void deps.store().catch(() => undefined);
  const config = settingsSourceConfigFromEnv(env);
  if (!config) return deps;
  const source = new SettingsSource({
    ...config,
    deployed: deps.settings,
    fetch: options.fetchParameter ?? ssmParameterFetcher(),
    now: options.now ?? Date.now,
  });
  return { ...deps, currentSettings: (log) => source.current(log) };
}
