// BreakerRecord <-> flat stored attributes, shared by both stores. DynamoDB stores the values natively
// (numbers, booleans, maps, lists); Redis stores every hash field as text (JSON for maps and lists).
// Reading accepts either form and rejects malformed data with a StoreError naming the attribute.

import {
  BreakerRecord,
  BreakerState,
  CONSECUTIVE_FAILURES,
  expiresAtSeconds,
  openUntilIso,
  OverrideInfo,
  STATES,
  SuccessBucket,
  successBucketUntilIso,
  Transition,
} from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { ATTR } from "../../core/contracts";
import { StoreError } from "../../core/state-store";

/** Stored attribute names beyond ATTR (which the state machine reads). */
export const FIELD = {
  ...ATTR,
  reopens: "reopens",
  probeAt: "probeAt",
  probeSuccesses: "probeSuccesses",
  leases: "leases",
  override: "override",
  updatedAt: "updatedAt",
  history: "history",
} as const;

/** Counters are top-level attributes named as the pure module names them: `cf`, `f_<bucket>`, `s_<bucket>`. */
const COUNTER = new RegExp(`^(${CONSECUTIVE_FAILURES}|[fs]_\\d+)$`);

export function isCounterField(name: string): boolean {
  return COUNTER.test(name);
}

/** A window bucket's success counter, the only attribute the state machine adds to directly. */
export function isSuccessCounter(name: string): boolean {
  return /^s_\d+$/.test(name);
}

/** A plain attribute name that collides with no record attribute and no counter (for the TTL attribute). */
export function checkTtlAttribute(name: string, where = "ttlAttribute"): string {
  const own = Object.values(FIELD).filter((f) => f !== FIELD.expiresAt) as string[];
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,254}$/.test(name) || own.includes(name) || isCounterField(name)) {
    throw new StoreError(
      `${where} is ${JSON.stringify(name)}; allowed: a name of letters, digits and _ (not starting with a digit) other than ${own.join(", ")} and the counter names cf, f_<n>, s_<n>`,
    );
  }
  return name;
}

export type StoredValue = string | number | boolean | Record<string, unknown> | unknown[];

/**
 * The attributes to store for `rec` (the key excluded). Absent rather than null: openUntil and
 * openUntilIso outside OPEN, override outside FORCED_OPEN/DISABLED, the TTL attribute for manual states.
 */
export function recordAttributes(
  rec: BreakerRecord,
  settings: BreakerSettings,
  ttlAttribute: string = FIELD.expiresAt,
): Record<string, StoredValue> {
  const out: Record<string, StoredValue> = {
    [FIELD.state]: rec.state,
    [FIELD.gen]: rec.gen,
    [FIELD.ver]: rec.ver,
    [FIELD.reopens]: rec.reopens,
    [FIELD.probeSuccesses]: rec.probeSuccesses,
    [FIELD.leases]: { ...rec.leases },
    [FIELD.recordSuccess]: rec.recordSuccess,
    [FIELD.updatedAt]: rec.updatedAt,
    [FIELD.history]: rec.history.map((t) => ({ ...t })),
  };
  if (rec.openUntil !== null) out[FIELD.openUntil] = rec.openUntil;
  if (rec.probeAt !== null) out[FIELD.probeAt] = rec.probeAt;
  const iso = rec.state === "OPEN" ? openUntilIso(rec) : null;
  if (iso !== null) out[FIELD.openUntilIso] = iso;
  if (rec.override) out[FIELD.override] = { ...rec.override };
  const bucketUntil = successBucketUntilIso(rec);
  if (bucketUntil !== null) {
    const b = rec.successBucket!;
    for (const f of [b.field, b.nextField])
      if (!isSuccessCounter(f)) throw new Error(`record successBucket names ${JSON.stringify(f)}, not s_<n>`);
    out[FIELD.successBucket] = b.field;
    out[FIELD.successBucketUntilIso] = bucketUntil.until;
    out[FIELD.nextSuccessBucket] = b.nextField;
    out[FIELD.nextSuccessBucketUntilIso] = bucketUntil.nextUntil;
  }
  const ttl = expiresAtSeconds(rec, settings);
  if (ttl !== null) out[ttlAttribute] = ttl;
  for (const [k, v] of Object.entries(rec.counters)) {
    if (!isCounterField(k)) throw new Error(`record counter ${JSON.stringify(k)} is not a counter name (cf, f_<n>, s_<n>)`);
    out[k] = v;
  }
  return out;
}

