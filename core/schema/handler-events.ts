// One zod schema per handler event (the payloads the state machines send to the shared handler plane). Types are
// inferred from the schemas (core/contracts.ts re-exports them). A malformed event throws InvalidEventError in the
// one wording of core/schema/format.ts: `<handler> event.<path> is <value>; allowed: <rule>`, and the handler
// touches no state. Unknown fields are refused (a misspelt `leaseId` must not turn a probe report into an
// ordinary one), except in the demo downstream, whose event is the caller's own request.
//
// Every handler event carries the breaker context (definition/breaker-context.ts): `breaker`, the breaker's
// deployed `settings` (validated by the handler once per settings fingerprint, not here) and, when enabled,
// its `settingsParameter`.

import { MAX_SUCCESS_WEIGHT } from "../definition/rate-success";
import { z } from "zod";
import { LEASE_ID_DOC, LEASE_ID_PATTERN } from "../aws-limits";
import { BreakerState, STATES } from "../breaker";
import { InvalidEventError } from "../contracts";
import { ERROR_NAME_PATTERN } from "../names";
import { SETTINGS_REFRESH_SECONDS } from "../settings-overrides";
import { truncateText } from "../text";
import { numberIn, oneOf, parseWith, unknownKeyMessage } from "./format";
import { breakerNameSchema } from "./names";

/** Longer causes are cut to this length (with a note of the original length), never refused. */
export const MAX_CAUSE_LENGTH = 32768;

/** A cause cut to `max` characters, ending with a note of how long it was: a long cause never costs an outcome its count. */
export function truncateCause(text: string, max = MAX_CAUSE_LENGTH): string {
  return truncateText(text, max);
}

export const FALLBACK_REASONS = ["open", "forced open", "probe slots taken", "bulkhead full", "target failed", "store error"] as const;
export type FallbackReason = (typeof FALLBACK_REASONS)[number];
/** Fallback reasons where the call never reached the target: counted as CallsRejected. */
export const REJECTION_REASONS: readonly FallbackReason[] = ["open", "forced open", "probe slots taken", "bulkhead full"];

/**
 * Error names in events come from the target (any runtime: "com.acme.Foo$Bar", "Aws::S3::Errors::NoSuchKey")
 * or from Step Functions ("States.Timeout"): any text without control characters, so a real failure is never
 * refused as malformed. Only names matching ERROR_NAME_PATTERN can be listed in ignoredErrors.
 */
const EVENT_ERROR_PATTERN = /^[^\u0000-\u001f\u007f]{1,1024}$/; // eslint-disable-line no-control-regex -- it matches control characters in order to refuse them
const EVENT_ERROR_DOC = "an error name: 1 to 1024 characters, no control characters";
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ISO_TIME_DOC = "an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z";
/** Slot ids: $$.Execution.Name (every character Step Functions allows in one, non-ASCII letters too). */
const SLOT_ID_PATTERN = /^[^\s\u0000-\u001f\u007f-\u009f<>{}[\]?*"#%\\^|~`$&,;:/]{1,256}$/u; // eslint-disable-line no-control-regex -- it matches control characters in order to refuse them
const SLOT_ID_DOC =
  'a slot id (the execution name): 1 to 256 characters, no whitespace, control characters or < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /';
const GEN_DOC = "a generation: a non-negative integer (number or decimal string)";
/** An SSM parameter name: optional leading slash, path segments of letters, digits, _ . - (no ARN). */
export const PARAMETER_NAME_PATTERN = /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;
const PARAMETER_NAME_DOC = "an SSM parameter name of up to 1011 letters, digits, _ . - and / (e.g. /circuit-breaker/dev/orders/settings)";

const text = (pattern: RegExp, doc: string) => z.string({ error: doc }).regex(pattern, { error: doc });
/** null counts as absent for optional fields (Step Functions passes JSON null for a missing value). */
const optional = <T extends z.ZodType>(t: T) =>
  z.preprocess((v) => (v === null ? undefined : v), t.optional()) as unknown as z.ZodOptional<T>;
const generation = z.union([z.number(), z.string()], { error: GEN_DOC }).transform((v, ctx) => {
  const n = typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : v;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
    ctx.addIssue({ code: "custom", message: GEN_DOC, input: v });
    return z.NEVER;
  }
  return n;
});
const cause = optional(
  z.string({ error: "a string (longer than 32768 characters is truncated)" }).transform((s) => truncateCause(s)),
);
const isoTime = text(ISO_TIME_PATTERN, ISO_TIME_DOC).refine((s) => !Number.isNaN(Date.parse(s)), { error: ISO_TIME_DOC });

