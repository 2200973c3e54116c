// Scenario files for `npm start` and `npm run bench`: one schema; the type, the defaults and
// schema/scenario.schema.json come from it. Every error names the field (`scenario.phases[2].failureRate`).
import { z } from "zod";
import { numberIn, oneOf, strictObject } from "./format";
import { breakerNameSchema } from "./names";
import { errorNameSchema, settingsSchema } from "./settings";

import { STORE_KINDS } from "../store-env";

export { STORE_KINDS };
/** What happens when the breaker does not let a call through: the built-in fallback Lambda, or a Fail state (CircuitOpen). */
export const FALLBACK_KINDS = ["builtin", "none"] as const;
/** What a phase stands for in the report: timeToOpen counts from the first failing phase, timeToClose from the first recovering one. */
export const PHASE_ROLES = ["healthy", "failing", "recovering"] as const;
/**
 * What the runtime does to the store process it started, for the length of a phase (local/store-faults.ts):
 * none; down = killed (SIGKILL) at the phase start and restarted on the same port, data kept, at its end;
 * slow = every store request delayed by storeDelayMs through a loopback proxy the runtime owns.
 */
export const STORE_FAULTS = ["none", "down", "slow"] as const;

export const LIMITS = {
  speed: { min: 0.01, max: 1000 },
  seed: { min: 0, max: 2 ** 32 - 1 },
  ratePerSecond: { min: 0.01, max: 10000 },
  maxConcurrency: { min: 1, max: 10000 },
  durationSeconds: { min: 0.1, max: 86400 },
  latencyMs: { min: 0, max: 900000 },
  phases: { min: 1, max: 100 },
  storeDelayMs: { min: 1, max: 60000 },
  /** Free text is bounded: it lands in report.html. */
  descriptionLength: { min: 0, max: 2000 },
} as const;

export const PHASE_DEFAULTS = { latencyMs: 20, errorType: "ServiceUnavailable" } as const;

const SCENARIO_NAME_DOC = "1 to 64 letters, digits, _ . -";
const scenarioName = z.string({ error: SCENARIO_NAME_DOC }).regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: SCENARIO_NAME_DOC });
const { min: dmin, max: dmax } = LIMITS.storeDelayMs;

const phaseShape = {
  name: scenarioName,
  durationSeconds: numberIn(LIMITS.durationSeconds.min, LIMITS.durationSeconds.max, false, "design time"),
  failureRate: numberIn(0, 1, false, "probability that one target attempt fails"),
  latencyMs: numberIn(LIMITS.latencyMs.min, LIMITS.latencyMs.max, false, "design-time latency of one target attempt").default(PHASE_DEFAULTS.latencyMs),
  errorType: errorNameSchema.default(PHASE_DEFAULTS.errorType).meta({ description: "the error a failing attempt throws" }),
  role: oneOf(PHASE_ROLES, "inferred when absent: failureRate >= 0.5 is failing, a calmer phase after it recovering").optional(),
  storeFault: oneOf(STORE_FAULTS, "what happens to the store during this phase").default("none"),
  storeDelayMs: numberIn(dmin, dmax, true, 'real ms each store request is delayed by; only with storeFault "slow"').optional(),
};
const phaseSchema = strictObject(phaseShape, "a known field", `an object with ${Object.keys(phaseShape).join(", ")}`).superRefine((p, ctx) => {
  if (p.storeFault === "slow" && p.storeDelayMs === undefined) {
    ctx.addIssue({ code: "custom", path: ["storeDelayMs"], input: undefined, message: `an integer from ${dmin} to ${dmax} (required when storeFault is "slow")` });
  } else if (p.storeFault !== "slow" && p.storeDelayMs !== undefined) {
    ctx.addIssue({ code: "custom", path: ["storeDelayMs"], input: p.storeDelayMs, message: `nothing unless storeFault is "slow" (here storeFault is "${p.storeFault}")` });
  }
});

const breakerShape = {
  name: breakerNameSchema,
  settings: settingsSchema,
  fallback: oneOf(FALLBACK_KINDS, "what a refused call gets").default("builtin"),
};
const trafficShape = {
  ratePerSecond: numberIn(LIMITS.ratePerSecond.min, LIMITS.ratePerSecond.max, false, "arrivals per design second"),
  maxConcurrency: numberIn(LIMITS.maxConcurrency.min, LIMITS.maxConcurrency.max, true, "executions in flight at most"),
};
const PHASES_DOC = `a list of ${LIMITS.phases.min} to ${LIMITS.phases.max} phases`;
const topShape = {
  name: scenarioName,
  description: z
    .string({ error: `a string of at most ${LIMITS.descriptionLength.max} characters` })
    .max(LIMITS.descriptionLength.max, { error: `a string of at most ${LIMITS.descriptionLength.max} characters` })
    .default(""),
  breaker: strictObject(breakerShape, "a known field", `an object with ${Object.keys(breakerShape).join(", ")}`),
  store: oneOf(STORE_KINDS, "the state store").default("dynamodb"),
  traffic: strictObject(trafficShape, "a known field", `an object with ${Object.keys(trafficShape).join(", ")}`),
  phases: z.array(phaseSchema, { error: PHASES_DOC }).min(LIMITS.phases.min, { error: PHASES_DOC }).max(LIMITS.phases.max, { error: PHASES_DOC }),
  speed: numberIn(LIMITS.speed.min, LIMITS.speed.max, false, "design seconds per real second (--speed overrides it)").default(1),
  seed: numberIn(LIMITS.seed.min, LIMITS.seed.max, true, "seeds the target's outcomes (--seed overrides it)").default(1),
};

/** The scenario file as written (the JSON Schema describes this). */
export const scenarioFileSchema = strictObject(topShape, "a known field", `an object with ${Object.keys(topShape).join(", ")}`).superRefine((s, ctx) => {
  // Cross-field rules of a scenario; bounds on rate x duration and similar go here.
  const seen = new Set<string>();
  s.phases.forEach((p, i) => {
    if (seen.has(p.name)) ctx.addIssue({ code: "custom", path: ["phases", i, "name"], input: p.name, message: "a name no other phase uses" });
    seen.add(p.name);
  });
});

/**
 * Roles that are not given are inferred: a phase whose failureRate is at least 0.5 is failing;
 * a calmer phase after a failing one is recovering; any other is healthy.
 */
function withRoles(s: z.output<typeof scenarioFileSchema>) {
  let seenFailing = false;
  const phases = s.phases.map((p) => {
    const role: PhaseRole = p.role ?? (p.failureRate >= 0.5 ? "failing" : seenFailing ? "recovering" : "healthy");
    if (role === "failing") seenFailing = true;
    const { storeDelayMs, ...rest } = p;
    return { ...rest, role, ...(p.storeFault === "slow" ? { storeDelayMs: storeDelayMs as number } : {}) };
  });
  return { ...s, phases };
}

/** A validated scenario, defaults filled and roles inferred. */
export const scenarioSchema = scenarioFileSchema.transform(withRoles);

export type { StoreKind } from "../store-env";
export type FallbackKind = (typeof FALLBACK_KINDS)[number];
export type PhaseRole = (typeof PHASE_ROLES)[number];
export type StoreFault = (typeof STORE_FAULTS)[number];
export type Scenario = z.output<typeof scenarioSchema>;
export type Phase = Scenario["phases"][number];
