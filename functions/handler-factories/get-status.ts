// get-status (Redis path; Step Functions cannot read Redis): the record as the StatusView the Choice states
// read, the same shape a DynamoDB GetItem returns. When the store fails: { StoreError: { allow } } and no
// Item, where allow is the breaker's onStoreError; the Choice routes on it. Counts StoreErrors.

import { GetStatusResult } from "../shared/contracts";
import { validateGetStatusEvent } from "../shared/event-validation";
import { checkServed, HandlerDeps, settingsNow, withTelemetry } from "../shared/runtime";
import { storeErrorView, toStatusView } from "../shared/status-view";

export function makeGetStatusHandler(deps: HandlerDeps): (event: unknown) => Promise<GetStatusResult> {
  return async (raw) => {
    const event = validateGetStatusEvent(raw);
    checkServed(deps, event.breaker, "get-status event");
    const { onStoreError } = await settingsNow(deps);
    return withTelemetry(deps, event.breaker, async (tel) => {
      try {
        const store = await deps.store();
        return toStatusView(await store.get(event.breaker));
      } catch (err) {
        tel.storeError("get-status", err, onStoreError);
        return storeErrorView(onStoreError === "allow");
      }
    });
  };
}
