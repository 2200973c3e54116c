// IAM: least privilege on roles, inline and managed policies and attachments.

import { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, knob, readConfig } from "./util/config";
import {
  actionBreadth,
  conditionKeys,
  globMatch,
  isWildcardResource,
  PolicyDocumentError,
  readStatements,
  Statement,
} from "./util/policy-document";
import { WILDCARD_ONLY_ACTIONS } from "./util/project-defaults";
import { refsTo, StackIndex } from "./util/stack-index";
import { requireType, T } from "./util/types";
import { UnknownValues } from "./util/unknowns";

type Props = Record<string, any>;

/** A permission policy document carried by a resource, with how messages name it. */
interface DocumentSource {
  label: string;
  read: () => unknown;
}

const DOCUMENT_TYPES = [T.role, T.rolePolicy, T.policy, T.userPolicy, T.groupPolicy];

/** The permission documents of a Role (its inline policies) or of a standalone policy resource. */
export function permissionDocuments(type: string, props: Props, unknowns: UnknownValues): DocumentSource[] {
  if (type !== T.role) return [{ label: "Policy", read: () => props.policy }];
  const inline = unknowns.attempt(() => {
    const list = props.inlinePolicies;
    return Array.isArray(list) ? list.length : 0;
  });
  const out: DocumentSource[] = [];
  for (let i = 0; i < (inline ?? 0); i++) {
    const name = unknowns.attempt(() => props.inlinePolicies[i].name) ?? String(i);
    out.push({ label: `Inline policy "${name}"`, read: () => props.inlinePolicies[i].policy });
  }
  return out;
}

/**
 * The statements of the given documents, each with where it is ("Policy statement 2"). Unknown documents or
 * statements are skipped and recorded in `unknowns`; a malformed document goes to `onMalformed`.
 */
export function statementsOf(sources: DocumentSource[], unknowns: UnknownValues, onMalformed: (message: string) => void): { where: string; st: Statement }[] {
  const out: { where: string; st: Statement }[] = [];
  for (const source of sources) {
    const doc = unknowns.attempt(source.read);
    if (doc === undefined || doc === null || doc === "") continue;
    try {
      for (const st of readStatements(doc, unknowns)) out.push({ where: `${source.label} statement ${st.index}`, st });
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      onMalformed(`${source.label} is not a valid policy document: ${e.message}.`);
    }
  }
  return out;
}

/**
 * Runs `check` on every statement of every permission document of the resource and reports what it returns.
 * Unknown documents or statements are skipped, then rethrown for the engine's advisory note.
 */
function checkStatements(args: ResourceValidationArgs, report: ReportViolation, check: (st: Statement, where: string) => string[], reportMalformed: boolean): void {
  requireType(args, DOCUMENT_TYPES);
  const unknowns = new UnknownValues();
  const sources = permissionDocuments(args.type, args.props, unknowns);
  for (const { where, st } of statementsOf(sources, unknowns, reportMalformed ? report : () => undefined)) {
    for (const message of check(st, where)) report(message);
  }
  unknowns.finish();
}

const wildcardActionKnobs = {
  forbidPartialWildcards: knob(false, 'Also forbid partial wildcards such as "s3:Get*" (they grow as AWS adds actions).'),
};

export const iamNoWildcardActions: ResourceValidationPolicy = {
  name: "iam-no-wildcard-actions",
  description: 'Checks whether IAM policies allow every action ("*"), every action of a service ("svc:*") or NotAction.',
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "List the exact actions the function or state machine calls, e.g. dynamodb:GetItem, lambda:InvokeFunction.",
  configSchema: configSchema(wildcardActionKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, wildcardActionKnobs);
    checkStatements(
      args,
      report,
      (st, where) => {
        if (st.effect !== "Allow") return [];
        const out: string[] = [];
        if (st.notActions.length > 0) out.push(`${where} allows every action except ${st.notActions.join(", ")} (NotAction).`);
        for (const action of st.actions) {
          const breadth = actionBreadth(action);
          if (breadth === "all") out.push(`${where} allows every action ("${action}").`);
          else if (breadth === "service") out.push(`${where} allows every ${action.split(":")[0]} action ("${action}").`);
          else if (breadth === "partial" && cfg.forbidPartialWildcards) out.push(`${where} uses the wildcard action "${action}".`);
        }
        return out;
      },
      true,
    );
  },
};

