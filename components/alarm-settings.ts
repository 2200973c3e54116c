// Alarm thresholds: names, defaults and allowed ranges in one place (stack config `alarms`, the
// CircuitBreaker's `alarms.thresholds`, docs/deploy.md).

import { ALARM_MAX_EVALUATION_SECONDS, checkAlarmWindow } from "../core/aws-limits";
import { checkNumber, describeValue, NumberRule } from "./number-rules";

export interface AlarmThresholds {
  /** Period of every breaker alarm except ManualStateActive. */
  periodSeconds: number;
  /** Periods that must breach before an alarm fires (failure rate, rejected calls, store errors). */
  evaluationPeriods: number;
  /** CallsFailed / ExecutionsStarted at or above this ratio. */
  failureRate: number;
  /** CallsRejected per period at or above this. */
  rejectedCalls: number;
  /** StoreErrors per period at or above this. */
  storeErrors: number;
  /** AWS/States ExecutionsFailed per period at or above this. */
  executionsFailed: number;
  /** AWS/States ExecutionsTimedOut per period at or above this. */
  executionsTimedOut: number;
  /** A FORCED_OPEN / DISABLED override active longer than this alarms (needs the health probe, which reports it). */
  manualStateMaxMinutes: number;
}

export const DEFAULT_ALARM_THRESHOLDS: Readonly<AlarmThresholds> = Object.freeze({
  periodSeconds: 60,
  evaluationPeriods: 3,
  failureRate: 0.5,
  rejectedCalls: 50,
  storeErrors: 1,
  executionsFailed: 10,
  executionsTimedOut: 1,
  manualStateMaxMinutes: 60,
});

export const ALARM_RULES: Readonly<Record<keyof AlarmThresholds, NumberRule>> = Object.freeze({
  periodSeconds: { min: 60, max: 3600, integer: true, multipleOf: 60 },
  evaluationPeriods: { min: 1, max: 60, integer: true },
  failureRate: { min: 0.01, max: 1, integer: false },
  rejectedCalls: { min: 1, max: 1_000_000, integer: true },
  storeErrors: { min: 1, max: 1_000_000, integer: true },
  executionsFailed: { min: 1, max: 1_000_000, integer: true },
  executionsTimedOut: { min: 1, max: 1_000_000, integer: true },
  manualStateMaxMinutes: { min: 1, max: 1440, integer: true },
});

export const ALARM_THRESHOLD_NAMES = Object.keys(DEFAULT_ALARM_THRESHOLDS) as (keyof AlarmThresholds)[];

/**
 * Completes and validates thresholds. Returns the thresholds and the problems found (each naming
 * `<where>.<key>`, the value and what is allowed); the caller decides how to report them.
 */
export function checkAlarmThresholds(raw: unknown, where: string): { thresholds: AlarmThresholds; problems: string[] } {
  const thresholds: AlarmThresholds = { ...DEFAULT_ALARM_THRESHOLDS };
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { thresholds, problems };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    return { thresholds, problems: [`${where} is ${describeValue(raw)}; allowed: an object with ${ALARM_THRESHOLD_NAMES.join(", ")}`] };
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const path = `${where}.${key}`;
    if (!(key in ALARM_RULES)) {
      problems.push(`${path} is not an alarm threshold; allowed: ${ALARM_THRESHOLD_NAMES.join(", ")}`);
      continue;
    }
    const r = checkNumber(path, value, ALARM_RULES[key as keyof AlarmThresholds]);
    if ("error" in r) problems.push(r.error);
    else thresholds[key as keyof AlarmThresholds] = r.value;
  }
  if (problems.length === 0 && checkAlarmWindow(thresholds.periodSeconds, thresholds.evaluationPeriods)) {
    problems.push(`${where}.evaluationPeriods is ${thresholds.evaluationPeriods}; allowed: at most ${Math.floor(ALARM_MAX_EVALUATION_SECONDS / thresholds.periodSeconds)} with periodSeconds ${thresholds.periodSeconds} (CloudWatch evaluates at most one day)`);
  }
  return { thresholds, problems };
}

/** Like checkAlarmThresholds, throwing the first problem (for component arguments). */
export function loadAlarmThresholds(raw: unknown, where: string): AlarmThresholds {
  const { thresholds, problems } = checkAlarmThresholds(raw, where);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return thresholds;
}
