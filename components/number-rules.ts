// One way to check a configured number and to word the error: `<path> is <value>; allowed: <rule>`,
// the same wording loadSettings (core/settings.ts) uses for breaker settings.

export interface NumberRule {
  min: number;
  max: number;
  integer: boolean;
  /** Restricts the value to a fixed set (e.g. CloudWatch Logs retention days). */
  oneOf?: readonly number[];
  /** Extra constraint, worded as an allowed-clause (e.g. "a multiple of 60"). */
  multipleOf?: number;
}

/** A value as it appears in an error message (strings quoted, objects as JSON). */
export function describeValue(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function allowedNumbers(rule: NumberRule): string {
  if (rule.oneOf) return `one of ${rule.oneOf.join(", ")}`;
  const kind = rule.integer ? "an integer" : "a number";
  const step = rule.multipleOf ? ` that is a multiple of ${rule.multipleOf}` : "";
  return `${kind} from ${rule.min} to ${rule.max}${step}`;
}

/** The number, or an error message naming `path`, the value and what is allowed. Numeric strings are accepted. */
export function checkNumber(path: string, value: unknown, rule: NumberRule): { value: number } | { error: string } {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  const ok =
    typeof n === "number" &&
    Number.isFinite(n) &&
    n >= rule.min &&
    n <= rule.max &&
    (!rule.integer || Number.isInteger(n)) &&
    (!rule.oneOf || rule.oneOf.includes(n)) &&
    (!rule.multipleOf || n % rule.multipleOf === 0);
  return ok ? { value: n as number } : { error: `${path} is ${describeValue(value)}; allowed: ${allowedNumbers(rule)}` };
}
