// Lambda entry point: the built-in degraded response. Logic: ../handler-factories/fallback.ts.
// Cold start: settings and breaker name from the environment (../shared/runtime.ts); this function uses no store.
import { makeFallbackHandler } from "../handler-factories/fallback";
import { storelessDeps } from "../shared/runtime";

export const handler = makeFallbackHandler(storelessDeps());
