// IAM: least privilege on roles, inline and managed policies and attachments.

import { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configSchema, knob, readConfig } from "./util/config";
import { permissionDocuments, statementsOf } from "./util/documents";
import { broadManagedPolicy } from "./util/managed-policies";
import {
  actionBreadth,
  dependsOn,
  globMatch,
  isParameterPatternUnder,
  isWildcardResource,
  stackParameterPath,
  PolicyDocumentError,
  readStatements,
  Statement,
} from "./util/policy-document";
import { WILDCARD_ONLY_ACTION_PURPOSES, WILDCARD_ONLY_ACTIONS, WildcardPurpose } from "./util/project-defaults";
import { roleUsers, statementsOfRole } from "./util/role-permissions";
import { refsTo, StackIndex } from "./util/stack-index";
import { requireType, T } from "./util/types";
import { UnknownValues } from "./util/unknowns";

type Props = Record<string, any>;

const DOCUMENT_TYPES = [T.role, T.rolePolicy, T.policy, T.userPolicy, T.groupPolicy];

/** " (unknown at preview: Resource[1])" when part of the statement could not be read yet. */
export function unknownNote(st: Statement): string {
  return st.unknown.length > 0 ? ` (not known yet at preview: ${st.unknown.join(", ")})` : "";
}

/**
 * Runs `check` on every statement of every permission document of the resource and reports what it returns.
 * Unknown documents or statements are skipped, then rethrown for the engine's advisory note.
 */
function checkStatements(
  args: ResourceValidationArgs,
  report: ReportViolation,
  check: (st: Statement, where: string, unknowns: UnknownValues) => string[],
  reportMalformed: boolean,
): void {
  requireType(args, DOCUMENT_TYPES);
  const unknowns = new UnknownValues();
  const sources = permissionDocuments(args.type, args.props, unknowns);
  for (const { where, st } of statementsOf(sources, unknowns, reportMalformed ? report : () => undefined)) {
    for (const message of check(st, where, unknowns)) report(message);
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
      (st, where, unknowns) => {
        if (st.effect !== "Allow") return [];
        dependsOn(st, ["Action", "NotAction"], unknowns);
        const out: string[] = [];
        if (st.notActions.length > 0) out.push(`${where} allows every action except ${st.notActions.join(", ")} (NotAction).`);
        for (const action of st.actions) {
          const breadth = actionBreadth(action);
          if (breadth === "all") out.push(`${where} allows every action ("${action}")${unknownNote(st)}.`);
          else if (breadth === "service") out.push(`${where} allows every ${action.split(":")[0]} action ("${action}")${unknownNote(st)}.`);
          else if (breadth === "partial" && cfg.forbidPartialWildcards)
            out.push(`${where} uses the wildcard action "${action}"${unknownNote(st)}.`);
        }
        return out;
      },
      true,
    );
  },
};

const wildcardResourceKnobs = {
  allowedWildcardActions: knob(
    [...WILDCARD_ONLY_ACTIONS],
    'Actions AWS accepts only on Resource "*" (case-insensitive; "*" and "?" wildcards allowed).',
  ),
  extraAllowedWildcardActions: knob([], 'More actions allowed on "*", added to allowedWildcardActions.'),
  allowStackParameterPaths: knob(
    true,
    "Allow Parameter Store ARN patterns below the stack's own path (`parameter/<project>/<stack>/...`, concrete region and account): the shared handlers read every breaker's settings parameter through one.",
  ),
};