/** Reads a stored record. `where` names the item or key in error messages. */
export function readRecord(attrs: Record<string, unknown>, where: string): BreakerRecord {
  const bad = (name: string, what: string): StoreError =>
    new StoreError(`${where}: stored attribute '${name}' is ${describe(attrs[name])}; expected ${what}`);
  const num = (name: string, fallback?: number, min = 0): number => {
    const v = attrs[name];
    if (v === undefined && fallback !== undefined) return fallback;
    const n = typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
    if (typeof n !== "number" || !Number.isFinite(n) || n < min) throw bad(name, `a number >= ${min}`);
    return n;
  };
  const int = (name: string, fallback?: number): number => {
    const n = num(name, fallback);
    if (!Number.isInteger(n)) throw bad(name, "an integer >= 0");
    return n;
  };
  const bool = (name: string): boolean => {
    const v = attrs[name];
    if (v === undefined || v === false || v === "false") return false;
    if (v === true || v === "true") return true;
    throw bad(name, "a boolean");
  };
  const json = (name: string): unknown => {
    const v = attrs[name];
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      throw bad(name, "JSON");
    }
  };

  const state = attrs[FIELD.state];
  if (typeof state !== "string" || !STATES.includes(state as BreakerState)) throw bad(FIELD.state, `one of ${STATES.join(", ")}`);

  const leases: Record<string, number> = {};
  const rawLeases = json(FIELD.leases) ?? {};
  if (!isPlainObject(rawLeases)) throw bad(FIELD.leases, "a map of lease id -> expiry (epoch ms)");
  for (const [id, exp] of Object.entries(rawLeases)) {
    if (typeof exp !== "number" || !Number.isFinite(exp)) throw bad(FIELD.leases, "a map of lease id -> expiry (epoch ms)");
    leases[id] = exp;
  }

  const rawOverride = json(FIELD.override);
  let override: OverrideInfo | null = null;
  if (rawOverride !== undefined && rawOverride !== null) {
    const o = rawOverride as Record<string, unknown>;
    if (!isPlainObject(o) || typeof o.by !== "string" || typeof o.at !== "number" || typeof o.reason !== "string") {
      throw bad(FIELD.override, "a map {by: string, at: number, reason: string}");
    }
    override = { by: o.by, at: o.at, reason: o.reason };
  }

  const rawHistory = json(FIELD.history) ?? [];
  if (!Array.isArray(rawHistory) || !rawHistory.every(isTransition))
    throw bad(FIELD.history, "a list of transitions {from, to, at, gen, reason}");

  const counters: Record<string, number> = {};
  for (const k of Object.keys(attrs)) if (isCounterField(k)) counters[k] = num(k);

  let successBucket: SuccessBucket | null = null;
  const bucketFields = [FIELD.successBucket, FIELD.successBucketUntilIso, FIELD.nextSuccessBucket, FIELD.nextSuccessBucketUntilIso];
  if (bucketFields.some((f) => attrs[f] !== undefined)) {
    const counter = (name: string): string => {
      const v = attrs[name];
      if (typeof v !== "string" || !isSuccessCounter(v)) throw bad(name, "a success counter name s_<n>");
      return v;
    };
    const time = (name: string): number => {
      const v = attrs[name];
      const t = typeof v === "string" ? Date.parse(v) : NaN;
      if (!Number.isFinite(t)) throw bad(name, "an ISO-8601 time");
      return t;
    };
    successBucket = {
      field: counter(FIELD.successBucket),
      until: time(FIELD.successBucketUntilIso),
      nextField: counter(FIELD.nextSuccessBucket),
      nextUntil: time(FIELD.nextSuccessBucketUntilIso),
    };
  }

  return {
    state: state as BreakerState,
    gen: int(FIELD.gen),
    ver: int(FIELD.ver),
    openUntil: attrs[FIELD.openUntil] === undefined ? null : num(FIELD.openUntil),
    probeAt: attrs[FIELD.probeAt] === undefined ? null : num(FIELD.probeAt),
    reopens: int(FIELD.reopens, 0),
    counters,
    leases,
    probeSuccesses: int(FIELD.probeSuccesses, 0),
    override,
    recordSuccess: bool(FIELD.recordSuccess),
    successBucket,
    updatedAt: num(FIELD.updatedAt, 0),
    history: (rawHistory as Transition[]).map((t) => ({ from: t.from, to: t.to, at: t.at, gen: t.gen, reason: t.reason })),
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isTransition(v: unknown): v is Transition {
  if (!isPlainObject(v)) return false;
  return (
    STATES.includes(v.from as BreakerState) &&
    STATES.includes(v.to as BreakerState) &&
    typeof v.at === "number" &&
    typeof v.gen === "number" &&
    typeof v.reason === "string"
  );
}

function describe(v: unknown): string {
  if (v === undefined) return "missing";
  const s = typeof v === "string" ? JSON.stringify(v) : (JSON.stringify(v) ?? String(v));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Wraps any failure of a store call in a StoreError (a StoreError passes through). */
export function storeError(kind: string, op: string, breaker: string, e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const err = e as { name?: string; message?: string; code?: string };
  const what = [err?.name, err?.code].filter((x) => x && x !== "Error").join("/") || "Error";
  return new StoreError(`${kind} ${op} for breaker '${breaker}' failed: ${what}: ${err?.message ?? String(e)}`, e);
}
