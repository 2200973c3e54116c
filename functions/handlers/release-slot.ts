// Lambda entry point: frees a call's bulkhead slot. Logic: ../handler-factories/bulkhead.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/default-deps.ts).
import { makeReleaseSlotHandler } from "../handler-factories/bulkhead";
import { defaultDeps } from "../shared/default-deps";

export const handler = makeReleaseSlotHandler(defaultDeps());
