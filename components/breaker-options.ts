// The CircuitBreaker's non-settings options: allowed values and defaults, defined once for the component
// and for the stack config (components/config.ts).

import type { DemoConfig } from "../core/demo-config";
import { SETTINGS_REFRESH_SECONDS } from "../core/settings-overrides";
import { NumberRule } from "./number-rules";

/** Breaker names become resource names, log-group paths, a DynamoDB key and a metric dimension: one rule, core/schema/names.ts. */
export { BREAKER_NAME_DOC, BREAKER_NAME_PATTERN } from "../core/schema/names";

export const FALLBACK_MODES = ["builtin", "none", "user"] as const;
export type FallbackMode = (typeof FALLBACK_MODES)[number];

export const LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** CloudWatch Logs retention values. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const RETENTION_RULE: NumberRule = { min: 1, max: 3653, integer: true, oneOf: RETENTION_DAYS };

export const DEFAULT_LOGGING = Object.freeze({ level: "ERROR" as LogLevel, includeExecutionData: false, retentionDays: 30 });
export const DEFAULT_HEALTH_PROBE_SCHEDULE = "rate(1 minute)";

/** A Lambda function ARN (optionally with a version or alias). */
export const LAMBDA_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;
export const LAMBDA_ARN_DOC = "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])";

export const SCHEDULE_DOC = "rate(<n> minute[s]) or rate(<n> hour[s]) with an interval from 1 minute to 60 minutes";

/**
 * The health-probe interval in minutes, or null when the expression is not an allowed rate.
 * Only rate() between 1 and 60 minutes: the ManualStateActive alarm's period follows it.
 */
export function scheduleIntervalMinutes(expr: string): number | null {
  const m = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expr);
  if (!m) return null;
  const n = Number(m[1]);
  const singular = m[2] === "minute" || m[2] === "hour";
  if (n < 1 || singular !== (n === 1)) return null;
  const minutes = m[2].startsWith("hour") ? n * 60 : n;
  return minutes <= 60 ? minutes : null;
}

export const DEMO_RULES: Readonly<Record<"failureRate" | "latencyMs", NumberRule>> = Object.freeze({
  failureRate: { min: 0, max: 1, integer: false },
  latencyMs: { min: 0, max: 900_000, integer: true },
});

/** The demo downstream's configuration (FAILURE_RATE, LATENCY_MS, ERROR_NAME), each optional. */
export type DemoDownstreamOptions = Partial<DemoConfig>;

/** How often the Lambdas re-read the settings parameter (core/settings-overrides.ts). */
export const SETTINGS_REFRESH_RULE: NumberRule = { min: SETTINGS_REFRESH_SECONDS.min, max: SETTINGS_REFRESH_SECONDS.max, integer: true };
export const DEFAULT_SETTINGS_REFRESH_SECONDS = SETTINGS_REFRESH_SECONDS.default;
