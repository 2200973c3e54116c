// Alarm thresholds: the schema (core/schema/alarms.ts) holds names, defaults and allowed ranges; this module
// keeps the entry points the stack config and the CircuitBreaker component use.

import { formatIssue } from "../core/schema/format";
import { ALARM_THRESHOLD_NAMES, AlarmThresholds, alarmThresholdsSchema, defaultAlarmThresholds } from "../core/schema/alarms";

export type { AlarmThresholds } from "../core/schema/alarms";
export { ALARM_THRESHOLD_NAMES };

export const DEFAULT_ALARM_THRESHOLDS: Readonly<AlarmThresholds> = Object.freeze(defaultAlarmThresholds());

/**
 * Completes and validates thresholds. Returns the thresholds and the problems found (each naming
 * `<where>.<key>`, the value and what is allowed); the caller decides how to report them.
 */
export function checkAlarmThresholds(raw: unknown, where: string): { thresholds: AlarmThresholds; problems: string[] } {
  const r = alarmThresholdsSchema.safeParse(raw === null ? undefined : raw, { reportInput: true });
  if (r.success) return { thresholds: r.data, problems: [] };
  return { thresholds: defaultAlarmThresholds(), problems: r.error.issues.map((i) => formatIssue(where, i, raw).message) };
}

/** Like checkAlarmThresholds, throwing the first problem (for component arguments). */
export function loadAlarmThresholds(raw: unknown, where: string): AlarmThresholds {
  const { thresholds, problems } = checkAlarmThresholds(raw, where);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return thresholds;
}
