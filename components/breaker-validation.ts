// One breaker's options besides its settings: target, fallback, health probe, logging, tracing and the
// settings parameter. The stack config (components/config.ts) and the CircuitBreaker component check them
// with this one function, so both accept and reject the same values with the same words.

import { BreakerSettings, loadSettings, SettingsError } from "../core/settings";
import { DEFAULT_DEMO_CONFIG } from "../core/demo-config";
import { ERROR_NAME_PATTERN } from "../core/names";
import {
  BREAKER_NAME_DOC,
  BREAKER_NAME_PATTERN,
  DEFAULT_HEALTH_PROBE_SCHEDULE,
  DEFAULT_LOGGING,
  DEFAULT_SETTINGS_REFRESH_SECONDS,
  DEMO_RULES,
  DemoDownstreamOptions,
  FALLBACK_MODES,
  FallbackMode,
  LAMBDA_ARN_DOC,
  LAMBDA_ARN_PATTERN,
  LOG_LEVELS,
  LogLevel,
  RETENTION_RULE,
  SCHEDULE_DOC,
  scheduleIntervalMinutes,
  SETTINGS_REFRESH_RULE,
} from "./breaker-options";
import { Checker, Obj } from "./checker";
import { checkAwsLimits } from "./aws-limit-checks";

/** A breaker's options, checked and completed. `Arn` is string in the stack config (or an Output in a program). */
export interface CheckedBreaker<Arn = string> {
  name: string;
  targetArn?: Arn;
  demoDownstream?: Required<DemoDownstreamOptions>;
  fallback: FallbackMode;
  userFallbackArn?: Arn;
  settings: BreakerSettings;
  /** intervalMinutes: the probe's period, null when the probe is off. */
  healthProbe: { enabled: boolean; schedule: string; intervalMinutes: number | null; request: Record<string, unknown> };
  logging: { level: LogLevel; includeExecutionData: boolean; retentionDays: number };
  tracing: boolean;
  settingsParameter: { enabled: boolean; refreshSeconds: number };
}

export const BREAKER_KEYS = [
  "name",
  "targetArn",
  "demoDownstream",
  "fallback",
  "userFallbackArn",
  "settings",
  "settingsParameter",
  "healthProbe",
  "logging",
  "tracing",
];

export interface BreakerCheckContext {
  /** Log retention when the breaker sets none. */
  retentionDays: number;
  /** The ManualStateActive alarm's limit: a health probe must run at least this often. */
  manualStateMaxMinutes: number;
  /** Values known only at deploy time (Pulumi Outputs): accepted as given, checked by AWS. */
  isDeferred?: (value: unknown) => boolean;
  /** The state store (its kind and request timeout), for the AWS limits that depend on it. Default: dynamodb, 1000 ms. */
  store?: { kind: "dynamodb" | "elasticache"; timeoutMs: number };
}

/**
 * Checks one breaker's options (stack config `breakers[i]`, or a CircuitBreaker's arguments) and completes
 * the defaults. Problems go to `check`, worded with `path`; returns undefined when the breaker has no valid name.
 */