export const iamNoWildcardResources: ResourceValidationPolicy = {
  name: "iam-no-wildcard-resources",
  description:
    'Checks whether IAM policies grant actions on Resource "*", on an ARN with a wildcard in its region, account or resource name (`function:*`, `table/*`), or on NotResource, other than the actions AWS accepts only on "*" and Parameter Store paths below the stack\'s own `/<project>/<stack>/`.',
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    'Scope each statement to this stack\'s ARNs (the table, the functions, the log group). Only actions without resource-level permissions may keep "*".',
  configSchema: configSchema(wildcardResourceKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, wildcardResourceKnobs);
    const allowed = [...cfg.allowedWildcardActions, ...cfg.extraAllowedWildcardActions];
    const onlyOnStar = (action: string) => allowed.some((p) => globMatch(p, action));
    const ownPath = cfg.allowStackParameterPaths ? stackParameterPath(args.urn) : undefined;
    const isWide = (r: string) => isWildcardResource(r) && !(ownPath !== undefined && isParameterPatternUnder(r, ownPath));
    checkStatements(
      args,
      report,
      (st, where, unknowns) => {
        if (st.effect !== "Allow") return [];
        // An unknown Resource matters only for actions that must be scoped; an unknown Action only on a wide resource.
        if (st.notActions.length > 0 || st.actions.some((a) => !onlyOnStar(a))) dependsOn(st, ["Resource", "NotResource"], unknowns);
        const wide = st.resources.filter(isWide);
        if (wide.length > 0 || st.notResources.length > 0) dependsOn(st, ["Action", "NotAction"], unknowns);
        if (st.notResources.length > 0) wide.push(`NotResource ${st.notResources.join(", ")}`);
        if (wide.length === 0) return [];
        const scoped =
          st.notActions.length > 0 ? ["every action but " + st.notActions.join(", ")] : st.actions.filter((a) => !onlyOnStar(a));
        if (scoped.length === 0) return [];
        return [
          `${where} grants ${scoped.join(", ")} on ${wide.map((r) => (r.startsWith("NotResource") ? r : `"${r}"`)).join(", ")}${unknownNote(st)}.`,
        ];
      },
      false,
    );
  },
};

const managedPolicyKnobs = {
  forbiddenPolicyNames: knob(
    [],
    "More AWS-managed policy names (wildcards allowed) that must not be attached, on top of the pack's list (policy/util/managed-policies.ts).",
  ),
  allowedPolicyNames: knob([], "AWS-managed policy names exempt from the pack's list (a deliberate, reviewed exception)."),
};

/** `arn:<partition>:iam::aws:policy/<path>/<Name>` -> Name; undefined for customer-managed policies. */
export function awsManagedPolicyName(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
  return m ? m[1] : undefined;
}

/** Why an AWS-managed policy is too broad, or undefined when it is not (or is allowed). */
export function broadManagedReason(
  name: string,
  cfg: { forbiddenPolicyNames: string[]; allowedPolicyNames: string[] },
): string | undefined {
  if (cfg.allowedPolicyNames.some((p) => globMatch(p, name))) return undefined;
  const listed = broadManagedPolicy(name, globMatch);
  if (listed) return listed.reason;
  return cfg.forbiddenPolicyNames.some((p) => globMatch(p, name)) ? "forbidden by this stack's policy config" : undefined;
}

/** The managed-policy ARNs a resource attaches (known ones; unknown entries are recorded). */
function attachedPolicyArns(type: string, props: Props, unknowns: UnknownValues): string[] {
  const list = (read: () => unknown): string[] => {
    const n = unknowns.attempt(() => (Array.isArray(read()) ? (read() as unknown[]).length : 0)) ?? 0;
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const v = unknowns.attempt(() => (read() as unknown[])[i]);
      if (typeof v === "string") out.push(v);
    }
    return out;
  };
  if (type === T.role) return list(() => props.managedPolicyArns);
  if (type === T.rolePolicyAttachmentsExclusive) return list(() => props.policyArns);
  const one = unknowns.attempt(() => props.policyArn);
  return typeof one === "string" ? [one] : [];
}

export const iamNoBroadManagedPolicies: ResourceValidationPolicy = {
  name: "iam-no-broad-managed-policies",
  description:
    "Checks whether roles, users or groups attach AWS-managed policies that grant far more than one stack's resources (AdministratorAccess, PowerUserAccess, ReadOnlyAccess, *FullAccess, *ReadWrite, AWSLambdaRole, …).",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps: "Replace the managed policy with an inline policy that names the actions and this stack's ARNs.",
  configSchema: configSchema(managedPolicyKnobs),
  validateResource: (args, report) => {
    requireType(args, [
      T.role,
      T.rolePolicyAttachment,
      T.policyAttachment,
      T.userPolicyAttachment,
      T.groupPolicyAttachment,
      T.rolePolicyAttachmentsExclusive,
    ]);
    const cfg = readConfig(args, managedPolicyKnobs);
    const unknowns = new UnknownValues();
    for (const arn of attachedPolicyArns(args.type, args.props, unknowns)) {
      const name = awsManagedPolicyName(arn);
      const reason = name ? broadManagedReason(name, cfg) : undefined;
      if (name && reason) report(`Attaches the AWS-managed policy ${name} (${arn}); it grants ${reason}.`);
    }
    unknowns.finish();
  },
};

