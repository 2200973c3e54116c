// Lambda entry point: the HALF_OPEN probe lease. Logic: ../handler-factories/acquire-probe.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/default-deps.ts).
import { makeAcquireProbeHandler } from "../handler-factories/acquire-probe";
import { defaultDeps } from "../shared/default-deps";

export const handler = makeAcquireProbeHandler(defaultDeps());
