// get-status (Redis path, where Step Functions cannot read the store, and the health-probe branch on both stores): the record as the StatusView the Choice states
// read, the same shape a DynamoDB GetItem returns. When the store fails: { StoreError: { allow } } and no
// Item, where allow is the breaker's onStoreError; the Choice routes on it. Counts StoreErrors.
// onStoreError is deploy-time (the settings parameter cannot change it), so this, the ReadState of every
// execution on Redis, reads no runtime settings, as report-store-error does on DynamoDB.

import { GetStatusResult } from "../../core/contracts";
import { validateGetStatusEvent } from "../../core/schema/handler-events";
import { METRICS } from "../../core/metric-names";
import { probeLoopView } from "../../core/open-period";
import { defineHandler } from "../shared/define-handler";
import { storeErrorView, toStatusView } from "../shared/status-view";
import { storeFromEnv } from "../store/from-env";

export const getStatusDefinition = defineHandler({
  name: "get-status",
  validate: validateGetStatusEvent,
  settings: "deployed",
  environment: { store: storeFromEnv },
  run: async ({ event, deps, tel, now }): Promise<GetStatusResult> => {
    const store = await deps.store();
    const record = await store.get(event.breaker);
    // The health-probe branch reads through here: keep the manual-state gauge continuous (1 in FORCED_OPEN or
    // DISABLED, 0 otherwise) so the ManualStateActive alarm sees how long an override has been active.
    if (!event.healthProbe) return toStatusView(record);
    tel.gauge(METRICS.manualStateActive, record?.state === "FORCED_OPEN" || record?.state === "DISABLED" ? 1 : 0);
    // The loop's clock and budget: $$.Execution.StartTime is stale inside the loop (and the emulator has no EnteredTime).
    const started = event.loopStartedAt === undefined ? now : Date.parse(event.loopStartedAt);
    return { ...toStatusView(record), Probe: probeLoopView(record, now, started, (event.loopSeconds ?? 0) * 1000) };
  },
  storeErrorResult: ({ settings }): GetStatusResult => storeErrorView(settings.onStoreError === "allow"),
});

export const handler = getStatusDefinition.lambda();
