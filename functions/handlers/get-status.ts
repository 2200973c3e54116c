// Lambda entry point: the breaker's state view for the Choice states (Redis path). Logic: ../handler-factories/get-status.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/default-deps.ts).
import { makeGetStatusHandler } from "../handler-factories/get-status";
import { defaultDeps } from "../shared/default-deps";

export const handler = makeGetStatusHandler(defaultDeps());
