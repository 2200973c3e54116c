// report-store-error: the state machine's direct DynamoDB read failed (DynamoDB path). Logs it, counts
// StoreErrors and answers with the breaker's onStoreError: allow -> call the target unrecorded; reject -> fallback.
// Touches no store.

import { StoreErrorResult } from "../../core/contracts";
import { validateStoreErrorEvent } from "../../core/schema/handler-events";
import { deployedSettings, HandlerDeps, withTelemetry } from "../shared/runtime";

export function makeReportStoreErrorHandler(deps: HandlerDeps): (event: unknown) => Promise<StoreErrorResult> {
  return async (raw) => {
    const event = validateStoreErrorEvent(raw);
    const { onStoreError } = deployedSettings(deps, event, "report-store-error event");
    return withTelemetry(deps, event.breaker, async (tel) => {
      const reported = Object.assign(new Error(event.cause ?? event.error), { name: event.error });
      tel.storeError("state machine read", reported, onStoreError);
      return { allow: onStoreError === "allow" };
    });
  };
}
