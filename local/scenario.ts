// Scenario files for `npm start` and `npm run bench`. The schema is core/schema/scenario.ts (the type, the
// defaults, schema/scenario.schema.json); this module keeps the entry points and reads files.
// Every error names the field (`scenario.phases[2].failureRate`), the value, and what is allowed.
// The schema is documented in docs/local-runtime.md, section "Scenario files"; keep the two in step.

import { readFileSync } from "node:fs";
import { parseWith } from "../core/schema/format";
import { Scenario, scenarioSchema } from "../core/schema/scenario";

export type { FallbackKind, Phase, PhaseRole, Scenario, StoreFault, StoreKind } from "../core/schema/scenario";
export { FALLBACK_KINDS, LIMITS, PHASE_DEFAULTS, PHASE_ROLES, STORE_FAULTS, STORE_KINDS } from "../core/schema/scenario";

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

/** Validates a parsed scenario file and fills in defaults. */
export function validateScenario(raw: unknown, where = "scenario"): Scenario {
  return parseWith(scenarioSchema, raw, where, (path, message) => new ScenarioError(path, message));
}

/** Reads and validates a scenario file; unreadable files and bad JSON are ScenarioErrors too. */
export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    // A UTF-8 byte-order mark (as some Windows editors write) is not part of the JSON.
    text = readFileSync(file, "utf8").replace(/^\uFEFF/, "");
  } catch (e) {
    throw new ScenarioError(
      "--scenario",
      `cannot read scenario file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
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
