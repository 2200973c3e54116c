// IAM policy documents as they reach a policy: a JSON string (pulumi.jsonStringify, getPolicyDocument, a
// literal) or an object (aws.iam.PolicyDocument). Both are read into one normalized shape. Object documents
// arrive inside the engine's unknown-checking proxy: each value still unknown at preview is left out of its
// field and named in the statement's `unknown`, so the known parts of a statement are still judged.

import { isUnknownValueError, UnknownValues } from "./unknowns";

export type Principal = "*" | Record<string, string[]>;

export interface Statement {
  /** Position in the document, for messages ("statement 2"). */
  index: number;
  sid?: string;
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
  principal?: Principal;
  /** operator -> condition key -> values */
  condition: Record<string, Record<string, string[]>>;
  /** Where a value was unknown at preview ("Resource[1]", "Condition"); those values are missing above. */
  unknown: string[];
  /** The engine's error for each unknown field, for a policy whose decision depends on it (see dependsOn). */
  unknownErrors: Map<string, Error>;
}

/**
 * Records, in `unknowns`, the unknown values of the fields a decision depends on ("Action", "Resource"...), so the
 * engine adds its advisory note naming them. Unknown values in other fields are no reason for a note.
 */
export function dependsOn(st: Statement, fields: string[], unknowns: UnknownValues): void {
  for (const [field, e] of st.unknownErrors) {
    if (fields.some((f) => field === f || field.startsWith(`${f}[`))) {
      unknowns.attempt(() => {
        throw e;
      });
    }
  }
}

export class PolicyDocumentError extends Error {}

/** The errors of unknown fields, by statement field (filled by `known`). */
type UnknownErrors = Map<string, Error>;

/** Reads `read()` through the proxy; an unknown value is recorded under `field` and read as undefined. */
function known<T>(read: () => T, field: string, unknown: string[], errors: UnknownErrors): T | undefined {
  try {
    return read();
  } catch (e) {
    if (!isUnknownValueError(e)) throw e;
    unknown.push(field);
    if (!errors.has(field)) errors.set(field, e);
    return undefined;
  }
}

function strings(v: unknown, field: string, unknown: string[] = [], unknowns: UnknownErrors = new Map()): string[] {
  if (v === undefined || v === null) return [];
  const isList = known(() => Array.isArray(v), field, unknown, unknowns);
  if (isList === undefined) return [];
  const length = isList ? (known(() => (v as unknown[]).length, field, unknown, unknowns) ?? 0) : 1;
  const out: string[] = [];
  for (let i = 0; i < length; i++) {
    const x = known(
      () => {
        const item = isList ? (v as unknown[])[i] : v;
        return typeof item === "string" ? String(item) : item;
      },
      isList ? `${field}[${i}]` : field,
      unknown,
      unknowns,
    );
    if (x === undefined) continue;
    if (typeof x !== "string") throw new PolicyDocumentError(`${field} must be a string or a list of strings`);
    out.push(x);
  }
  return out;
}

function principalOf(v: unknown): Principal | undefined {
  if (v === undefined || v === null) return undefined;
  if (v === "*") return "*";
  if (typeof v !== "object" || Array.isArray(v)) throw new PolicyDocumentError(`Principal must be "*" or an object`);
  const out: Record<string, string[]> = {};
  for (const key of Object.keys(v)) out[key] = strings((v as Record<string, unknown>)[key], `Principal.${key}`);
  return out;
}

function conditionOf(v: unknown): Statement["condition"] {
  if (v === undefined || v === null) return {};
  if (typeof v !== "object" || Array.isArray(v)) throw new PolicyDocumentError("Condition must be an object");
  const out: Statement["condition"] = {};
  for (const op of Object.keys(v)) {
    const block = (v as Record<string, unknown>)[op];
    if (typeof block !== "object" || block === null) throw new PolicyDocumentError(`Condition.${op} must be an object`);
    out[op] = {};
    for (const key of Object.keys(block)) {
      const values = (block as Record<string, unknown>)[key];
      out[op][key] = (Array.isArray(values) ? Array.from(values as unknown[]) : [values]).map(String);
    }
  }
  return out;
}

function statementOf(raw: unknown, index: number, outer: UnknownValues): Statement | undefined {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PolicyDocumentError(`statement ${index} must be an object`);
  const s = raw as Record<string, unknown>;
  const unknown: string[] = [];
  const unknowns: UnknownErrors = new Map();
  const field = <T>(name: string, read: (v: unknown) => T, empty: T): T => {
    const v = known(() => s[name], name, unknown, unknowns);
    return v === undefined ? empty : (known(() => read(v), name, unknown, unknowns) ?? empty);
  };
  // Without a known Effect nothing in the statement can be judged.
  const effect = outer.attempt(() => String(s.Effect ?? ""));
  if (effect === undefined) return undefined;
  const sid = known(() => (typeof s.Sid === "string" ? String(s.Sid) : undefined), "Sid", [], new Map());
  return {
    index,
    sid,
    effect,
    actions: field("Action", (v) => strings(v, "Action", unknown, unknowns), []),
    notActions: field("NotAction", (v) => strings(v, "NotAction", unknown, unknowns), []),
    resources: field("Resource", (v) => strings(v, "Resource", unknown, unknowns), []),
    notResources: field("NotResource", (v) => strings(v, "NotResource", unknown, unknowns), []),
    principal: field("Principal", (v) => principalOf(v), undefined),
    condition: field("Condition", (v) => conditionOf(v), {}),
    unknown,
    unknownErrors: unknowns,
  };
}

