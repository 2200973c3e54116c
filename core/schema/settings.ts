// Breaker settings: one definition of every tunable, its default, its allowed range and its doc line.
// The type (BreakerSettings), the defaults, the JSON Schema and docs/settings.md all come from this schema.
import { z } from "zod";
import { checkIgnoredErrors } from "../aws-limits";
import { numberIn, oneOf, strictObject } from "./format";

export const TRIP_RULES = ["consecutive", "window", "rate"] as const;
export const ON_STORE_ERROR = ["allow", "reject"] as const;

interface NumberRule {
  /** The lowest allowed value, or (exclusiveMin) the bound every value must be above. */
  min: number;
  exclusiveMin?: boolean;
  max: number;
  integer: boolean;
  default: number;
  doc: string;
}

/** Allowed ranges of the numeric settings, in one place (the schema below is built from it). */
export const NUMBER_RULES = {
  failureThreshold: { min: 1, max: 10000, integer: true, default: 5, doc: "failures that trip (consecutive, window)" },
  windowSeconds: { min: 1, max: 86400, integer: true, default: 60, doc: "sliding window (window, rate)" },
  failureRateThreshold: { min: 0.01, max: 1, integer: false, default: 0.5, doc: "failure ratio that trips (rate)" },
  minimumCalls: { min: 1, max: 1000000, integer: true, default: 20, doc: "calls needed before the ratio is judged (rate)" },
  slowCallDurationMs: { min: 0, max: 900000, integer: true, default: 0, doc: "slower successes count as failures; 0 = off" },
  openDurationSeconds: { min: 1, max: 86400, integer: true, default: 2, doc: "first open period" },
  openDurationMultiplier: { min: 1, max: 10, integer: false, default: 1.25, doc: "growth of the open period per re-open" },
  maxOpenDurationSeconds: { min: 1, max: 86400, integer: true, default: 300, doc: "cap on the open period" },
  halfOpenProbes: { min: 1, max: 100, integer: true, default: 1, doc: "probes admitted in HALF_OPEN; that many successes close" },
  earlyProbeSeconds: { min: 0, max: 3600, integer: true, default: 2, doc: "health probe may re-probe an OPEN circuit this long after it opened; 0 = off" },
  probeLeaseSeconds: { min: 1, max: 3600, integer: true, default: 30, doc: "a silent probe frees its slot after this" },
  idleTtlSeconds: { min: 60, max: 31536000, integer: true, default: 7 * 24 * 3600, doc: "TTL of an idle record after its last write" },
  timeoutSeconds: { min: 1, max: 900, integer: true, default: 10, doc: "per-attempt timeout of the target call" },
  retryAttempts: { min: 0, max: 10, integer: true, default: 2, doc: "retries of the target call" },
  retryIntervalSeconds: { min: 1, max: 300, integer: true, default: 1, doc: "first retry interval" },
  retryBackoffRate: { min: 1, max: 10, integer: false, default: 2, doc: "retry backoff rate" },
  retryMaxDelaySeconds: { min: 1, max: 3600, integer: true, default: 10, doc: "cap on one retry delay" },
  maxConcurrentCalls: { min: 0, max: 10000, integer: true, default: 0, doc: "bulkhead: concurrent target calls; 0 = off" },
  successSampleRate: {
    min: 0,
    exclusiveMin: true,
    max: 1,
    integer: false,
    default: 1,
    doc: "rate rule: share of successes recorded, each weighing 1/rate (docs/semantics.md)",
  },
} as const satisfies Record<string, NumberRule>;

type NumericName = keyof typeof NUMBER_RULES;

function numeric<K extends NumericName>(key: K) {
  const r: NumberRule = NUMBER_RULES[key];
  if (r.exclusiveMin) {
    const allowed = `a number above ${r.min} and at most ${r.max}`;
    return z.number({ error: allowed }).gt(r.min, { error: allowed }).max(r.max, { error: allowed }).meta({ description: r.doc }).default(r.default);
  }
  return numberIn(r.min, r.max, r.integer, r.doc).default(r.default);
}

export const ERROR_NAME_ALLOWED = "an error name: 1 to 128 letters, digits, _ . : -";
export const errorNameSchema = z.string({ error: ERROR_NAME_ALLOWED }).regex(/^[A-Za-z0-9_.:-]{1,128}$/, { error: ERROR_NAME_ALLOWED });