/** The breaker context every handler event carries (definition/breaker-context.ts). */
export const settingsParameterRefSchema = z.strictObject(
  {
    name: z.string({ error: PARAMETER_NAME_DOC }).max(1011, { error: PARAMETER_NAME_DOC }).regex(PARAMETER_NAME_PATTERN, { error: PARAMETER_NAME_DOC }),
    refreshSeconds: numberIn(SETTINGS_REFRESH_SECONDS.min, SETTINGS_REFRESH_SECONDS.max, true),
  },
  { error: (iss) => (iss.code === "unrecognized_keys" ? unknownKeyMessage("a settings parameter field", ["name", "refreshSeconds"]) : "an object {name, refreshSeconds}") },
);
const context = {
  breaker: breakerNameSchema,
  /** The breaker's deployed settings; validated once per fingerprint by the handler runtime. */
  settings: optional(z.record(z.string(), z.unknown(), { error: "a JSON object of breaker settings (the breaker's deployed settings)" })),
  settingsParameter: optional(settingsParameterRefSchema),
};

function event<Shape extends z.ZodRawShape>(shape: Shape) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) =>
      iss.code === "unrecognized_keys" ? unknownKeyMessage("a field of this event", keys) : `a JSON object with fields ${keys.join(", ")}`,
  });
}

export const getStatusEventSchema = event({
  ...context,
  /** Set by the health-probe branch: get-status then emits ManualStateActive and answers the loop's view (Probe). */
  healthProbe: optional(z.boolean({ error: "true or false" })),
  /** The health-probe loop's start ($$.Execution.StartTime) and time budget (design seconds): see core/open-period.ts. */
  loopStartedAt: optional(isoTime),
  loopSeconds: optional(numberIn(0, 300, false)),
});
export const acquireProbeEventSchema = event({
  ...context,
  leaseId: text(LEASE_ID_PATTERN, LEASE_ID_DOC),
  /** The health probe's early re-probe: an OPEN record is due from its probeAt (core/open-period.ts). */
  early: optional(z.boolean({ error: "true or false" })),
});
export const recordOutcomeEventSchema = event({
  ...context,
  /** The generation the caller saw when it was admitted (from the state read or the probe grant). */
  gen: generation,
  /** Set when the call was a HALF_OPEN probe. */
  leaseId: optional(text(LEASE_ID_PATTERN, LEASE_ID_DOC)),
  outcome: oneOf(["success", "failure"]),
  /** The target's error name (required with outcome "failure"). */
  error: optional(text(EVENT_ERROR_PATTERN, EVENT_ERROR_DOC)),
  cause,
  /** Call duration in ms; if absent and startedAt is given, the handler measures from startedAt. */
  durationMs: optional(numberIn(0, 86_400_000, false)),
  /** ISO time the call started ($$.Execution.StartTime): used for slow-call detection. */
  startedAt: optional(isoTime),
  /** A sampled success's weight, 1 / successSampleRate (the state machine passes it; core/definition/rate-success.ts). */
  weight: optional(numberIn(1, MAX_SUCCESS_WEIGHT, false)),
}).superRefine((e, ctx) => {
  if (e.outcome === "failure" && e.error === undefined) {
    ctx.addIssue({ code: "custom", path: ["error"], message: `${EVENT_ERROR_DOC} (required when outcome is "failure")`, input: undefined });
  }
  if (e.weight !== undefined && e.outcome !== "success") {
    ctx.addIssue({ code: "custom", path: ["weight"], message: 'only with outcome "success"', input: e.weight });
  }
});
export const acquireSlotEventSchema = event({
  ...context,
  slotId: text(SLOT_ID_PATTERN, SLOT_ID_DOC),
  /** Set (both) when the call is a HALF_OPEN probe that already holds a probe lease. */
  probeLeaseId: optional(text(LEASE_ID_PATTERN, `${LEASE_ID_DOC} (with probeGen)`)),
  probeGen: optional(generation),
}).superRefine((e, ctx) => {
  if ((e.probeGen !== undefined) !== (e.probeLeaseId !== undefined)) {
    const missing = e.probeLeaseId !== undefined ? "probeGen" : "probeLeaseId";
    ctx.addIssue({
      code: "custom",
      path: [missing],
      message: "both probeLeaseId and probeGen (a HALF_OPEN probe's lease and generation) or neither",
      input: undefined,
    });
  }
});
export const releaseSlotEventSchema = event({ ...context, slotId: text(SLOT_ID_PATTERN, SLOT_ID_DOC) });
export const storeErrorEventSchema = event({ ...context, error: text(EVENT_ERROR_PATTERN, EVENT_ERROR_DOC), cause });
export const fallbackEventSchema = event({
  ...context,
  reason: oneOf(FALLBACK_REASONS),
  state: optional(oneOf(STATES as unknown as [BreakerState, ...BreakerState[]])),
  error: optional(text(EVENT_ERROR_PATTERN, EVENT_ERROR_DOC)),
  cause,
  request: z.unknown().optional(),
});
/** Per-request overrides the demo downstream reads from its event (the rest of the event is the caller's). */
export const demoOverridesSchema = z.looseObject(
  {
    failureRate: optional(numberIn(0, 1, false)),
    latencyMs: optional(numberIn(0, 900_000, true)),
    errorName: optional(text(ERROR_NAME_PATTERN, "an error name: 1 to 128 letters, digits, _ . : -")),
  },
  { error: "a JSON object" },
);

