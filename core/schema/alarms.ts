// Alarm thresholds (stack config `alarms`, the CircuitBreaker's `alarms.thresholds`): names, defaults and
// allowed ranges in one schema; AlarmThresholds is inferred from it.
import { z } from "zod";
import { checkAlarmWindow } from "../aws-limits";
import { strictObject } from "./format";

function rule(min: number, max: number, integer: boolean, def: number, doc: string, multipleOf?: number) {
  const allowed = `${integer ? "an integer" : "a number"} from ${min} to ${max}${multipleOf ? ` that is a multiple of ${multipleOf}` : ""}`;
  let n = z.number({ error: allowed });
  if (integer) n = n.int({ error: allowed });
  n = n.min(min, { error: allowed }).max(max, { error: allowed });
  if (multipleOf) n = n.multipleOf(multipleOf, { error: allowed });
  return n.default(def).meta({ description: doc });
}

const shape = {
  periodSeconds: rule(60, 3600, true, 60, "period of every breaker alarm except ManualStateActive", 60),
  evaluationPeriods: rule(1, 60, true, 3, "periods that must breach before an alarm fires"),
  failureRate: rule(0.01, 1, false, 0.5, "CallsFailed / ExecutionsStarted at or above this ratio"),
  rejectedCalls: rule(1, 1_000_000, true, 50, "CallsRejected per period at or above this"),
  storeErrors: rule(1, 1_000_000, true, 1, "StoreErrors per period at or above this"),
  executionsFailed: rule(1, 1_000_000, true, 10, "AWS/States ExecutionsFailed per period at or above this"),
  executionsTimedOut: rule(1, 1_000_000, true, 1, "AWS/States ExecutionsTimedOut per period at or above this"),
  manualStateMaxMinutes: rule(1, 1440, true, 60, "a FORCED_OPEN / DISABLED override active longer than this alarms"),
};

const thresholdsObject = strictObject(shape, "an alarm threshold", `an object with ${Object.keys(shape).join(", ")}`);

/** Alarm thresholds, completed with the defaults. Cross-field (and AWS-limit) rules go in the superRefine. */
export const alarmThresholdsSchema = thresholdsObject.default(() => thresholdsObject.parse({})).superRefine((t, ctx) => {
  const problem = checkAlarmWindow(t.periodSeconds, t.evaluationPeriods);
  if (problem) ctx.addIssue({ code: "custom", path: [problem.field], input: problem.value, message: problem.allowed });
});

export type AlarmThresholds = z.output<typeof thresholdsObject>;
export const ALARM_THRESHOLD_NAMES = Object.keys(shape) as (keyof AlarmThresholds)[];
export function defaultAlarmThresholds(): AlarmThresholds {
  return thresholdsObject.parse({});
}