export function checkBreaker<Arn = string>(
  check: Checker,
  path: string,
  raw: unknown,
  defaults: BreakerCheckContext,
): CheckedBreaker<Arn> | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    check.fail(path, raw, `an object with ${BREAKER_KEYS.join(", ")}`);
    return undefined;
  }
  const o = check.object(path, raw, BREAKER_KEYS) as Obj;
  const name = o.name === undefined ? undefined : check.string(`${path}.name`, o.name, BREAKER_NAME_PATTERN, BREAKER_NAME_DOC);
  if (o.name === undefined) check.problems.push(`${path}.name is not set; allowed: ${BREAKER_NAME_DOC}`);

  // The target: exactly one of targetArn and demoDownstream.
  const deferred = (v: unknown) => v !== undefined && defaults.isDeferred?.(v) === true;
  const arn = (key: "targetArn" | "userFallbackArn"): Arn | undefined =>
    deferred(o[key]) ? (o[key] as Arn) : (check.string(`${path}.${key}`, o[key], LAMBDA_ARN_PATTERN, LAMBDA_ARN_DOC) as Arn | undefined);
  const targetArn = arn("targetArn");
  const demoGiven = o.demoDownstream !== undefined && o.demoDownstream !== false;
  if (o.targetArn !== undefined && demoGiven) {
    check.fail(`${path}.demoDownstream`, o.demoDownstream, "not set together with targetArn (give exactly one target)");
  } else if (o.targetArn === undefined && !demoGiven) {
    check.problems.push(`${path}.targetArn is not set; allowed: ${LAMBDA_ARN_DOC}, or demoDownstream: true`);
  }
  let demoDownstream: Required<DemoDownstreamOptions> | undefined;
  if (demoGiven) {
    const d =
      o.demoDownstream === true ? {} : check.object(`${path}.demoDownstream`, o.demoDownstream, ["failureRate", "latencyMs", "errorName"]);
    if (d) {
      demoDownstream = {
        failureRate: check.number(
          `${path}.demoDownstream.failureRate`,
          d.failureRate,
          DEMO_RULES.failureRate,
          DEFAULT_DEMO_CONFIG.failureRate,
        ),
        latencyMs: check.number(`${path}.demoDownstream.latencyMs`, d.latencyMs, DEMO_RULES.latencyMs, DEFAULT_DEMO_CONFIG.latencyMs),
        errorName:
          check.string(
            `${path}.demoDownstream.errorName`,
            d.errorName,
            ERROR_NAME_PATTERN,
            "an error name: 1 to 128 letters, digits, _ . : -",
          ) ?? DEFAULT_DEMO_CONFIG.errorName,
      };
    }
  }

  const fallback = check.oneOf(`${path}.fallback`, o.fallback, FALLBACK_MODES, "builtin");
  const userFallbackArn = arn("userFallbackArn");
  if (fallback === "user" && o.userFallbackArn === undefined) {
    check.problems.push(`${path}.userFallbackArn is not set; allowed: ${LAMBDA_ARN_DOC} (required with fallback user)`);
  } else if (fallback !== "user" && o.userFallbackArn !== undefined) {
    check.fail(`${path}.userFallbackArn`, o.userFallbackArn, `only with fallback user (fallback is ${JSON.stringify(fallback)})`);
  }

  let settings: BreakerSettings;
  try {
    settings = loadSettings(o.settings, `${path}.settings`);
  } catch (e) {
    if (!(e instanceof SettingsError)) throw e;
    check.problems.push(e.message);
    settings = loadSettings(undefined);
  }

  const hp = check.object(`${path}.healthProbe`, o.healthProbe, ["enabled", "schedule", "request"]) ?? {};
  const enabled = check.bool(`${path}.healthProbe.enabled`, hp.enabled, true);
  let schedule = DEFAULT_HEALTH_PROBE_SCHEDULE;
  let intervalMinutes = scheduleIntervalMinutes(schedule) as number;
  if (hp.schedule !== undefined) {
    const minutes = typeof hp.schedule === "string" ? scheduleIntervalMinutes(hp.schedule) : null;
    if (minutes === null) check.fail(`${path}.healthProbe.schedule`, hp.schedule, SCHEDULE_DOC);
    else {
      schedule = hp.schedule as string;
      intervalMinutes = minutes;
      if (enabled && minutes > defaults.manualStateMaxMinutes) {
        check.fail(
          `${path}.healthProbe.schedule`,
          hp.schedule,
          `an interval of at most alarms.manualStateMaxMinutes (${defaults.manualStateMaxMinutes} minutes), which the ManualStateActive alarm is measured in`,
        );
      }
    }
  }
  let request: Record<string, unknown> = {};
  if (hp.request !== undefined) {
    if (typeof hp.request !== "object" || hp.request === null || Array.isArray(hp.request))
      check.fail(`${path}.healthProbe.request`, hp.request, "an object (the request the probe sends to the target)");
    else request = hp.request as Record<string, unknown>;
  }

  const lg = check.object(`${path}.logging`, o.logging, ["level", "includeExecutionData", "retentionDays"]) ?? {};
  const logging = {
    level: check.oneOf(`${path}.logging.level`, lg.level, LOG_LEVELS, DEFAULT_LOGGING.level),
    includeExecutionData: check.bool(`${path}.logging.includeExecutionData`, lg.includeExecutionData, DEFAULT_LOGGING.includeExecutionData),
    retentionDays: check.number(`${path}.logging.retentionDays`, lg.retentionDays, RETENTION_RULE, defaults.retentionDays),
  };

  const sp = check.object(`${path}.settingsParameter`, o.settingsParameter, ["enabled", "refreshSeconds"]) ?? {};
  const settingsParameter = {
    enabled: check.bool(`${path}.settingsParameter.enabled`, sp.enabled, false),
    refreshSeconds: check.number(
      `${path}.settingsParameter.refreshSeconds`,
      sp.refreshSeconds,
      SETTINGS_REFRESH_RULE,
      DEFAULT_SETTINGS_REFRESH_SECONDS,
    ),
  };

  checkAwsLimits(check, path, { name: name ?? "x", settings, fallback, healthProbe: { enabled, intervalMinutes, request } }, defaults);

  if (!name) return undefined;
  return {
    name,
    ...(targetArn ? { targetArn } : {}),
    ...(demoDownstream ? { demoDownstream } : {}),
    fallback,
    ...(userFallbackArn && fallback === "user" ? { userFallbackArn } : {}),
    settings,
    healthProbe: { enabled, schedule, intervalMinutes: enabled ? intervalMinutes : null, request },
    logging,
    tracing: check.bool(`${path}.tracing`, o.tracing, false),
    settingsParameter,
  };
}
