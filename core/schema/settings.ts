// Breaker settings: one definition of every tunable, its default, its allowed range and its doc line.
// The type (BreakerSettings), the defaults, the JSON Schema and docs/settings.md all come from this schema.
import { z } from "zod";
import { checkIgnoredErrors } from "../aws-limits";
import { numberIn, oneOf, strictObject } from "./format";

export const TRIP_RULES = ["consecutive", "window", "rate"] as const;
export const ON_STORE_ERROR = ["allow", "reject"] as const;

interface NumberRule {
  min: number;
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
} as const satisfies Record<string, NumberRule>;

type NumericName = keyof typeof NUMBER_RULES;

function numeric<K extends NumericName>(key: K) {
  const r: NumberRule = NUMBER_RULES[key];
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
};

export const SETTING_NAMES = Object.keys(settingsShape) as (keyof typeof settingsShape)[];

/**
 * Cross-field rules of one breaker's settings. AWS-limit rules on settings alone (the EXPRESS 300 s budget,
 * States.* in ignoredErrors) are added here, as further checks on the completed settings.
 */
export function settingsCrossChecks(s: BreakerSettingsOut, ctx: z.core.$RefinementCtx<BreakerSettingsOut>): void {
  if (s.maxOpenDurationSeconds < s.openDurationSeconds) {
    ctx.addIssue({
      code: "custom",
      path: ["maxOpenDurationSeconds"],
      input: s.maxOpenDurationSeconds,
      message: `at least openDurationSeconds (${s.openDurationSeconds})`,
    });
  }
  // AWS's rule: no reserved States.* name (core/aws-limits.ts), in the stack config and scenario files alike.
  s.ignoredErrors.forEach((e, i) => {
    const reserved = checkIgnoredErrors([e])[0];
    if (reserved) ctx.addIssue({ code: "custom", path: ["ignoredErrors", i], input: e, message: reserved.allowed });
  });
}

const settingsObject = strictObject(settingsShape, "a breaker setting", "an object of breaker settings");
type BreakerSettingsOut = z.output<typeof settingsObject>;

/** A breaker's settings: absent or partial -> completed with the defaults. */
export const settingsSchema = settingsObject
  .default(() => settingsObject.parse({}))
  .superRefine((s, ctx) => settingsCrossChecks(s, ctx))
  .meta({ title: "Breaker settings", description: "A breaker's settings; every key optional, defaults filled in (docs/settings.md)." });

export type BreakerSettings = z.output<typeof settingsObject>;
export type TripRule = BreakerSettings["tripRule"];
export type OnStoreError = BreakerSettings["onStoreError"];
/** The settings as written in a config or scenario file (every key optional). */
export type BreakerSettingsInput = z.input<typeof settingsObject>;

/** The defaults, derived from the schema. */
export function defaultSettings(): BreakerSettings {
  return settingsObject.parse({});
}
