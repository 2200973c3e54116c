// Hand-written validators for the handler events in contracts.ts. Every handler validates its event first;
// a malformed one throws InvalidEventError naming the field, what it was and what is allowed, and the
// handler touches no state. Unknown fields are rejected too (a misspelt `leaseId` must not turn a probe
// report into an ordinary one), except in the demo downstream, whose event is the caller's own request.

import { LEASE_ID_DOC, LEASE_ID_PATTERN } from "../../core/aws-limits";
import { BreakerState, STATES } from "../../core/breaker";
import { ERROR_NAME_PATTERN } from "../../core/names";
import { truncateText } from "../../core/text";
import {
  AcquireProbeEvent,
  AcquireSlotEvent,
  FallbackEvent,
  FallbackReason,
  GetStatusEvent,
  HealthProbeEvent,
  InvalidEventError,
  RecordOutcomeEvent,
  ReleaseSlotEvent,
  StoreErrorEvent,
} from "../../core/contracts";
import { MAX_SUCCESS_WEIGHT } from "../../core/definition/rate-success";

/** Breaker names: the one rule of core/schema/names.ts (no `#`, which the bulkhead items use as a separator). */
import { BREAKER_NAME_DOC, BREAKER_NAME_PATTERN } from "../../core/schema/names";
export { BREAKER_NAME_PATTERN };
const ERROR_NAME_DOC = "an error name: 1 to 128 letters, digits, _ . : -";
/**
 * Error names in events come from the target (any runtime: "com.acme.Foo$Bar", "Aws::S3::Errors::NoSuchKey")
 * or from Step Functions ("States.Timeout"): any text without control characters, so a real failure is never
 * refused as malformed. Only names matching ERROR_NAME_PATTERN can be listed in ignoredErrors.
 */
const EVENT_ERROR_PATTERN = /^[^\u0000-\u001f\u007f]{1,1024}$/; // eslint-disable-line no-control-regex -- it matches control characters in order to refuse them
const EVENT_ERROR_DOC = "an error name: 1 to 1024 characters, no control characters";
// Lease ids (LEASE_ID_PATTERN) are execution names: every character Step Functions allows in one (core/aws-limits.ts).
/** ISO-8601 with a time zone, as $$.Execution.StartTime gives it (2024-05-01T12:00:00.123Z). */
const ISO_TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/**
 * Slot ids: $$.Execution.Name, which Step Functions allows to be 1 to 80 characters, non-ASCII letters too,
 * without whitespace, control characters or < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : /.
 */
