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
import { defineHandler } from "../shared/define-handler";
import { serviceOf } from "../shared/runtime";
import { ssmParameterFetcher } from "../shared/ssm-parameter";
import { storeFromEnv } from "../store/from-env";

export const STORE_ERROR_REASON = "store error";

export const acquireProbeDefinition = defineHandler({
  name: "acquire-probe",
  validate: validateAcquireProbeEvent,
  settings: "current",
  environment: { store: storeFromEnv, settingsParameter: ssmParameterFetcher },
  run: async ({ event, settings, deps, tel }): Promise<AcquireProbeResult> => {
    const service = await serviceOf(deps);
    const { grant, transition } = await service.acquireProbe(event.breaker, settings, event.leaseId, event.early ?? false);
    tel.transition(transition);
    if (grant.admitted) tel.count(METRICS.probeAttempts);
    return { ...grant };
  },
  storeErrorResult: ({ settings }): AcquireProbeResult => ({
    admitted: settings.onStoreError === "allow",
    gen: 0,
    state: "UNKNOWN",
    leaseId: null,
    reason: STORE_ERROR_REASON,
  }),
});

export const handler = acquireProbeDefinition.lambda();
