// HandlerDeps for the handlers that use the state store: runtime.ts's cold start and the store that
// storeFromEnv (functions/store/from-env.ts) opens from the environment on first use, cached per container.
// In Lambda (AWS_LAMBDA_FUNCTION_NAME set) the store starts opening during the init phase, so the Redis AUTH
// secret is read at cold start, before the first invocation waits for it. A failed open is not cached: the
// first invocation tries again and applies onStoreError.
// The handlers whose rules take runtime settings add the settings parameter on top (./default-deps.ts); the
// others (get-status, release-slot) use only these, so their code holds no SSM client and their role no grant.

import { storeFromEnv } from "../store/from-env";
import { depsFromEnv, Env, HandlerDeps } from "./runtime";

export function storeDeps(env: Env = process.env): HandlerDeps {
  const deps = depsFromEnv(env, () => storeFromEnv(env));
  if (env.AWS_LAMBDA_FUNCTION_NAME) void deps.store().catch(() => undefined);
  return deps;
}