export type GetStatusEvent = z.output<typeof getStatusEventSchema>;
export type AcquireProbeEvent = z.output<typeof acquireProbeEventSchema>;
export type RecordOutcomeEvent = z.output<typeof recordOutcomeEventSchema>;
export type AcquireSlotEvent = z.output<typeof acquireSlotEventSchema>;
export type ReleaseSlotEvent = z.output<typeof releaseSlotEventSchema>;
export type StoreErrorEvent = z.output<typeof storeErrorEventSchema>;
export type FallbackEvent = z.output<typeof fallbackEventSchema>;
export type SettingsParameterRef = z.output<typeof settingsParameterRefSchema>;
/** The context fields of any handler event. */
export type BreakerContextEvent = Pick<GetStatusEvent, "breaker" | "settings" | "settingsParameter">;
export interface DemoOverrides {
  failureRate?: number;
  latencyMs?: number;
  errorName?: string;
}

/** The object without its undefined fields (optional fields stay absent, not present-but-undefined). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function parser<S extends z.ZodType>(schema: S, what: string): (raw: unknown) => z.output<S> {
  return (raw) => compact(parseWith(schema, raw, what, (_path, message) => new InvalidEventError(message)) as object) as z.output<S>;
}

export const validateGetStatusEvent = parser(getStatusEventSchema, "get-status event");
export const validateAcquireProbeEvent = parser(acquireProbeEventSchema, "acquire-probe event");
export const validateRecordOutcomeEvent = parser(recordOutcomeEventSchema, "record-outcome event");
export const validateAcquireSlotEvent = parser(acquireSlotEventSchema, "acquire-slot event");
export const validateReleaseSlotEvent = parser(releaseSlotEventSchema, "release-slot event");
export const validateStoreErrorEvent = parser(storeErrorEventSchema, "report-store-error event");
export const validateFallbackEvent = parser(fallbackEventSchema, "fallback event");
const parseDemo = parser(demoOverridesSchema, "demo-downstream event");
export function validateDemoOverrides(raw: unknown): DemoOverrides {
  const { failureRate, latencyMs, errorName } = parseDemo(raw ?? {}) as DemoOverrides;
  return compact({ failureRate, latencyMs, errorName });
}
