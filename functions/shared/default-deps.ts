// HandlerDeps for the store handlers whose rules take the settings in force (record-outcome, acquire-probe,
// acquire-slot): the store deps (./store-deps.ts) and an SSM reader for the breakers whose state machines name a
// settings parameter (./settings-source.ts; read at most every refreshSeconds the payload gives).

import { Env, HandlerDeps } from "./runtime";
import { ParameterFetcher } from "./settings-source";
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
  return {
    ...deps,
    fetchParameter: options.fetchParameter ?? ssmParameterFetcher(),
    ...(options.now ? { settingsClock: options.now } : {}),
  };
}
