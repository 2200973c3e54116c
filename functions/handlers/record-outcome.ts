// record-outcome: a call's outcome -> counting and transitions (BreakerService.recordOutcome).
// A probe's outcome (leaseId set) closes or re-opens a HALF_OPEN circuit. A store failure returns
// result "store-error" (logged, StoreErrors metric); the caller's response is not affected by it.

import { classify, Outcome } from "../../core/breaker";
import { RecordOutcomeResult } from "../../core/contracts";
import { RecordOutcomeEvent, validateRecordOutcomeEvent } from "../../core/schema/handler-events";
import { defineHandler } from "../shared/define-handler";
import { serviceOf } from "../shared/runtime";
import { ssmParameterFetcher } from "../shared/ssm-parameter";
import { storeFromEnv } from "../store/from-env";

/** The call's outcome; without durationMs, the duration is measured from startedAt (slow-call detection). */
export function outcomeOf(event: RecordOutcomeEvent, now: number): Outcome {
  const durationMs = event.durationMs ?? (event.startedAt !== undefined ? Math.max(0, now - Date.parse(event.startedAt)) : undefined);
  const timing = durationMs !== undefined ? { durationMs } : {};
  const weight = event.weight !== undefined ? { weight: event.weight } : {};
  return event.outcome === "failure"
    ? { kind: "failure", error: event.error as string, ...timing }
    : { kind: "success", ...timing, ...weight };
}

export const recordOutcomeDefinition = defineHandler({
  name: "record-outcome",
  validate: validateRecordOutcomeEvent,
  settings: "current",
  environment: { store: storeFromEnv, settingsParameter: ssmParameterFetcher },
  run: async ({ event, settings, deps, tel, now }): Promise<RecordOutcomeResult> => {
    const outcome = outcomeOf(event, now);
    tel.outcome(classify(outcome, settings));
    const service = await serviceOf(deps);
    const report = await service.recordOutcome(event.breaker, settings, event.gen, outcome, event.leaseId ?? null);
    tel.transition(report.transition);
    return { breaker: event.breaker, ...report };
  },
  storeErrorResult: ({ event, settings, now }): RecordOutcomeResult => ({
    breaker: event.breaker,
    result: "store-error",
    classified: classify(outcomeOf(event, now), settings),
    state: "UNKNOWN",
    transition: null,
  }),
});

export const handler = recordOutcomeDefinition.lambda();
