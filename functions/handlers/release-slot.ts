// Lambda entry point: frees a call's bulkhead slot. Logic: ../handler-factories/bulkhead.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/store-deps.ts);
// it reads no settings parameter: what it uses of the settings is deploy-time.
import { makeReleaseSlotHandler } from "../handler-factories/bulkhead";
import { storeDeps } from "../shared/store-deps";

export const handler = makeReleaseSlotHandler(storeDeps());
