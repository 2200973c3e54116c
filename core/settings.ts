// Breaker settings: one definition of every tunable, its default and its allowed range.
// The stack config (Pulumi.<stack>.yaml), scenario files and the Lambdas' environment use these names.

export type TripRule = "consecutive" | "window" | "rate";
export type OnStoreError = "allow" | "reject";

export interface BreakerSettings {
  /** Which rule trips the circuit. */
  tripRule: TripRule;
  /** consecutive: failures in a row; window: failures within windowSeconds. */
  failureThreshold: number;
  /** window and rate: the sliding window length. */
  windowSeconds: number;
  /** rate: failure ratio (0..1] at or above which the circuit opens. */
  failureRateThreshold: number;
  /** rate: calls that must be seen in the window before the ratio is judged. */
  minimumCalls: number;
  /** A successful call slower than this counts as a failure (0 = off). */
  slowCallDurationMs: number;
  /** Error names from the target that neither count nor retry (client errors). */
  ignoredErrors: string[];
  /** First open period. */
  openDurationSeconds: number;
  /** Each re-open from HALF_OPEN multiplies the open period by this. */
  openDurationMultiplier: number;
  /** Cap on the open period. */
  maxOpenDurationSeconds: number;
  /** HALF_OPEN admits exactly this many probes; that many successes close. */
  halfOpenProbes: number;
  /** A probe that does not report back within this frees its slot. */
  probeLeaseSeconds: number;
  /** What a caller gets when the state store fails. */
  onStoreError: OnStoreError;
  /** Idle records are removed by the table's TTL (or Redis expiry) this long after their last write. */
  idleTtlSeconds: number;
  /** Target call: per-attempt timeout. */
  timeoutSeconds: number;
  /** Target call: retries after the first attempt. */
  retryAttempts: number;
  /** Target call: first retry interval. */
  retryIntervalSeconds: number;
  /** Target call: exponential backoff rate between retries. */
  retryBackoffRate: number;
  /** Target call: cap on one retry delay (full jitter below it). */
  retryMaxDelaySeconds: number;
  /** Bulkhead: concurrent target calls allowed per breaker (0 = no limit). */
  maxConcurrentCalls: number;
}

export const DEFAULT_SETTINGS: Readonly<BreakerSettings> = Object.freeze({
  tripRule: "consecutive",
  failureThreshold: 5,
  windowSeconds: 60,
  failureRateThreshold: 0.5,
  minimumCalls: 20,
  slowCallDurationMs: 0,
  ignoredErrors: ["ClientError"],
  openDurationSeconds: 30,
  openDurationMultiplier: 2,
  maxOpenDurationSeconds: 300,
  halfOpenProbes: 1,
  probeLeaseSeconds: 30,
  onStoreError: "allow",
  idleTtlSeconds: 7 * 24 * 3600,
  timeoutSeconds: 10,
  retryAttempts: 2,
  retryIntervalSeconds: 1,
  retryBackoffRate: 2,
  retryMaxDelaySeconds: 10,
  maxConcurrentCalls: 0,
}) as Readonly<BreakerSettings>;

type NumericKey = {
  [K in keyof BreakerSettings]: BreakerSettings[K] extends number ? K : never;
}[keyof BreakerSettings];

interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  doc: string;
}

/** Allowed ranges, in one place; the README's settings table mirrors this. */
export const NUMBER_RULES: Readonly<Record<NumericKey, NumberRule>> = {
  failureThreshold: { min: 1, max: 10000, integer: true, doc: "failures that trip (consecutive, window)" },
  windowSeconds: { min: 1, max: 86400, integer: true, doc: "sliding window (window, rate)" },
  failureRateThreshold: { min: 0.01, max: 1, integer: false, doc: "failure ratio that trips (rate)" },
  minimumCalls: { min: 1, max: 1000000, integer: true, doc: "calls needed before the ratio is judged (rate)" },
  slowCallDurationMs: { min: 0, max: 900000, integer: true, doc: "slower successes count as failures; 0 = off" },
  openDurationSeconds: { min: 1, max: 86400, integer: true, doc: "first open period" },
  openDurationMultiplier: { min: 1, max: 10, integer: false, doc: "growth of the open period per re-open" },
  maxOpenDurationSeconds: { min: 1, max: 86400, integer: true, doc: "cap on the open period" },
  halfOpenProbes: { min: 1, max: 100, integer: true, doc: "probes admitted in HALF_OPEN; that many successes close" },
  probeLeaseSeconds: { min: 1, max: 3600, integer: true, doc: "a silent probe frees its slot after this" },
  idleTtlSeconds: { min: 60, max: 31536000, integer: true, doc: "TTL of an idle record after its last write" },
  timeoutSeconds: { min: 1, max: 900, integer: true, doc: "per-attempt timeout of the target call" },
  retryAttempts: { min: 0, max: 10, integer: true, doc: "retries of the target call" },
  retryIntervalSeconds: { min: 1, max: 300, integer: true, doc: "first retry interval" },
  retryBackoffRate: { min: 1, max: 10, integer: false, doc: "retry backoff rate" },
  retryMaxDelaySeconds: { min: 1, max: 3600, integer: true, doc: "cap on one retry delay" },
  maxConcurrentCalls: { min: 0, max: 10000, integer: true, doc: "bulkhead: concurrent target calls; 0 = off" },
};

