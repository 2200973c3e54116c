// Alarm thresholds: the schema (core/schema/alarms.ts) holds names, defaults and allowed ranges; this module
// keeps the entry points the components and the tests use.

import { formatIssue } from "../core/schema/format";
import { ALARM_THRESHOLD_NAMES, AlarmThresholds, alarmThresholdsSchema, defaultAlarmThresholds } from "../core/schema/alarms";

export type { AlarmThresholds } from "../core/schema/alarms";
export { ALARM_THRESHOLD_NAMES };

export const DEFAULT_ALARM_THRESHOLDS: Readonly<AlarmThresholds> = Object.freeze(defaultAlarmThresholds());

/** Completes and validates thresholds; throws every problem, each naming `<where>.<key>`, the value and what is allowed. */
export function loadAlarmThresholds(raw: unknown, where: string): AlarmThresholds {
  const r = alarmThresholdsSchema.safeParse(raw ?? undefined, { reportInput: true });
  if (r.success) return r.data;
  throw new Error(r.error.issues.map((i) => formatIssue(where, i, raw).message).join("\n"));
}