const SLOT_ID_PATTERN = /^[^\s\u0000-\u001f\u007f-\u009f<>{}[\]?*"#%\\^|~`$&,;:/]{1,256}$/u; // eslint-disable-line no-control-regex -- it matches control characters in order to refuse them
const SLOT_ID_DOC =
  'a slot id (the execution name): 1 to 256 characters, no whitespace, control characters or < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /';
/** Longer causes are cut to this length (with a note of the original length), never refused. */
export const MAX_CAUSE_LENGTH = 32768;

/**
 * A cause (the target's error payload, a stack trace) cut to `max` characters, ending with a note of how long it
 * was. A long cause must never cost an outcome its count, so it is shortened instead of refused.
 */
export function truncateCause(text: string, max = MAX_CAUSE_LENGTH): string {
  return truncateText(text, max);
}

export const FALLBACK_REASONS: readonly FallbackReason[] = [
  "open",
  "forced open",
  "probe slots taken",
  "bulkhead full",
  "target failed",
  "store error",
];
/** Fallback reasons where the call never reached the target: counted as CallsRejected. */
export const REJECTION_REASONS: readonly FallbackReason[] = ["open", "forced open", "probe slots taken", "bulkhead full"];

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Reads the fields of one event, each checked against what is allowed. */
class EventReader {
  private readonly fields: Record<string, unknown>;

  constructor(
    raw: unknown,
    private readonly what: string,
    allowed: readonly string[] | null,
  ) {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      const list = allowed ? ` with fields ${allowed.join(", ")}` : "";
      throw new InvalidEventError(`${what} must be a JSON object${list}; got ${show(raw)}`);
    }
    this.fields = raw as Record<string, unknown>;
    if (allowed) {
      for (const key of Object.keys(this.fields)) {
        if (!allowed.includes(key)) {
          throw new InvalidEventError(`${what}: field "${key}" is not allowed; allowed fields: ${allowed.join(", ")}`);
        }
      }
    }
  }

  private fail(field: string, value: unknown, allowed: string): never {
    const got = value === undefined ? "is missing" : `is ${show(value)}`;
    throw new InvalidEventError(`${this.what}: field "${field}" ${got}; allowed: ${allowed}`);
  }

  /** The value, or undefined when absent (null counts as absent for optional fields). */
  private value(field: string, optional: boolean, allowed: string): unknown {
    const v = this.fields[field];
    if (v === undefined || v === null) {
      if (optional) return undefined;
      this.fail(field, v, allowed);
    }
    return v;
  }

  string(field: string, pattern: RegExp, doc: string): string;
  string(field: string, pattern: RegExp, doc: string, optional: true): string | undefined;
  string(field: string, pattern: RegExp, doc: string, optional = false): string | undefined {
    const v = this.value(field, optional, doc);
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !pattern.test(v)) this.fail(field, v, doc);
    return v;
  }

  /** An optional cause: any string; longer than MAX_CAUSE_LENGTH is truncated (truncateCause), not refused. */
  cause(field: string): string | undefined {
    const doc = "a string (longer than 32768 characters is truncated)";
    const v = this.value(field, true, doc);
    if (v === undefined) return undefined;
    if (typeof v !== "string") this.fail(field, v, doc);
    return truncateCause(v);
  }

  oneOf<T extends string>(field: string, options: readonly T[]): T;
  oneOf<T extends string>(field: string, options: readonly T[], optional: true): T | undefined;
  oneOf<T extends string>(field: string, options: readonly T[], optional = false): T | undefined {
    const doc = options.map((o) => JSON.stringify(o)).join(", ");
    const v = this.value(field, optional, doc);
    if (v === undefined) return undefined;
    if (!options.includes(v as T)) this.fail(field, v, doc);
    return v as T;
  }

  number(field: string, min: number, max: number, integer: boolean): number | undefined {
    const doc = `${integer ? "an integer" : "a number"} from ${min} to ${max}`;
    const v = this.value(field, true, doc);
    if (v === undefined) return undefined;
    if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) this.fail(field, v, doc);
    return v;
  }

  /** A generation: a non-negative integer, as a number or as DynamoDB's decimal string. */
  generation(field: string): number {
    const doc = "a generation: a non-negative integer (number or decimal string)";
    const v = this.value(field, false, doc);
    const n = typeof v === "string" && /^\d{1,15}$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) this.fail(field, v, doc);
    return n as number;
  }

  isoTime(field: string): string | undefined {
    const doc = "an ISO-8601 time with a zone, such as 2024-05-01T12:00:00.000Z";
    const v = this.value(field, true, doc);
    if (v === undefined) return undefined;
    if (typeof v !== "string" || !ISO_TIME_PATTERN.test(v) || Number.isNaN(Date.parse(v))) this.fail(field, v, doc);
    return v;
  }

  raw(field: string): unknown {
    return this.fields[field];
  }
}

/** The object without its undefined fields (optional fields stay absent, not present-but-undefined). */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const breakerOf = (r: EventReader) => r.string("breaker", BREAKER_NAME_PATTERN, BREAKER_NAME_DOC);

export function validateGetStatusEvent(raw: unknown): GetStatusEvent {
  const r = new EventReader(raw, "get-status event", ["breaker"]);
  return { breaker: breakerOf(r) };
}

export function validateAcquireProbeEvent(raw: unknown): AcquireProbeEvent {
  const r = new EventReader(raw, "acquire-probe event", ["breaker", "leaseId"]);
  return { breaker: breakerOf(r), leaseId: r.string("leaseId", LEASE_ID_PATTERN, LEASE_ID_DOC) };
}

/** A record-outcome event with its generation as a number. */
export type ValidRecordOutcomeEvent = RecordOutcomeEvent & { gen: number };

