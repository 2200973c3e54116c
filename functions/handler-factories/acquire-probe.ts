// acquire-probe: the HALF_OPEN lease. OPEN and due -> HALF_OPEN with this caller's lease (CircuitHalfOpened);
// HALF_OPEN -> a lease while fewer than halfOpenProbes are live or have succeeded. ProbeAttempts counts admissions.
// `early` (the health-probe branch only): an OPEN record is due from its probeAt (core/open-period.ts).
//
// When the store fails, no lease can be granted (a store that is down cannot record one). The breaker's
// onStoreError decides what the caller does:
//   reject -> admitted: false, reason "store error": the state machine serves the fallback;
//   allow  -> admitted: true with leaseId: null: the call goes to the target and its outcome is NOT recorded
//             (there is no lease to report it against). Not a ProbeAttempt: nothing was admitted by the breaker.
// Both return gen 0 and state "UNKNOWN", and count StoreErrors.

import { AcquireProbeResult } from "../../core/contracts";
import { validateAcquireProbeEvent } from "../../core/schema/handler-events";
import { METRICS } from "../../core/metric-names";
import { currentSettings, HandlerDeps, serviceOf, withTelemetry } from "../shared/runtime";

export const STORE_ERROR_REASON = "store error";

export function makeAcquireProbeHandler(deps: HandlerDeps): (event: unknown) => Promise<AcquireProbeResult> {
  return async (raw) => {
    const event = validateAcquireProbeEvent(raw);
    const settings = await currentSettings(deps, event, "acquire-probe event");
    return withTelemetry(deps, event.breaker, async (tel) => {
      try {
        const service = await serviceOf(deps);
        const { grant, transition } = await service.acquireProbe(event.breaker, settings, event.leaseId, event.early ?? false);
        tel.transition(transition);
        if (grant.admitted) tel.count(METRICS.probeAttempts);
        return { ...grant };
      } catch (err) {
        tel.storeError("acquire-probe", err, settings.onStoreError);
        return { admitted: settings.onStoreError === "allow", gen: 0, state: "UNKNOWN", leaseId: null, reason: STORE_ERROR_REASON };
      }
    });
  };
}