const wildcardResourceKnobs = {
  allowedWildcardActions: knob([...WILDCARD_ONLY_ACTIONS], 'Actions AWS accepts only on Resource "*" (case-insensitive; "*" and "?" wildcards allowed).'),
  extraAllowedWildcardActions: knob([], "More actions allowed on \"*\", added to allowedWildcardActions."),
};

export const iamNoWildcardResources: ResourceValidationPolicy = {
  name: "iam-no-wildcard-resources",
  description: 'Checks whether IAM policies grant actions on Resource "*" (or NotResource) other than the actions AWS accepts only on "*".',
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Scope each statement to this stack's ARNs (the table, the functions, the log group). Only actions without resource-level permissions may keep \"*\".",
  configSchema: configSchema(wildcardResourceKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, wildcardResourceKnobs);
    const allowed = [...cfg.allowedWildcardActions, ...cfg.extraAllowedWildcardActions];
    const onlyOnStar = (action: string) => allowed.some((p) => globMatch(p, action));
    checkStatements(
      args,
      report,
      (st, where) => {
        if (st.effect !== "Allow") return [];
        const wide = st.resources.filter(isWildcardResource);
        if (st.notResources.length > 0) wide.push(`NotResource ${st.notResources.join(", ")}`);
        if (wide.length === 0) return [];
        const scoped = st.notActions.length > 0 ? ["every action but " + st.notActions.join(", ")] : st.actions.filter((a) => !onlyOnStar(a));
        if (scoped.length === 0) return [];
        return [`${where} grants ${scoped.join(", ")} on ${wide.map((r) => (r.startsWith("NotResource") ? r : `"${r}"`)).join(", ")}.`];
      },
      false,
    );
  },
};

const managedPolicyKnobs = {
  forbiddenPolicyNames: knob(
    ["*FullAccess", "AdministratorAccess", "PowerUserAccess", "AWSLambdaRole"],
    "Names (wildcards allowed) of AWS-managed policies that must not be attached.",
  ),
};

/** `arn:<partition>:iam::aws:policy/<path>/<Name>` -> Name; undefined for customer-managed policies. */
export function awsManagedPolicyName(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? m[1] : undefined;
}

/** The managed-policy ARNs a resource attaches. */
function attachedPolicyArns(type: string, props: Props): string[] {
  const list = (v: unknown): string[] => (Array.isArray(v) ? Array.from(v as unknown[], String) : []);
  if (type === T.role) return list(props.managedPolicyArns);
  if (type === T.rolePolicyAttachmentsExclusive) return list(props.policyArns);
  return typeof props.policyArn === "string" ? [props.policyArn] : [];
}

export const iamNoBroadManagedPolicies: ResourceValidationPolicy = {
  name: "iam-no-broad-managed-policies",
  description: "Checks whether roles, users or groups attach broad AWS-managed policies (*FullAccess, AdministratorAccess, PowerUserAccess, AWSLambdaRole).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Replace the managed policy with an inline policy that names the actions and this stack's ARNs.",
  configSchema: configSchema(managedPolicyKnobs),
  validateResource: (args, report) => {
    requireType(args, [T.role, T.rolePolicyAttachment, T.policyAttachment, T.userPolicyAttachment, T.groupPolicyAttachment, T.rolePolicyAttachmentsExclusive]);
    const cfg = readConfig(args, managedPolicyKnobs);
    for (const arn of attachedPolicyArns(args.type, args.props)) {
      const name = awsManagedPolicyName(arn);
      if (name && cfg.forbiddenPolicyNames.some((p) => globMatch(p, name))) {
        report(`Attaches the AWS-managed policy ${name} (${arn}); it grants far more than a breaker needs.`);
      }
    }
  },
};

