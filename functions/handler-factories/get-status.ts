// get-status (Redis path; Step Functions cannot read Redis): the record as the StatusView the Choice states
// read, the same shape a DynamoDB GetItem returns. When the store fails: { StoreError: { allow } } and no
// Item, where allow is the breaker's onStoreError; the Choice routes on it. Counts StoreErrors.
// onStoreError is deploy-time (the settings parameter cannot change it), so this, the ReadState of every
// execution on Redis, reads no runtime settings, as report-store-error does on DynamoDB.

import { GetStatusResult } from "../../core/contracts";
import { validateGetStatusEvent } from "../shared/event-validation";
import { checkServed, HandlerDeps, withTelemetry } from "../shared/runtime";
import { storeErrorView, toStatusView } from "../shared/status-view";

export function makeGetStatusHandler(deps: HandlerDeps): (event: unknown) => Promise<GetStatusResult> {
  return async (raw) => {
    const event = validateGetStatusEvent(raw);
    checkServed(deps, event.breaker, "get-status event");
    const { onStoreError } = deps.settings;
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
