// report-store-error: the state machine's direct DynamoDB read failed (DynamoDB path). Logs it, counts
// StoreErrors and answers with the breaker's onStoreError: allow -> call the target unrecorded; reject -> fallback.
// Touches no store.

import { StoreErrorResult } from "../../core/contracts";
import { validateStoreErrorEvent } from "../../core/schema/handler-events";
import { defineHandler } from "../shared/define-handler";

export const reportStoreErrorDefinition = defineHandler({
  name: "report-store-error",
  validate: validateStoreErrorEvent,
  settings: "deployed",
  environment: {},
  run: async ({ event, settings, tel }): Promise<StoreErrorResult> => {
    const reported = Object.assign(new Error(event.cause ?? event.error), { name: event.error });
    tel.storeError("state machine read", reported, settings.onStoreError);
    return { allow: settings.onStoreError === "allow" };
  },
});

export const handler = reportStoreErrorDefinition.lambda();
