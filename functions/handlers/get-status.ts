// Lambda entry point: the breaker's state view for the Choice states (Redis path). Logic: ../handler-factories/get-status.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/store-deps.ts);
// it reads no settings parameter: what it uses of the settings is deploy-time.
import { makeGetStatusHandler } from "../handler-factories/get-status";
import { storeDeps } from "../shared/store-deps";

export const handler = makeGetStatusHandler(storeDeps());