/**
 * Reads the statements of a policy document given as a JSON string or an object. Unknown values are left out of
 * their statement (named in its `unknown`) and recorded in `unknowns`; a statement whose Effect is unknown is left
 * out. Throws PolicyDocumentError for a document that is not one.
 */
export function readStatements(doc: unknown, unknowns: UnknownValues): Statement[] {
  let body: unknown = doc;
  if (typeof doc === "string") {
    try {
      body = JSON.parse(doc);
    } catch (e) {
      throw new PolicyDocumentError(`policy document is not valid JSON (${(e as Error).message})`);
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new PolicyDocumentError("policy document must be a JSON object");
  const list = unknowns.attempt(() => {
    const raw = (body as Record<string, unknown>).Statement;
    if (raw === undefined) return [];
    return Array.isArray(raw) ? [...Array((raw as unknown[]).length).keys()] : [-1];
  });
  if (!list) return [];
  const out: Statement[] = [];
  for (const i of list) {
    const raw = unknowns.attempt(() => {
      const list = (body as Record<string, unknown>).Statement as unknown;
      return i < 0 ? list : (list as unknown[])[i];
    });
    const st = raw === undefined ? undefined : statementOf(raw, Math.max(i, 0), unknowns);
    if (st) out.push(st);
  }
  return out;
}

/** `pattern` with `*` and `?` wildcards, matched case-insensitively (IAM action and policy-name semantics). */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(value);
}

export type ActionBreadth = "all" | "service" | "partial" | "exact";

const ONLY_WILDCARDS = /^[*?]*\*[*?]*$/;

/** How much an Action entry grants: every action ("*", "**"), a whole service ("svc:*", "svc:**", "svc:?*"), another wildcard ("s3:Get*"), or one action. */
export function actionBreadth(action: string): ActionBreadth {
  if (!action.includes(":"))
    return ONLY_WILDCARDS.test(action) ? "all" : action.includes("*") || action.includes("?") ? "partial" : "exact";
  const [service, name] = action.split(":", 2);
  if (ONLY_WILDCARDS.test(service)) return ONLY_WILDCARDS.test(name) ? "all" : "partial";
  if (ONLY_WILDCARDS.test(name)) return "service";
  return /[*?]/.test(action) ? "partial" : "exact";
}

const WILD = /[*?]/;

/**
 * Wildcards that stay inside one concrete resource: a qualifier or child after ":" (`function:f:*`,
 * `log-group:/x:*`), a bucket's objects (`arn:aws:s3:::b/*`), a table's indexes and streams, and the six random
 * characters Secrets Manager appends (`secret:name-??????`).
 */
function isSubResourceWildcard(service: string, resource: string): boolean {
  const concrete = (prefix: string) => prefix !== "" && !WILD.test(prefix);
  let m = /^(.*):\*$/.exec(resource);
  if (m && concrete(m[1]) && /[:/]/.test(m[1])) return true;
  if (service === "s3" && (m = /^([^/]+)\/.*$/.exec(resource)) && concrete(m[1])) return true;
  if (service === "dynamodb" && (m = /^(table\/[^/]+)\/(index|stream)\/\*$/.exec(resource)) && concrete(m[1])) return true;
  if (service === "secretsmanager" && (m = /^(secret:.+)-\?{6}$/.exec(resource)) && concrete(m[1])) return true;
  return false;
}

/**
 * "*", or an ARN with a wildcard in its region, account or resource part (`arn:aws:lambda:*:*:function:*`,
 * `table/*`, `role/*`, `secret:*`) other than a wildcard inside one concrete resource: more than one resource.
 */
export function isWildcardResource(resource: string): boolean {
  if (ONLY_WILDCARDS.test(resource)) return true;
  const parts = resource.split(":");
  if (parts.length < 6 || parts[0] !== "arn") return WILD.test(resource);
  const [, , service, region, account] = parts;
  const rest = parts.slice(5).join(":");
  if (WILD.test(service) || WILD.test(region) || WILD.test(account)) return true;
  return WILD.test(rest) && !isSubResourceWildcard(service, rest);
}

/** `/<project>/<stack>/`: the Parameter Store path a stack owns, from a resource's URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackParameterPath(urn: string): string | undefined {
  const m = /^urn:pulumi:([^:]+)::([^:]+)::/.exec(urn);
  return m ? `/${m[2]}/${m[1]}/` : undefined;
}

/**
 * A Parameter Store ARN pattern below `path` (the stack's own `/<project>/<stack>/`), with a concrete partition,
 * region and account: the wildcard stays inside parameters this stack names, like a bucket's objects.
 */
export function isParameterPatternUnder(resource: string, path: string): boolean {
  const parts = resource.split(":");
  if (parts.length !== 6 || parts[0] !== "arn" || parts[2] !== "ssm") return false;
  const [, partition, , region, account, rest] = parts;
  if (WILD.test(partition) || !/^[a-z0-9-]+$/.test(region) || !/^\d{12}$/.test(account) || WILD.test(path)) return false;
  const prefix = `parameter${path}`;
  return rest.startsWith(prefix) && rest.length > prefix.length;
}

/** True when one of the statement's Action entries grants `action` (case-insensitive, wildcards honoured). */
export function grants(statement: Statement, action: string): boolean {
  if (statement.effect !== "Allow") return false;
  if (statement.notActions.length > 0) return !statement.notActions.some((p) => globMatch(p, action));
  return statement.actions.some((p) => globMatch(p, action));
}

/** Condition keys present in a statement, lower-cased, whatever the operator. */
export function conditionKeys(statement: Statement): Set<string> {
  const keys = new Set<string>();
  for (const block of Object.values(statement.condition)) for (const k of Object.keys(block)) keys.add(k.toLowerCase());
  return keys;
}
