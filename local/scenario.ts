// Scenario files for `npm start` and `npm run bench`: their schema and a hand-written validator.
// Every error names the field (`scenario.phases[2].failureRate`), the value, and what is allowed.
// The schema is documented in docs/local-runtime.md, section "Scenario files"; keep the two in step.

import { checkIgnoredErrors, formatProblem } from "../core/aws-limits";
import { readFileSync } from "node:fs";
import { BreakerSettings, loadSettings, SettingsError } from "../core/settings";

export type StoreKind = "dynamodb" | "redis";
export const STORE_KINDS: readonly StoreKind[] = ["dynamodb", "redis"];

/** What happens when the breaker does not let a call through: the built-in fallback Lambda, or a Fail state (CircuitOpen). */
export type FallbackKind = "builtin" | "none";
export const FALLBACK_KINDS: readonly FallbackKind[] = ["builtin", "none"];

/** What a phase stands for in the report: timeToOpen counts from the first failing phase, timeToClose from the first recovering one. */
export type PhaseRole = "healthy" | "failing" | "recovering";
export const PHASE_ROLES: readonly PhaseRole[] = ["healthy", "failing", "recovering"];

/**
 * What the runtime does to the store process it started, for the length of a phase (local/store-faults.ts):
 * none; down = killed (SIGKILL) at the phase start and restarted on the same port, data kept, at its end;
 * slow = every store request delayed by storeDelayMs through a loopback proxy the runtime owns.
 */
export type StoreFault = "none" | "down" | "slow";
export const STORE_FAULTS: readonly StoreFault[] = ["none", "down", "slow"];

export interface Phase {
  name: string;
  /** Design time. */
  durationSeconds: number;
  /** Probability that one target attempt fails (0..1). */
  failureRate: number;
  /** Design-time latency of one target attempt. */
  latencyMs: number;
  /** The error name a failing attempt throws (a name in ignoredErrors does not count). */
  errorType: string;
  role: PhaseRole;
  /** What happens to the store during this phase (default none). */
  storeFault: StoreFault;
  /** Real ms each store request is delayed by; only with storeFault "slow". */
  storeDelayMs?: number;
}

export interface Scenario {
  name: string;
  description: string;
  breaker: { name: string; settings: BreakerSettings; fallback: FallbackKind };
  store: StoreKind;
  traffic: { ratePerSecond: number; maxConcurrency: number };
  phases: Phase[];
  /** Design seconds per real second (the CLI's --speed overrides it). */
  speed: number;
  /** Seeds the target's outcomes (the CLI's --seed overrides it). */
  seed: number;
}

/** A scenario file that cannot be read or is invalid. */
export class ScenarioError extends Error {
  constructor(
    public readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "ScenarioError";
  }
}

export const LIMITS = {
  speed: { min: 0.01, max: 1000 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  ratePerSecond: { min: 0.01, max: 10000 },
  maxConcurrency: { min: 1, max: 10000 },
  durationSeconds: { min: 0.1, max: 86400 },
  latencyMs: { min: 0, max: 900000 },
  phases: { min: 1, max: 100 },
  storeDelayMs: { min: 1, max: 60000 },
} as const;

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const ERROR_NAME = /^[A-Za-z0-9_.:-]{1,128}$/;

const TOP_KEYS = ["name", "description", "breaker", "store", "traffic", "phases", "speed", "seed"];
const BREAKER_KEYS = ["name", "settings", "fallback"];
const TRAFFIC_KEYS = ["ratePerSecond", "maxConcurrency"];
const PHASE_KEYS = ["name", "durationSeconds", "failureRate", "latencyMs", "errorType", "role", "storeFault", "storeDelayMs"];

export const PHASE_DEFAULTS = { latencyMs: 20, errorType: "ServiceUnavailable" } as const;

function show(v: unknown): string {
  if (v === undefined) return "missing";
  return JSON.stringify(v) ?? String(v);
}

function fail(field: string, value: unknown, allowed: string): never {
  throw new ScenarioError(field, `${field} is ${show(value)}; allowed: ${allowed}`);
}

function object(v: unknown, field: string, keys: string[]): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(field, v, `an object with ${keys.join(", ")}`);
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new ScenarioError(`${field}.${k}`, `${field}.${k} is not a known field; allowed: ${keys.join(", ")}`);
  }
  return o;
}

function number(v: unknown, field: string, min: number, max: number, integer = false): number {
  const kind = integer ? "an integer" : "a number";
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    fail(field, v, `${kind} from ${min} to ${max}`);
  }
  return v;
}

function name(v: unknown, field: string): string {
  if (typeof v !== "string" || !NAME.test(v)) fail(field, v, "1 to 64 letters, digits, _ . -");
  return v;
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) fail(field, v, allowed.join(", "));
  return v as T;
}

/**
 * Roles that are not given are inferred: a phase whose failureRate is at least 0.5 is failing;
 * a calmer phase after a failing one is recovering; any other is healthy.
 */
function inferRole(failureRate: number, seenFailing: boolean): PhaseRole {
  if (failureRate >= 0.5) return "failing";
  return seenFailing ? "recovering" : "healthy";
}

