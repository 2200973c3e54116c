// One wording for every schema error: `<where><path> is <value>; allowed: <rule>`. Each schema leaf carries its
// allowed-clause as its zod error message; this file adds the full path and a short, faithful view of the value.
import { z } from "zod";

const MAX_SHOWN = 80;

/** A value as it appears in an error message: strings quoted, Infinity/NaN by name, long values truncated. */
export function describeValue(value: unknown): string {
  let text: string;
  if (value === undefined) text = "missing";
  else if (typeof value === "number" && !Number.isFinite(value)) text = String(value);
  else if (typeof value === "bigint") text = `${value}n`;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}… (${text.length} characters)` : text;
}

/** `where` followed by the path: `.key` for identifiers, `[0]` for indexes, `["a b"]` for other keys. */
export function formatPath(where: string, path: readonly PropertyKey[]): string {
  let out = where;
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out === "" ? seg : `.${seg}`;
    else out += `[${describeValue(String(seg))}]`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object" || !Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** The allowed-clause for an object's keys: "not a <noun>; allowed: a, b, c". */
export function unknownKeyMessage(noun: string, keys: readonly string[]): string {
  return `is not ${noun}; allowed: ${keys.join(", ")}`;
}

/** One issue as one line. Unknown keys read `<path>.<key> is not <noun>; allowed: …` (their message starts with "is"). */
export function formatIssue(
  where: string,
  issue: z.core.$ZodIssue,
  root: unknown,
  pathOf: (where: string, path: readonly PropertyKey[]) => string = formatPath,
  absent = "missing",
): { path: string; message: string } {
  if (issue.code === "unrecognized_keys") {
    const path = pathOf(where, [...issue.path, issue.keys[0]]);
    const msg = issue.message.startsWith("is ") ? issue.message : `is not allowed here`;
    return { path, message: `${path} ${msg}` };
  }
  const path = pathOf(where, issue.path);
  // A rule may show its value its own way (a secret's length, "set but ..."): params.shown.
  // params.asWritten: show the value as written, not as completed with defaults.
  const params = issue.code === "custom" ? (issue.params as { shown?: string; asWritten?: boolean } | undefined) : undefined;
  if (params?.shown !== undefined) return { path, message: `${path} is ${params.shown}; allowed: ${issue.message}` };
  const value = "input" in issue && issue.input !== undefined && !params?.asWritten ? issue.input : valueAt(root, issue.path);
  if (value === undefined) return { path, message: `${path} is ${absent}; allowed: ${issue.message}` };
  return { path, message: `${path} is ${describeValue(value)}; allowed: ${issue.message}` };
}

/** Parses `raw` with `schema`; on failure calls `fail` with the first issue's path and message. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  where: string,
  fail: (path: string, message: string) => Error,
  pathOf?: (where: string, path: readonly PropertyKey[]) => string,
): z.output<S> {
  const r = schema.safeParse(raw, { reportInput: true });
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const { path, message } = formatIssue(where, first, raw, pathOf);
  throw fail(path, message);
}

/** A number rule whose every failure reads as one allowed-clause ("an integer from 1 to 10000"). */
export function numberIn(min: number, max: number, integer: boolean, doc?: string) {
  const allowed = `${integer ? "an integer" : "a number"} from ${min} to ${max}`;
  let n = z.number({ error: allowed });
  if (integer) n = n.int({ error: allowed });
  n = n.min(min, { error: allowed }).max(max, { error: allowed });
  return doc ? n.meta({ description: doc }) : n;
}

/** A string enum whose failures read "a, b, c". */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, doc?: string) {
  const e = z.enum(values, { error: values.join(", ") });
  return doc ? e.meta({ description: doc }) : e;
}

/** A strict object: unknown keys (Object.prototype names included) are refused, naming the allowed keys. */
/** `noun` carries its article: "a breaker setting". */
export function strictObject<Shape extends z.ZodRawShape>(shape: Shape, noun: string, what: string) {
  const keys = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => (iss.code === "unrecognized_keys" ? unknownKeyMessage(noun, keys) : what),
  });
}