const trustKnobs = {
  conditionKeys: knob(["aws:SourceAccount", "aws:SourceArn"], "A trust statement must carry at least one of these condition keys."),
  exemptServicePrincipals: knob([], "Service principals that send neither key and are exempt from the condition rule."),
};

export const iamTrustPolicyScoped: ResourceValidationPolicy = {
  name: "iam-trust-policy-scoped",
  description: "Checks whether each role's trust policy names exactly one service principal and carries an aws:SourceAccount or aws:SourceArn condition.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Trust one service, e.g. { Principal: { Service: "lambda.amazonaws.com" }, Condition: { StringEquals: { "aws:SourceAccount": <account id> } } }, to prevent the confused-deputy problem.',
  configSchema: configSchema(trustKnobs),
  validateResource: (args, report) => {
    requireType(args, [T.role]);
    const cfg = readConfig(args, trustKnobs);
    const unknowns = new UnknownValues();
    const doc = args.props.assumeRolePolicy;
    let statements: Statement[];
    try {
      statements = readStatements(doc, unknowns);
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      report(`The trust policy is not a valid policy document: ${e.message}.`);
      return;
    }
    const wanted = cfg.conditionKeys.map((k) => k.toLowerCase());
    for (const st of statements.filter((s) => s.effect === "Allow")) {
      const where = `Trust statement ${st.index}`;
      const p = st.principal;
      const kinds = p === undefined ? [] : p === "*" ? ["*"] : Object.keys(p);
      const services = p !== undefined && p !== "*" ? p.Service ?? [] : [];
      if (kinds.length !== 1 || kinds[0] !== "Service" || services.length !== 1) {
        const named = p === undefined ? "no principal" : p === "*" ? '"*"' : kinds.map((k) => `${k}: ${(p as Record<string, string[]>)[k].join(", ")}`).join("; ");
        report(`${where} must name exactly one service principal; it names ${named}.`);
        continue;
      }
      const service = services[0];
      if (cfg.exemptServicePrincipals.includes(service)) continue;
      const has = conditionKeys(st);
      if (!wanted.some((k) => has.has(k))) report(`${where} for ${service} has no ${cfg.conditionKeys.join(" or ")} condition.`);
    }
    unknowns.finish();
  },
};

const sharedRoleKnobs = {
  maxFunctionsPerRole: knob(1, "How many Lambda functions may share one execution role."),
};

export const iamRoleNotShared: StackValidationPolicy = {
  name: "iam-role-not-shared-by-functions",
  description: "Checks whether one IAM role is the execution role of several Lambda functions.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: "Give every function its own role holding only the permissions its handler uses.",
  configSchema: configSchema(sharedRoleKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, sharedRoleKnobs);
    const stack = new StackIndex(args.resources);
    const unknowns = new UnknownValues();
    const byRole = new Map<string, { label: string; urn?: string; functions: string[] }>();
    for (const fn of stack.ofType(T.lambdaFunction)) {
      const roles = refsTo(stack, fn, "role", T.role, ["arn"], unknowns);
      const key = roles.resources[0]?.urn ?? roles.value;
      if (key === undefined) continue;
      const entry = byRole.get(key) ?? { label: roles.value ?? key, urn: roles.resources[0]?.urn, functions: [] };
      entry.functions.push(fn.name);
      byRole.set(key, entry);
    }
    for (const { label, urn, functions } of byRole.values()) {
      if (functions.length > cfg.maxFunctionsPerRole) {
        report(`Role ${label} is shared by ${functions.length} Lambda functions (${functions.join(", ")}).`, urn);
      }
    }
    unknowns.finish();
  },
};

export const iamPolicies = [iamNoWildcardActions, iamNoWildcardResources, iamNoBroadManagedPolicies, iamTrustPolicyScoped, iamRoleNotShared];
