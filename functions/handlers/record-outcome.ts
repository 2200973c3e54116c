// Lambda entry point: counting and transitions for one call outcome. Logic: ../handler-factories/record-outcome.ts.
// Cold start: settings, breaker name and store configuration from the environment (../shared/default-deps.ts).
import { makeRecordOutcomeHandler } from "../handler-factories/record-outcome";
import { defaultDeps } from "../shared/default-deps";

export const handler = makeRecordOutcomeHandler(defaultDeps());