/** Validates a parsed scenario file and fills in defaults. */
export function validateScenario(raw: unknown, where = "scenario"): Scenario {
  const top = object(raw, where, TOP_KEYS);
  const b = object(top.breaker, `${where}.breaker`, BREAKER_KEYS);
  let settings: BreakerSettings;
  try {
    settings = loadSettings(b.settings, `${where}.breaker.settings`);
  } catch (e) {
    if (e instanceof SettingsError) throw new ScenarioError(e.setting, e.message);
    throw e;
  }
  // AWS's rule, as the stack config applies it: no reserved States.* name in ignoredErrors.
  const reserved = checkIgnoredErrors(settings.ignoredErrors)[0];
  if (reserved) throw new ScenarioError(`${where}.breaker.settings.${reserved.field}`, formatProblem(`${where}.breaker.settings`, reserved));
  const t = object(top.traffic, `${where}.traffic`, TRAFFIC_KEYS);
  if (!Array.isArray(top.phases) || top.phases.length < LIMITS.phases.min || top.phases.length > LIMITS.phases.max) {
    fail(`${where}.phases`, top.phases, `a list of ${LIMITS.phases.min} to ${LIMITS.phases.max} phases`);
  }
  let seenFailing = false;
  const names = new Set<string>();
  const phases = (top.phases as unknown[]).map((p, i): Phase => {
    const f = `${where}.phases[${i}]`;
    const o = object(p, f, PHASE_KEYS);
    const phaseName = name(o.name, `${f}.name`);
    if (names.has(phaseName)) fail(`${f}.name`, o.name, "a name no other phase uses");
    names.add(phaseName);
    const failureRate = number(o.failureRate, `${f}.failureRate`, 0, 1);
    const errorType = o.errorType === undefined ? PHASE_DEFAULTS.errorType : o.errorType;
    if (typeof errorType !== "string" || !ERROR_NAME.test(errorType)) fail(`${f}.errorType`, o.errorType, "an error name (letters, digits, _ . : -)");
    const role = o.role === undefined ? inferRole(failureRate, seenFailing) : oneOf(o.role, `${f}.role`, PHASE_ROLES);
    if (role === "failing") seenFailing = true;
    const storeFault = o.storeFault === undefined ? "none" : oneOf(o.storeFault, `${f}.storeFault`, STORE_FAULTS);
    const { min, max } = LIMITS.storeDelayMs;
    if (storeFault === "slow") {
      if (o.storeDelayMs === undefined) fail(`${f}.storeDelayMs`, undefined, `an integer from ${min} to ${max} (required when storeFault is "slow")`);
      number(o.storeDelayMs, `${f}.storeDelayMs`, min, max, true);
    } else if (o.storeDelayMs !== undefined) {
      fail(`${f}.storeDelayMs`, o.storeDelayMs, `nothing unless storeFault is "slow" (here storeFault is "${storeFault}")`);
    }
    return {
      name: phaseName,
      durationSeconds: number(o.durationSeconds, `${f}.durationSeconds`, LIMITS.durationSeconds.min, LIMITS.durationSeconds.max),
      failureRate,
      latencyMs: o.latencyMs === undefined ? PHASE_DEFAULTS.latencyMs : number(o.latencyMs, `${f}.latencyMs`, LIMITS.latencyMs.min, LIMITS.latencyMs.max),
      errorType,
      role,
      storeFault,
      ...(storeFault === "slow" ? { storeDelayMs: o.storeDelayMs as number } : {}),
    };
  });
  if (top.description !== undefined && typeof top.description !== "string") fail(`${where}.description`, top.description, "a string");
  return {
    name: name(top.name, `${where}.name`),
    description: (top.description as string | undefined) ?? "",
    breaker: {
      name: name(b.name, `${where}.breaker.name`),
      settings,
      fallback: b.fallback === undefined ? "builtin" : oneOf(b.fallback, `${where}.breaker.fallback`, FALLBACK_KINDS),
    },
    store: top.store === undefined ? "dynamodb" : oneOf(top.store, `${where}.store`, STORE_KINDS),
    traffic: {
      ratePerSecond: number(t.ratePerSecond, `${where}.traffic.ratePerSecond`, LIMITS.ratePerSecond.min, LIMITS.ratePerSecond.max),
      maxConcurrency: number(t.maxConcurrency, `${where}.traffic.maxConcurrency`, LIMITS.maxConcurrency.min, LIMITS.maxConcurrency.max, true),
    },
    phases,
    speed: top.speed === undefined ? 1 : number(top.speed, `${where}.speed`, LIMITS.speed.min, LIMITS.speed.max),
    seed: top.seed === undefined ? 1 : number(top.seed, `${where}.seed`, LIMITS.seed.min, LIMITS.seed.max, true),
  };
}

/** Reads and validates a scenario file; unreadable files and bad JSON are ScenarioErrors too. */
export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ScenarioError("--scenario", `cannot read scenario file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ScenarioError("--scenario", `scenario file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return validateScenario(raw);
}

/** The default scenario shipped with the project (local/scenarios/default.json). */
export const DEFAULT_SCENARIO_FILE = `${__dirname}/scenarios/default.json`;

/** Design seconds at which each phase starts, and the total. */
export function phaseStarts(s: Scenario): { starts: number[]; total: number } {
  const starts: number[] = [];
  let t = 0;
  for (const p of s.phases) {
    starts.push(t);
    t += p.durationSeconds;
  }
  return { starts, total: t };
}
