// HandlerDeps for the handlers that use the state store: runtime.ts's cold start plus the store that
// storeFromEnv (functions/store/from-env.ts) opens from the environment on first use, cached per container.

import { storeFromEnv } from "../store/from-env";
import { depsFromEnv, Env, HandlerDeps } from "./runtime";

export function defaultDeps(env: Env = process.env): HandlerDeps {
  return depsFromEnv(env, () => storeFromEnv(env));
}
