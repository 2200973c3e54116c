// Runtime settings overrides, I/O-free: which breaker settings may change without a redeploy, how an
// override document (the SSM parameter's JSON) is merged over the deployed settings, and when the next
// refresh is due. Only the override document is validated here (settingsOverrideSchema). The reading (SSM) and caching live in functions/shared/settings-source.ts and ssm-parameter.ts.

import { alwaysRecordSuccess } from "./breaker";
import { parseWith } from "./schema/format";
import { settingsCrossProblems, settingsOverrideSchema } from "./schema/settings";
import { BreakerSettings, NUMBER_RULES, SettingsError } from "./settings";

/**
 * Settings the handlers read on every invocation: a new value applies from the next refresh on.
 * slowCallDurationMs may change its threshold, but not between 0 (off) and non-zero (on): see DEPLOY_TIME_SETTINGS.
 * windowSeconds: a new window length starts the window's count afresh (its buckets no longer line up).
 */
export const RUNTIME_SETTINGS = [
  "failureThreshold",
  "windowSeconds",
  "failureRateThreshold",
  "minimumCalls",
  "slowCallDurationMs",
  "openDurationSeconds",
  "openDurationMultiplier",
  "maxOpenDurationSeconds",
  "halfOpenProbes",
  "probeLeaseSeconds",
  "earlyProbeSeconds",
  "idleTtlSeconds",
] as const satisfies readonly (keyof BreakerSettings)[];

/** Settings baked into the deployed resources, and where: they change only with a redeploy (stack config). */
export const DEPLOY_TIME_SETTINGS = {
  tripRule: "the state machine's Choice states decide from it whether successes are reported",
  ignoredErrors: "the state machine's Retry and Catch of the target call list these error names",
  onStoreError: "the state machine's Catch routes of a failed store call are built from it",
  timeoutSeconds: "the state machine's TimeoutSeconds of the target call, the health probe's invoke timeout and its Lambda timeout",
  retryAttempts: "the state machine's Retry of the target call (MaxAttempts)",
  retryIntervalSeconds: "the state machine's Retry of the target call (IntervalSeconds)",
  retryBackoffRate: "the state machine's Retry of the target call (BackoffRate)",
  retryMaxDelaySeconds: "the state machine's Retry of the target call (MaxDelaySeconds)",
  maxConcurrentCalls: "the state machine's bulkhead gate exists only when it is above 0, and the limit is in its rejection",
  successSampleRate: "the state machine draws the sample and passes each recorded success's weight",
} as const satisfies Readonly<Partial<Record<keyof BreakerSettings, string>>>;

export type RuntimeSetting = (typeof RUNTIME_SETTINGS)[number];
export type DeployTimeSetting = keyof typeof DEPLOY_TIME_SETTINGS;

// Every setting is in exactly one of the two lists (a compile error otherwise).
type Unlisted = Exclude<keyof BreakerSettings, RuntimeSetting | DeployTimeSetting>;
type ListedTwice = Extract<RuntimeSetting, DeployTimeSetting>;
const everySettingListedOnce: [Unlisted, ListedTwice] extends [never, never] ? true : never = true;
void everySettingListedOnce;

/** SETTINGS_REFRESH_SECONDS: default and allowed range. */
export const SETTINGS_REFRESH_SECONDS = { default: 60, min: 5, max: 3600 } as const;

/** Whether the next read of the overrides is due: never read, the interval has passed, or the clock went back. */
export function refreshDue(lastAttemptAt: number | null, now: number, intervalMs: number): boolean {
  return lastAttemptAt === null || now - lastAttemptAt >= intervalMs || now < lastAttemptAt;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
  return a === b;
}

const show = (v: unknown) => JSON.stringify(v);

/**
 * The override document `text` (a JSON object of breaker settings, partial allowed) merged over `deployed`.
 * A key absent from the document keeps its deployed value, so removing a key reverts it; "{}" = deployed.
 * Throws SettingsError naming the setting (prefixed by `where`) and what is allowed when the document is not
 * JSON, not an object, names an unknown setting or a value out of range, changes a deploy-time setting, or
 * turns slow-call detection on or off. Deploy-time settings equal to the deployed value are accepted.
 */
export function applyOverrides(deployed: BreakerSettings, text: string, where: string): BreakerSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SettingsError(
      where,
      `${where} is not valid JSON (${(e as Error).message}); allowed: a JSON object of breaker settings, e.g. {"failureThreshold":3}`,
    );
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new SettingsError(
      where,
      `${where} must be a JSON object of breaker settings, got ${show(raw)}; allowed: e.g. {"failureThreshold":3}`,
    );
  }
  // Only the document is checked: the deployed settings were validated at deploy time and at cold start.
  const override = parseWith(settingsOverrideSchema, raw, where, (path, message) => new SettingsError(path, message));
  const merged = { ...deployed, ...override } as BreakerSettings;
  const cross = settingsCrossProblems(merged)[0];
  if (cross) {
    const path = `${where}${cross.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("")}`;
    throw new SettingsError(path, `${path} is ${show(cross.value)}; allowed: ${cross.allowed}`);
  }
  for (const key of Object.keys(DEPLOY_TIME_SETTINGS) as DeployTimeSetting[]) {
    if (sameValue(merged[key], deployed[key])) {
      const value = deployed[key];
      (merged as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
      continue;
    }
    throw new SettingsError(
      `${where}.${key}`,
      `${where}.${key} is ${show(merged[key])} but ${show(deployed[key])} is deployed; ${key} changes only with a redeploy (${DEPLOY_TIME_SETTINGS[key]}); allowed at runtime: ${RUNTIME_SETTINGS.join(", ")}`,
    );
  }
  if (alwaysRecordSuccess(merged) !== alwaysRecordSuccess(deployed)) {
    const rule = NUMBER_RULES.slowCallDurationMs;
    const allowed = deployed.slowCallDurationMs > 0 ? `an integer from 1 to ${rule.max}` : "0";
    throw new SettingsError(
      `${where}.slowCallDurationMs`,
      `${where}.slowCallDurationMs is ${merged.slowCallDurationMs} but ${deployed.slowCallDurationMs} is deployed; allowed at runtime: ${allowed} (turning slow-call detection on or off changes which successes the state machine reports and needs a redeploy)`,
    );
  }
  return merged;
}

/** The settings whose values differ between `before` and `after`, for the log line of an applied change. */
export function changedSettings(
  before: BreakerSettings,
  after: BreakerSettings,
): { setting: keyof BreakerSettings; from: unknown; to: unknown }[] {
  return (Object.keys(after) as (keyof BreakerSettings)[])
    .filter((k) => !sameValue(before[k], after[k]))
    .map((k) => ({ setting: k, from: before[k], to: after[k] }));
}