const trustKnobs = {
  conditionKeys: knob(
    ["aws:SourceAccount", "aws:SourceArn"],
    "A trust statement must carry at least one of these condition keys, with a concrete value.",
  ),
  sourceArnRequiredFor: knob(
    ["states.amazonaws.com", "scheduler.amazonaws.com"],
    "Service principals whose trust must name the one state machine or schedule group (aws:SourceArn), not only the account.",
  ),
  allowedActions: knob(["sts:AssumeRole", "sts:TagSession"], "The only actions a service trust statement may allow."),
  exemptServicePrincipals: knob([], "Service principals that send neither key and are exempt from the condition rule."),
};

const EXACT_OPERATORS = ["stringequals", "arnequals"];
const PATTERN_OPERATORS = ["stringlike", "arnlike"];

/** The concrete values a trust condition gives `key` (lower-case): equality, or a pattern without wildcards. Undefined when the key is absent. */
function concreteConditionValues(st: Statement, key: string): { values: string[]; loose: string[] } | undefined {
  let found = false;
  const values: string[] = [];
  const loose: string[] = [];
  for (const [op, block] of Object.entries(st.condition)) {
    for (const [k, vs] of Object.entries(block)) {
      if (k.toLowerCase() !== key) continue;
      found = true;
      const operator = op.toLowerCase().replace(/ifexists$/, "");
      for (const v of vs) {
        const exact = EXACT_OPERATORS.includes(operator) || (PATTERN_OPERATORS.includes(operator) && !/[*?]/.test(v));
        if (exact && v !== "" && !/[*?]/.test(v)) values.push(v);
        else loose.push(`${op} ${k} ${JSON.stringify(v)}`);
      }
    }
  }
  return found ? { values, loose } : undefined;
}

function concreteAccount(v: string): boolean {
  return /^\d{12}$/.test(v);
}

function concreteArn(v: string): boolean {
  const parts = v.split(":");
  return parts.length >= 6 && parts[0] === "arn" && /^\d{12}$/.test(parts[4]) && !isWildcardResource(v);
}

