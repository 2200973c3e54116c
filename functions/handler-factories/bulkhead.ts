// The bulkhead: at most maxConcurrentCalls calls of the target at once, per breaker.
//   acquire-slot: takes this call's slot (slot id = the execution's name) with a lease (bulkheadLeaseMs), so a
//                 holder that never releases (a crashed execution) loses it when the lease ends. Full -> not
//                 admitted, reason "bulkhead full" (the state machine serves the fallback, which counts
//                 BulkheadRejected). A HALF_OPEN probe turned away also frees its probe lease, without counting.
//   release-slot: frees the slot after the call, on every exit path; a slot already gone is a no-op.
// When the store fails, onStoreError decides: allow -> admitted without a slot (the call goes ahead unlimited);
// reject -> not admitted, reason "store error". Both count StoreErrors; a failed release is logged and counted,
// never thrown (the lease frees the slot).
//
// Settings: the bulkhead's (maxConcurrentCalls, the target call's timeout and retries, onStoreError) are all
// deploy-time settings, baked into the state machine too, so these handlers read the deployed `deps.settings`.
// Only freeing a probe lease writes the breaker record, with the settings in force (settingsNow), as record-outcome does.

import { BreakerSettings } from "../../core/settings";
import { bulkheadLeaseMs } from "../../core/bulkhead";
import { AcquireSlotResult, ReleaseSlotResult } from "../../core/contracts";
import { AcquireSlotEvent, validateAcquireSlotEvent, validateReleaseSlotEvent } from "../../core/schema/handler-events";
import { currentSettings, deployedSettings, HandlerDeps, serviceOf, withTelemetry } from "../shared/runtime";
import { Telemetry } from "../shared/telemetry";

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

export function makeAcquireSlotHandler(deps: HandlerDeps): (event: unknown) => Promise<AcquireSlotResult> {
  return async (raw) => {
    const event = validateAcquireSlotEvent(raw);
    const settings = deployedSettings(deps, event, "acquire-slot event");
    const limit = settings.maxConcurrentCalls;
    const leaseMs = bulkheadLeaseMs(settings);
    if (limit === 0) return { admitted: true, slotId: null, reason: "bulkhead off", limit, leaseMs };
    return withTelemetry(deps, event.breaker, async (tel) => {
      try {
        const store = await deps.store();
        if (await store.acquireSlot(event.breaker, event.slotId, limit, leaseMs, deps.clock())) {
          return { admitted: true, slotId: event.slotId, reason: "slot free", limit, leaseMs };
        }
      } catch (err) {
        tel.storeError("acquire-slot", err, settings.onStoreError);
        return { admitted: settings.onStoreError === "allow", slotId: null, reason: "store error", limit, leaseMs };
      }
      const full: AcquireSlotResult = { admitted: false, slotId: null, reason: "bulkhead full", limit, leaseMs };
      if (event.probeLeaseId !== undefined && event.probeGen !== undefined) {
        full.probeLease = await freeProbeLease(deps, tel, settings, event, { leaseId: event.probeLeaseId, gen: event.probeGen });
      }
      return full;
    });
  };
}

export function makeReleaseSlotHandler(deps: HandlerDeps): (event: unknown) => Promise<ReleaseSlotResult> {
  return async (raw) => {
    const event = validateReleaseSlotEvent(raw);
    const { onStoreError } = deployedSettings(deps, event, "release-slot event");
    return withTelemetry(deps, event.breaker, async (tel) => {
      try {
        const store = await deps.store();
        await store.releaseSlot(event.breaker, event.slotId);
        return { breaker: event.breaker, slotId: event.slotId, released: true };
      } catch (err) {
        tel.storeError("release-slot", err, onStoreError);
        return { breaker: event.breaker, slotId: event.slotId, released: false };
      }
    });
  };
}
