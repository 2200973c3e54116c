// IAM policy documents as they reach a policy: a JSON string (pulumi.jsonStringify, getPolicyDocument, a
// literal) or an object (aws.iam.PolicyDocument). Both are read into one normalized shape. Object documents
// arrive inside the engine's unknown-checking proxy, so a statement that holds a value still unknown at
// preview is skipped through `UnknownValues` while the other statements are still checked.

import { UnknownValues } from "./unknowns";

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
}

export class PolicyDocumentError extends Error {}

function strings(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? Array.from(v as unknown[]) : [v];
  return list.map((x) => {
    if (typeof x !== "string") throw new PolicyDocumentError(`${field} must be a string or a list of strings`);
    return x;
  });
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

function statementOf(raw: unknown, index: number): Statement {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new PolicyDocumentError(`statement ${index} must be an object`);
  const s = raw as Record<string, unknown>;
  return {
    index,
    sid: typeof s.Sid === "string" ? s.Sid : undefined,
    effect: String(s.Effect ?? ""),
    actions: strings(s.Action, "Action"),
    notActions: strings(s.NotAction, "NotAction"),
    resources: strings(s.Resource, "Resource"),
    notResources: strings(s.NotResource, "NotResource"),
    principal: principalOf(s.Principal),
    condition: conditionOf(s.Condition),
  };
}

/**
 * Reads the statements of a policy document given as a JSON string or an object. Statements holding an unknown
 * value are left out and recorded in `unknowns`. Throws PolicyDocumentError for a document that is not one.
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
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new PolicyDocumentError("policy document must be a JSON object");
  const list = unknowns.attempt(() => {
    const raw = (body as Record<string, unknown>).Statement;
    if (raw === undefined) return [];
    return Array.isArray(raw) ? [...Array((raw as unknown[]).length).keys()] : [-1];
  });
  if (!list) return [];
  const out: Statement[] = [];
  for (const i of list) {
    const st = unknowns.attempt(() => {
      const raw = (body as Record<string, unknown>).Statement as unknown;
      return statementOf(i < 0 ? raw : (raw as unknown[])[i], Math.max(i, 0));
    });
    if (st) out.push(st);
  }
  return out;
}

/** `pattern` with `*` and `?` wildcards, matched case-insensitively (IAM action and policy-name semantics). */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${re}$`, "i").test(value);
}

export type ActionBreadth = "all" | "service" | "partial" | "exact";

/** How much an Action entry grants: "*", "svc:*", another wildcard ("s3:Get*"), or one action. */
export function actionBreadth(action: string): ActionBreadth {
  if (action === "*") return "all";
  const [service, name] = action.split(":", 2);
  if (name === "*" && service !== "") return "service";
  return action.includes("*") || action.includes("?") ? "partial" : "exact";
}

/** "*", or an ARN whose resource part is "*" (`arn:aws:logs:*:*:*`, `arn:aws:s3:::*`): every resource of a service. */
export function isWildcardResource(resource: string): boolean {
  if (resource === "*") return true;
  const parts = resource.split(":");
  return parts.length >= 6 && parts[0] === "arn" && parts.slice(5).join(":") === "*";
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
