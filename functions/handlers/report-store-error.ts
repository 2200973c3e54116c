// Lambda entry point: the state machine's store read failed: apply onStoreError. Logic: ../handler-factories/report-store-error.ts.
// Cold start: settings and breaker name from the environment (../shared/runtime.ts); this function uses no store.
import { makeReportStoreErrorHandler } from "../handler-factories/report-store-error";
import { storelessDeps } from "../shared/runtime";

export const handler = makeReportStoreErrorHandler(storelessDeps());