const settingsShape = {
  tripRule: oneOf(TRIP_RULES, "which rule trips the circuit").default("consecutive"),
  failureThreshold: numeric("failureThreshold"),
  windowSeconds: numeric("windowSeconds"),
  failureRateThreshold: numeric("failureRateThreshold"),
  minimumCalls: numeric("minimumCalls"),
  slowCallDurationMs: numeric("slowCallDurationMs"),
  ignoredErrors: z
    .array(errorNameSchema, { error: "a list of error names (letters, digits, _ . : -)" })
    .max(100, { error: "a list of at most 100 error names" })
    .default(() => ["ClientError"])
    .meta({ description: "error names from the target that neither count nor retry (client errors)" }),
  openDurationSeconds: numeric("openDurationSeconds"),
  openDurationMultiplier: numeric("openDurationMultiplier"),
  maxOpenDurationSeconds: numeric("maxOpenDurationSeconds"),
  halfOpenProbes: numeric("halfOpenProbes"),
  probeLeaseSeconds: numeric("probeLeaseSeconds"),
  earlyProbeSeconds: numeric("earlyProbeSeconds"),
  onStoreError: oneOf(ON_STORE_ERROR, "what a caller gets when the state store fails").default("allow"),
  idleTtlSeconds: numeric("idleTtlSeconds"),
  timeoutSeconds: numeric("timeoutSeconds"),
  retryAttempts: numeric("retryAttempts"),
  retryIntervalSeconds: numeric("retryIntervalSeconds"),
  retryBackoffRate: numeric("retryBackoffRate"),
  retryMaxDelaySeconds: numeric("retryMaxDelaySeconds"),
  maxConcurrentCalls: numeric("maxConcurrentCalls"),
  successSampleRate: numeric("successSampleRate"),
};

export const SETTING_NAMES = Object.keys(settingsShape) as (keyof typeof settingsShape)[];

/** A rule between settings broken: its path (relative to the settings), the value, and what is allowed. */
export interface SettingsProblem {
  path: (string | number)[];
  value: unknown;
  allowed: string;
}

/**
 * Cross-field rules of one breaker's completed settings, and the AWS-limit rules on settings alone (States.* in
 * ignoredErrors). The schema applies them; a settings override (core/settings-overrides.ts) applies them to
 * the merged result.
 */
export function settingsCrossProblems(s: BreakerSettingsOut): SettingsProblem[] {
  const out: SettingsProblem[] = [];
  if (s.maxOpenDurationSeconds < s.openDurationSeconds)
    out.push({ path: ["maxOpenDurationSeconds"], value: s.maxOpenDurationSeconds, allowed: `at least openDurationSeconds (${s.openDurationSeconds})` });
  // Sampling only thins what the rate rule adds up; every other rule (and slow-call timing) needs each success.
  if (s.successSampleRate < 1 && (s.tripRule !== "rate" || s.slowCallDurationMs > 0))
    out.push({
      path: ["successSampleRate"],
      value: s.successSampleRate,
      allowed: `1 unless tripRule is "rate" and slowCallDurationMs is 0 (here tripRule is "${s.tripRule}", slowCallDurationMs ${s.slowCallDurationMs})`,
    });
  // AWS's rule: no reserved States.* name (core/aws-limits.ts), in the stack config and scenario files alike.
  s.ignoredErrors.forEach((e, i) => {
    const reserved = checkIgnoredErrors([e])[0];
    if (reserved) out.push({ path: ["ignoredErrors", i], value: e, allowed: reserved.allowed });
  });
  return out;
}

const settingsObject = strictObject(settingsShape, "a breaker setting", "an object of breaker settings");
type BreakerSettingsOut = z.output<typeof settingsObject>;

/** A breaker's settings: absent or partial -> completed with the defaults. */
export const settingsSchema = settingsObject
  .default(() => settingsObject.parse({}))
  .superRefine((s, ctx) => {
    for (const p of settingsCrossProblems(s)) ctx.addIssue({ code: "custom", path: p.path, input: p.value, message: p.allowed });
  })
  .meta({ title: "Breaker settings", description: "A breaker's settings; every key optional, defaults filled in (docs/settings.md)." });

export type BreakerSettings = z.output<typeof settingsObject>;
export type TripRule = BreakerSettings["tripRule"];
export type OnStoreError = BreakerSettings["onStoreError"];
/** The settings as written in a config or scenario file (every key optional). */
export type BreakerSettingsInput = z.input<typeof settingsObject>;

/**
 * A settings-override document (the SSM parameter's JSON): any subset of the settings, each by its own rule and
 * without defaults; the rules between settings apply to the merged result (settingsCrossProblems).
 */
export const settingsOverrideSchema = strictObject(
  Object.fromEntries(Object.entries(settingsShape).map(([k, v]) => [k, v.unwrap().optional()])) as {
    [K in keyof typeof settingsShape]: z.ZodOptional<ReturnType<(typeof settingsShape)[K]["unwrap"]>>;
  },
  "a breaker setting",
  "a JSON object of breaker settings",
);

/** The defaults, derived from the schema. */
export function defaultSettings(): BreakerSettings {
  return settingsObject.parse({});
}