export function validateRecordOutcomeEvent(raw: unknown): ValidRecordOutcomeEvent {
  const r = new EventReader(raw, "record-outcome event", [
    "breaker",
    "gen",
    "leaseId",
    "outcome",
    "error",
    "cause",
    "durationMs",
    "startedAt",
    "weight",
  ]);
  const breaker = breakerOf(r);
  const gen = r.generation("gen");
  const leaseId = r.string("leaseId", LEASE_ID_PATTERN, LEASE_ID_DOC, true) ?? null;
  const outcome = r.oneOf("outcome", ["success", "failure"] as const);
  const error =
    outcome === "failure"
      ? r.string("error", EVENT_ERROR_PATTERN, `${EVENT_ERROR_DOC} (required when outcome is "failure")`)
      : r.string("error", EVENT_ERROR_PATTERN, EVENT_ERROR_DOC, true);
  const cause = r.cause("cause");
  const durationMs = r.number("durationMs", 0, 86_400_000, false);
  const startedAt = r.isoTime("startedAt");
  // A sampled success weighs 1 / successSampleRate (the state machine passes it; see core/definition/rate-success.ts).
  const weight = r.number("weight", 1, MAX_SUCCESS_WEIGHT, false);
  if (weight !== undefined && outcome !== "success")
    throw new InvalidEventError(
      `record-outcome event: field "weight" is ${weight} with outcome "${outcome}"; allowed: only with outcome "success"`,
    );
  return compact({ breaker, gen, leaseId, outcome, error, cause, durationMs, startedAt, weight });
}

export function validateAcquireSlotEvent(raw: unknown): AcquireSlotEvent & { probeGen?: number } {
  const r = new EventReader(raw, "acquire-slot event", ["breaker", "slotId", "probeLeaseId", "probeGen"]);
  const breaker = breakerOf(r);
  const slotId = r.string("slotId", SLOT_ID_PATTERN, SLOT_ID_DOC);
  const probeLeaseId = r.string("probeLeaseId", LEASE_ID_PATTERN, `${LEASE_ID_DOC} (with probeGen)`, true);
  const present = (f: string) => r.raw(f) !== undefined && r.raw(f) !== null;
  if (present("probeGen") !== (probeLeaseId !== undefined)) {
    const [given, missing] = probeLeaseId !== undefined ? ["probeLeaseId", "probeGen"] : ["probeGen", "probeLeaseId"];
    throw new InvalidEventError(
      `acquire-slot event: field "${given}" is given without "${missing}"; allowed: both (a HALF_OPEN probe's lease and generation) or neither`,
    );
  }
  const probeGen = probeLeaseId !== undefined ? r.generation("probeGen") : undefined;
  return compact({ breaker, slotId, probeLeaseId, probeGen });
}

export function validateReleaseSlotEvent(raw: unknown): ReleaseSlotEvent {
  const r = new EventReader(raw, "release-slot event", ["breaker", "slotId"]);
  return { breaker: breakerOf(r), slotId: r.string("slotId", SLOT_ID_PATTERN, SLOT_ID_DOC) };
}

export function validateStoreErrorEvent(raw: unknown): StoreErrorEvent {
  const r = new EventReader(raw, "report-store-error event", ["breaker", "error", "cause"]);
  const breaker = breakerOf(r);
  const error = r.string("error", EVENT_ERROR_PATTERN, EVENT_ERROR_DOC);
  const cause = r.cause("cause");
  return compact({ breaker, error, cause });
}

export function validateFallbackEvent(raw: unknown): FallbackEvent {
  const r = new EventReader(raw, "fallback event", ["breaker", "reason", "state", "error", "cause", "request"]);
  const breaker = breakerOf(r);
  const reason = r.oneOf("reason", FALLBACK_REASONS);
  const state = r.oneOf("state", STATES as readonly BreakerState[], true);
  const error = r.string("error", EVENT_ERROR_PATTERN, EVENT_ERROR_DOC, true);
  const cause = r.cause("cause");
  const request = r.raw("request");
  return compact({ breaker, reason, state, error, cause, request });
}

/** The scheduler may send an empty input: undefined, null and {} are all "the function's own breaker". */
export function validateHealthProbeEvent(raw: unknown): HealthProbeEvent {
  if (raw === undefined || raw === null) return {};
  const r = new EventReader(raw, "health-probe event", ["breaker"]);
  return compact({ breaker: r.string("breaker", BREAKER_NAME_PATTERN, BREAKER_NAME_DOC, true) });
}

/** Per-request overrides the demo downstream reads from its event (the rest of the event is the caller's). */
export interface DemoOverrides {
  failureRate?: number;
  latencyMs?: number;
  errorName?: string;
}

export function validateDemoOverrides(raw: unknown): DemoOverrides {
  const r = new EventReader(raw ?? {}, "demo-downstream event", null);
  return compact({
    failureRate: r.number("failureRate", 0, 1, false),
    latencyMs: r.number("latencyMs", 0, 900_000, true),
    errorName: r.string("errorName", ERROR_NAME_PATTERN, ERROR_NAME_DOC, true),
  });
}