export const iamTrustPolicyScoped: ResourceValidationPolicy = {
  name: "iam-trust-policy-scoped",
  description:
    "Checks whether each role's trust policy lets exactly one service principal call sts:AssumeRole, with a concrete aws:SourceAccount or aws:SourceArn condition (aws:SourceArn for Step Functions and EventBridge Scheduler, a schedule group's for Scheduler).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    'Trust one service for sts:AssumeRole, e.g. { Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": <account id> } } }; for states add ArnEquals aws:SourceArn <the machine ARN>, for scheduler <the schedule group ARN> (Scheduler sends the group, never the schedule).',
  configSchema: configSchema(trustKnobs),
  validateResource: (args, report) => {
    requireType(args, [T.role]);
    const cfg = readConfig(args, trustKnobs);
    const unknowns = new UnknownValues();
    const doc = unknowns.attempt(() => args.props.assumeRolePolicy);
    let statements: Statement[] = [];
    try {
      if (doc !== undefined) statements = readStatements(doc, unknowns);
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
      const services = p !== undefined && p !== "*" ? (p.Service ?? []) : [];
      const badActions = [
        ...st.actions.filter((a) => !cfg.allowedActions.some((ok) => ok.toLowerCase() === a.toLowerCase())),
        ...st.notActions.map((a) => `NotAction ${a}`),
      ];
      if (badActions.length > 0)
        report(`${where} allows ${badActions.join(", ")}; a service trust may allow only ${cfg.allowedActions.join(", ")}.`);
      dependsOn(st, ["Action", "NotAction"], unknowns);
      if (st.unknown.includes("Principal")) {
        dependsOn(st, ["Principal"], unknowns);
        continue;
      }
      if (kinds.length !== 1 || kinds[0] !== "Service" || services.length !== 1) {
        const named =
          p === undefined
            ? "no principal"
            : p === "*"
              ? '"*"'
              : kinds.map((k) => `${k}: ${(p as Record<string, string[]>)[k].join(", ")}`).join("; ");
        report(`${where} must name exactly one service principal; it names ${named}.`);
        continue;
      }
      const service = services[0];
      if (cfg.exemptServicePrincipals.includes(service)) continue;
      if (st.unknown.some((u) => u.startsWith("Condition"))) {
        dependsOn(st, ["Condition"], unknowns); // the condition's value is decided later: the engine's note names it
        continue;
      }
      const needArn = cfg.sourceArnRequiredFor.includes(service);
      const keys = needArn ? ["aws:sourcearn"] : wanted;
      const found = keys.map((k) => ({ key: k, c: concreteConditionValues(st, k) }));
      const present = found.filter((f) => f.c !== undefined);
      if (present.length === 0) {
        report(
          `${where} for ${service} has no ${needArn ? "aws:SourceArn" : cfg.conditionKeys.join(" or ")} condition${needArn ? " naming the one state machine or schedule that may use the role" : ""}.`,
        );
        continue;
      }
      const good = present.some(
        ({ key, c }) =>
          c!.values.length > 0 &&
          c!.loose.length === 0 &&
          c!.values.every((v) => (key === "aws:sourceaccount" ? concreteAccount(v) : key === "aws:sourcearn" ? concreteArn(v) : true)),
      );
      // Scheduler sends the schedule's group as aws:SourceArn: a schedule ARN never matches and the role silently stops working.
      const schedules = present
        .flatMap(({ key, c }) => (key === "aws:sourcearn" ? c!.values : []))
        .filter((v) => /:scheduler:[^:]*:[^:]*:schedule\//.test(v));
      if (service === "scheduler.amazonaws.com" && schedules.length > 0) {
        report(
          `${where} for scheduler.amazonaws.com names the schedule ${schedules.join(", ")}; Scheduler sends the schedule group's ARN (arn:aws:scheduler:<region>:<account>:schedule-group/<group>), so this role can never be assumed.`,
        );
        continue;
      }
      if (!good) {
        const shown = present.flatMap(({ key, c }) => [...c!.loose, ...c!.values.map((v) => `${key} ${JSON.stringify(v)}`)]);
        report(
          `${where} for ${service} has a condition that matches more than one caller (${shown.join("; ")}); it needs this account's id or the one ARN allowed to assume the role.`,
        );
      }
    }
    unknowns.finish();
  },
};

const sharedRoleKnobs = {
  maxFunctionsPerRole: knob(1, "How many Lambda functions may share one execution role."),
};

export const iamRoleNotShared: StackValidationPolicy = {
  name: "iam-role-not-shared-by-functions",
  description:
    "Checks whether one IAM role is the execution role of several Lambda functions, or of more than one kind of service (a Lambda and a state machine or schedule).",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Give every function and state machine its own role holding only the permissions it uses (schedules may share one that only starts their machines).",
  configSchema: configSchema(sharedRoleKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, sharedRoleKnobs);
    const stack = new StackIndex(args.resources);
    const unknowns = new UnknownValues();
    // Keyed by the role resource, or by the ARN for a role from outside the stack.
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
      if (functions.length > cfg.maxFunctionsPerRole)
        report(`Role ${label} is shared by ${functions.length} Lambda functions (${functions.join(", ")}).`, urn);
    }
    for (const role of stack.ofType(T.role)) {
      const { functions, machines, schedules } = roleUsers(stack, role, unknowns);
      const kinds = [
        ...(functions.length > 0 ? [`Lambda ${functions.map((f) => f.name).join(", ")}`] : []),
        ...(machines.length > 0 ? [`state machine ${machines.map((m) => m.name).join(", ")}`] : []),
        ...(schedules.length > 0 ? [`schedule ${schedules.map((s) => s.name).join(", ")}`] : []),
      ];
      if (kinds.length > 1)
        report(
          `Role ${role.name} is used by more than one kind of service (${kinds.join("; ")}); each needs its own permissions.`,
          role.urn,
        );
    }
    unknowns.finish();
  },
};

