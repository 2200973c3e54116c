// acquire-slot (the bulkhead: at most maxConcurrentCalls calls of the target at once, per breaker): takes this
// call's slot (slot id = the execution's name) with a lease (bulkheadLeaseMs), so a holder that never releases
// (a crashed execution) loses it when the lease ends. Full -> not admitted, reason "bulkhead full" (the state
// machine serves the fallback, which counts BulkheadRejected). A HALF_OPEN probe turned away also frees its probe
// lease, without counting. Released by ./release-slot.ts.
// When the store fails, onStoreError decides: allow -> admitted without a slot (the call goes ahead unlimited);
// reject -> not admitted, reason "store error". Both count StoreErrors.
//
// Settings: the bulkhead's (maxConcurrentCalls, the target call's timeout and retries, onStoreError) are all
// deploy-time settings, baked into the state machine too, so this reads the deployed settings. Only freeing a
// probe lease writes the breaker record, with the settings in force, as record-outcome does.

import { BreakerSettings } from "../../core/settings";
import { bulkheadLeaseMs } from "../../core/bulkhead";
import { AcquireSlotResult } from "../../core/contracts";
import { AcquireSlotEvent, validateAcquireSlotEvent } from "../../core/schema/handler-events";
import { defineHandler, HandlerDeps } from "../shared/define-handler";
import { currentSettings, serviceOf } from "../shared/runtime";
import { ssmParameterFetcher } from "../shared/ssm-parameter";
import { Telemetry } from "../shared/telemetry";
import { storeFromEnv } from "../store/from-env";

/** Frees the lease of a probe the bulkhead turned away, without counting: it never reached the target. */
async function freeProbeLease(
  deps: HandlerDeps,
  tel: Telemetry,
  settings: BreakerSettings,
  event: AcquireSlotEvent,
  probe: { leaseId: string; gen: number },
): Promise<NonNullable<AcquireSlotResult["probeLease"]>> {
  try {
    const service = await serviceOf(deps);
    return await service.releaseProbe(event.breaker, await currentSettings(deps, event, "acquire-slot event"), probe.gen, probe.leaseId);
  } catch (err) {
    tel.storeError("acquire-slot (free probe lease)", err, settings.onStoreError);
    return "store-error";
  }
}

export const acquireSlotDefinition = defineHandler({
  name: "acquire-slot",
  validate: validateAcquireSlotEvent,
  settings: "deployed",
  environment: { store: storeFromEnv, settingsParameter: ssmParameterFetcher },
  run: async ({ event, settings, deps, tel, now }): Promise<AcquireSlotResult> => {
    const limit = settings.maxConcurrentCalls;
    const leaseMs = bulkheadLeaseMs(settings);
    if (limit === 0) return { admitted: true, slotId: null, reason: "bulkhead off", limit, leaseMs };
    const store = await deps.store();
    if (await store.acquireSlot(event.breaker, event.slotId, limit, leaseMs, now)) {
      return { admitted: true, slotId: event.slotId, reason: "slot free", limit, leaseMs };
    }
    const full: AcquireSlotResult = { admitted: false, slotId: null, reason: "bulkhead full", limit, leaseMs };
    if (event.probeLeaseId !== undefined && event.probeGen !== undefined) {
      full.probeLease = await freeProbeLease(deps, tel, settings, event, { leaseId: event.probeLeaseId, gen: event.probeGen });
    }
    return full;
  },
  storeErrorResult: ({ settings }): AcquireSlotResult => ({
    admitted: settings.onStoreError === "allow",
    slotId: null,
    reason: "store error",
    limit: settings.maxConcurrentCalls,
    leaseMs: bulkheadLeaseMs(settings),
  }),
});

export const handler = acquireSlotDefinition.lambda();
