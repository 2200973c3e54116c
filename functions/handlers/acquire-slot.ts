// Lambda entry point: takes a bulkhead slot for one call of the target. Logic: ../handler-factories/bulkhead.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/default-deps.ts).
import { makeAcquireSlotHandler } from "../handler-factories/bulkhead";
import { defaultDeps } from "../shared/default-deps";

export const handler = makeAcquireSlotHandler(defaultDeps());
