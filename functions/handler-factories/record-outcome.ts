// record-outcome: a call's outcome -> counting and transitions (BreakerService.recordOutcome).
// A probe's outcome (leaseId set) closes or re-opens a HALF_OPEN circuit. A store failure returns
// result "store-error" (logged, StoreErrors metric); the caller's response is not affected by it.

import { classify, Outcome } from "../../core/breaker";
import { RecordOutcomeResult } from "../../core/contracts";
import { RecordOutcomeEvent, validateRecordOutcomeEvent } from "../../core/schema/handler-events";
import { currentSettings, HandlerDeps, serviceOf, withTelemetry } from "../shared/runtime";

/** The call's outcome; without durationMs, the duration is measured from startedAt (slow-call detection). */
export function outcomeOf(event: RecordOutcomeEvent, now: number): Outcome {
  const durationMs = event.durationMs ?? (event.startedAt !== undefined ? Math.max(0, now - Date.parse(event.startedAt)) : undefined);
  const timing = durationMs !== undefined ? { durationMs } : {};
  return event.outcome === "failure" ? { kind: "failure", error: event.error as string, ...timing } : { kind: "success", ...timing };
}

export function makeRecordOutcomeHandler(deps: HandlerDeps): (event: unknown) => Promise<RecordOutcomeResult> {
  return async (raw) => {
    const event = validateRecordOutcomeEvent(raw);
    const settings = await currentSettings(deps, event, "record-outcome event");
    const outcome = outcomeOf(event, deps.clock());
    const classified = classify(outcome, settings);
    return withTelemetry(deps, event.breaker, async (tel) => {
      tel.outcome(classified);
      try {
        const service = await serviceOf(deps);
        const report = await service.recordOutcome(event.breaker, settings, event.gen, outcome, event.leaseId ?? null);
        tel.transition(report.transition);
        return { breaker: event.breaker, ...report };
      } catch (err) {
        tel.storeError("record-outcome", err, settings.onStoreError);
        return { breaker: event.breaker, result: "store-error", classified, state: "UNKNOWN", transition: null };
      }
    });
  };
}