/** The purposes a role serves, from what runs as it: which wildcard-only actions it may hold. */
function purposesOf(stack: StackIndex, role: PolicyResource, unknowns: UnknownValues): Set<WildcardPurpose> {
  const { functions, machines } = roleUsers(stack, role, unknowns);
  const out = new Set<WildcardPurpose>();
  for (const fn of functions) {
    // An unknown subnet list still places the function in a VPC.
    const subnets = new UnknownValues().attempt(() => (fn.props.vpcConfig === undefined ? 0 : (fn.props.vpcConfig.subnetIds?.length ?? 0)));
    if (subnets === undefined || subnets > 0) out.add("lambda-vpc");
    if (unknowns.attempt(() => fn.props.tracingConfig?.mode) === "Active") out.add("tracing");
  }
  for (const m of machines) {
    if ((unknowns.attempt(() => m.props.loggingConfiguration?.level) ?? "OFF") !== "OFF") out.add("state-machine-logging");
    if (unknowns.attempt(() => m.props.tracingConfiguration?.enabled) === true) out.add("tracing");
  }
  return out;
}

const LOWER_PURPOSES: Record<string, WildcardPurpose> = Object.fromEntries(
  Object.entries(WILDCARD_ONLY_ACTION_PURPOSES).map(([a, p]) => [a.toLowerCase(), p]),
);

const PURPOSE_LABEL: Record<WildcardPurpose, string> = {
  "state-machine-logging": "a state machine that logs",
  tracing: "a function or state machine with tracing on",
  "lambda-vpc": "a Lambda function in a VPC",
};

const purposeKnobs = {
  exemptRoleNames: knob([], "Logical names of roles exempt from this rule (a reviewed exception)."),
};

export const iamWildcardActionsMatchPurpose: StackValidationPolicy = {
  name: "iam-wildcard-actions-match-purpose",
  description:
    'Checks whether each role holds the actions allowed on "*" only for what it runs: log delivery for a logging state machine, network interfaces for a Lambda in a VPC, X-Ray with tracing on.',
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    'Remove the "*" actions the role\'s function or state machine does not need (they are granted per purpose in components/iam-wildcard-actions.ts).',
  configSchema: configSchema(purposeKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, purposeKnobs);
    const stack = new StackIndex(args.resources);
    const unknowns = new UnknownValues();
    for (const role of stack.ofType(T.role).filter((r) => !cfg.exemptRoleNames.includes(r.name))) {
      const purposes = purposesOf(stack, role, unknowns);
      const wrong = new Map<string, WildcardPurpose>();
      for (const { st } of statementsOfRole(stack, role, unknowns, () => undefined)) {
        if (st.effect !== "Allow") continue;
        if (st.actions.some((a) => a.toLowerCase() in LOWER_PURPOSES)) dependsOn(st, ["Resource"], unknowns);
        if (!st.resources.some(isWildcardResource)) continue;
        for (const action of st.actions) {
          const purpose = LOWER_PURPOSES[action.toLowerCase()];
          if (purpose && !purposes.has(purpose)) wrong.set(action, purpose);
        }
      }
      if (wrong.size > 0) {
        const listed = [...wrong].map(([a, p]) => `${a} (only for ${PURPOSE_LABEL[p]})`).join(", ");
        report(`Role ${role.name} holds ${listed} on "*", but nothing it runs needs them.`, role.urn);
      }
    }
    unknowns.finish();
  },
};

export const iamPolicies = [
  iamNoWildcardActions,
  iamNoWildcardResources,
  iamNoBroadManagedPolicies,
  iamTrustPolicyScoped,
  iamRoleNotShared,
  iamWildcardActionsMatchPurpose,
];