export const TRIP_RULES: readonly TripRule[] = ["consecutive", "window", "rate"];
export const ON_STORE_ERROR: readonly OnStoreError[] = ["allow", "reject"];
export const SETTING_NAMES = Object.keys(DEFAULT_SETTINGS) as (keyof BreakerSettings)[];

/** A setting that is unknown, of the wrong type or out of range. */
export class SettingsError extends Error {
  constructor(
    public readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = "SettingsError";
  }
}

function describe(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
}

/**
 * Validates and completes settings. Unknown keys, wrong types and values out of range throw a
 * SettingsError naming the setting (prefixed by `where`), the value and what is allowed.
 */
export function loadSettings(raw: unknown, where = "settings"): BreakerSettings {
  if (raw === undefined || raw === null) return { ...DEFAULT_SETTINGS, ignoredErrors: [...DEFAULT_SETTINGS.ignoredErrors] };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new SettingsError(where, `${where} must be an object of breaker settings, got ${describe(raw)}`);
  }
  const input = raw as Record<string, unknown>;
  const out: BreakerSettings = { ...DEFAULT_SETTINGS, ignoredErrors: [...DEFAULT_SETTINGS.ignoredErrors] };
  for (const [key, value] of Object.entries(input)) {
    const path = `${where}.${key}`;
    if (value === undefined) continue;
    if (!(key in DEFAULT_SETTINGS)) {
      throw new SettingsError(path, `${path} is not a breaker setting; allowed: ${SETTING_NAMES.join(", ")}`);
    }
    if (key === "tripRule") {
      if (!TRIP_RULES.includes(value as TripRule)) {
        throw new SettingsError(path, `${path} is ${describe(value)}; allowed: ${TRIP_RULES.join(", ")}`);
      }
      out.tripRule = value as TripRule;
    } else if (key === "onStoreError") {
      if (!ON_STORE_ERROR.includes(value as OnStoreError)) {
        throw new SettingsError(path, `${path} is ${describe(value)}; allowed: ${ON_STORE_ERROR.join(", ")}`);
      }
      out.onStoreError = value as OnStoreError;
    } else if (key === "ignoredErrors") {
      if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || !/^[A-Za-z0-9_.:-]{1,128}$/.test(v))) {
        throw new SettingsError(path, `${path} is ${describe(value)}; allowed: a list of error names (letters, digits, _ . : -)`);
      }
      out.ignoredErrors = [...(value as string[])];
    } else {
      const rule = NUMBER_RULES[key as NumericKey];
      const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
      if (typeof n !== "number" || !Number.isFinite(n) || n < rule.min || n > rule.max || (rule.integer && !Number.isInteger(n))) {
        const kind = rule.integer ? "an integer" : "a number";
        throw new SettingsError(path, `${path} is ${describe(value)}; allowed: ${kind} from ${rule.min} to ${rule.max}`);
      }
      (out as unknown as Record<string, number>)[key] = n;
    }
  }
  if (out.maxOpenDurationSeconds < out.openDurationSeconds) {
    throw new SettingsError(
      `${where}.maxOpenDurationSeconds`,
      `${where}.maxOpenDurationSeconds is ${out.maxOpenDurationSeconds}; allowed: at least openDurationSeconds (${out.openDurationSeconds})`,
    );
  }
  return out;
}
