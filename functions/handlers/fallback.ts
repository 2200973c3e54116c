// fallback (built-in): a degraded response carrying the breaker's name, state and the reason.
// Counts FallbacksServed, plus CallsRejected when the call never reached the target (open, forced open,
// probe slots taken, bulkhead full, without an error: a retry the opened circuit stopped carries its attempt's error)
// and BulkheadRejected for "bulkhead full". A user fallback Lambda
// receives the same event. The caller's request is not echoed back. Touches no store.

import { FallbackReason, FallbackResult } from "../../core/contracts";
import { REJECTION_REASONS, validateFallbackEvent } from "../../core/schema/handler-events";
import { METRICS } from "../../core/metric-names";
import { defineHandler } from "../shared/define-handler";

const WHY: Readonly<Record<FallbackReason, (breaker: string, error?: string) => string>> = {
  open: (b, error) =>
    error
      ? `circuit breaker '${b}' opened while the call was failing (${error}): it was not retried`
      : `circuit breaker '${b}' is open: the call was not made`,
  "forced open": (b, error) =>
    error
      ? `circuit breaker '${b}' was forced open by an operator while the call was failing (${error}): it was not retried`
      : `circuit breaker '${b}' is forced open by an operator: the call was not made`,
  "probe slots taken": (b) => `circuit breaker '${b}' is half-open and all its probe slots are taken: the call was not made`,
  "bulkhead full": (b) => `circuit breaker '${b}' has reached its limit of concurrent calls: the call was not made`,
  "target failed": (b, error) => `the target of circuit breaker '${b}' failed${error ? ` (${error})` : ""}`,
  "store error": (b) => `the state of circuit breaker '${b}' could not be read and it rejects calls when its store fails`,
};

export function fallbackMessage(breaker: string, reason: FallbackReason, error?: string): string {
  return `${WHY[reason](breaker, error)}; this is a fallback response`;
}

// The fallback needs no settings; it checks that the event is well formed, so it names the breaker it serves.
export const fallbackDefinition = defineHandler({
  name: "fallback",
  validate: validateFallbackEvent,
  environment: {},
  run: async ({ event, tel }): Promise<FallbackResult> => {
    if (REJECTION_REASONS.includes(event.reason) && event.error === undefined) tel.count(METRICS.callsRejected);
    if (event.reason === "bulkhead full") tel.count(METRICS.bulkheadRejected);
    tel.count(METRICS.fallbacksServed);
    return {
      fallback: true,
      breaker: event.breaker,
      state: event.state ?? "UNKNOWN",
      reason: event.reason,
      message: fallbackMessage(event.breaker, event.reason, event.error),
      ...(event.error !== undefined ? { error: event.error } : {}),
    };
  },
});

export const handler = fallbackDefinition.lambda();
