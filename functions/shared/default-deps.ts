// HandlerDeps for the store handlers whose rules take the settings in force (record-outcome, acquire-probe,
// health-probe, acquire-slot): the store deps (./store-deps.ts) and, when SETTINGS_PARAMETER is set, settings
// that follow that SSM parameter without a redeploy (./settings-source.ts; read at most every
// SETTINGS_REFRESH_SECONDS).

import { Env, HandlerDeps } from "./runtime";
import { ParameterFetcher, SettingsSource, settingsSourceConfigFromEnv } from "./settings-source";
import { ssmParameterFetcher } from "./ssm-parameter";
import { storeDeps } from "./store-deps";

export interface DefaultDepsOptions {
  /** Reads the settings parameter; default: SSM GetParameter with bounded timeouts (./ssm-parameter.ts). */
  fetchParameter?: ParameterFetcher;
  /** The clock of the settings refresh (epoch ms); default Date.now. */
  now?: () => number;
}

export function defaultDeps(env: Env = process.env, options: DefaultDepsOptions = {}): HandlerDeps {
  const deps = storeDeps(env);
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
