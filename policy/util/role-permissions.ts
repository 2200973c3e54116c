// Every way a permission reaches a role, and what uses the role. Stack policies judge a role by all of it:
// inline policies, RolePolicy, Policy + RolePolicyAttachment / PolicyAttachment / RolePolicyAttachmentsExclusive,
// and managed policy ARNs (an AWS-managed one is reported through `onManaged`).

import { PolicyResource } from "@pulumi/policy";
import { DocumentSource, permissionDocuments, statementsOf } from "./documents";
import { Statement } from "./policy-document";
import { refsTo, StackIndex } from "./stack-index";
import { T } from "./types";
import { UnknownValues } from "./unknowns";

const list = (v: unknown): unknown[] => (Array.isArray(v) ? Array.from(v as unknown[]) : []);

/** Every permission statement that applies to `role`, each with where it comes from. */
export function statementsOfRole(
  stack: StackIndex,
  role: PolicyResource,
  unknowns: UnknownValues,
  onManaged: (arn: string) => void,
): { where: string; st: Statement }[] {
  const sources: DocumentSource[] = permissionDocuments(T.role, role.props, unknowns).map((s) => ({
    ...s,
    label: `inline policy ${s.label.replace(/^Inline policy /, "")}`,
  }));
  const roleKeys = ["name", "id", "arn"];
  const points = (r: PolicyResource, prop: string) => refsTo(stack, r, prop, T.role, roleKeys, unknowns).resources.includes(role);
  for (const rp of stack.ofType(T.rolePolicy).filter((r) => points(r, "role")))
    sources.push({ label: `role policy ${rp.name}`, read: () => rp.props.policy });

  const attached = new Set<PolicyResource>();
  const attach = (arn: unknown, from: PolicyResource, prop: string) => {
    const deps = (from.propertyDependencies?.[prop] ?? []).filter((r) => r.type === T.policy);
    const matched = typeof arn === "string" ? stack.ofType(T.policy).filter((p) => unknowns.attempt(() => p.props.arn) === arn) : [];
    for (const p of [...deps, ...matched]) attached.add(p);
    if (deps.length === 0 && matched.length === 0 && typeof arn === "string") onManaged(arn);
  };
  for (const att of stack.ofType(T.rolePolicyAttachment).filter((r) => points(r, "role")))
    attach(
      unknowns.attempt(() => att.props.policyArn),
      att,
      "policyArn",
    );
  for (const att of stack.ofType(T.policyAttachment)) {
    const names = unknowns.attempt(() => list(att.props.roles).map(String)) ?? [];
    const viaDeps = (att.propertyDependencies?.roles ?? []).includes(role);
    const roleName = unknowns.attempt(() => role.props.name);
    if (viaDeps || (typeof roleName === "string" && names.includes(roleName)))
      attach(
        unknowns.attempt(() => att.props.policyArn),
        att,
        "policyArn",
      );
  }
  for (const ex of stack.ofType(T.rolePolicyAttachmentsExclusive).filter((r) => points(r, "roleName"))) {
    // The engine's dependencies name the stack's policies even when their ARNs are unknown at preview.
    attach(undefined, ex, "policyArns");
    const n = unknowns.attempt(() => (Array.isArray(ex.props.policyArns) ? (ex.props.policyArns as unknown[]).length : 0)) ?? 0;
    for (let i = 0; i < n; i++) {
      const arn = new UnknownValues().attempt(() => (ex.props.policyArns as unknown[])[i]);
      if (typeof arn === "string") attach(arn, ex, "policyArns");
    }
  }
  for (const arn of unknowns.attempt(() => list(role.props.managedPolicyArns).map(String)) ?? []) attach(arn, role, "managedPolicyArns");
  for (const p of attached) sources.push({ label: `policy ${p.name}`, read: () => p.props.policy });
  // iam-no-wildcard-actions reports malformed documents.
  return statementsOf(sources, unknowns, () => undefined);
}

export interface RoleUsers {
  functions: PolicyResource[];
  machines: PolicyResource[];
  schedules: PolicyResource[];
}

/** The Lambda functions, state machines and schedules that run as `role`. */
export function roleUsers(stack: StackIndex, role: PolicyResource, unknowns: UnknownValues): RoleUsers {
  const uses = (r: PolicyResource, prop: string) => refsTo(stack, r, prop, T.role, ["arn"], unknowns).resources.includes(role);
  const scheduleUses = (s: PolicyResource) => {
    if ((s.propertyDependencies?.target ?? []).includes(role)) return true;
    const arn = unknowns.attempt(() => s.props.target?.roleArn);
    return typeof arn === "string" && unknowns.attempt(() => role.props.arn) === arn;
  };
  return {
    functions: stack.ofType(T.lambdaFunction).filter((f) => uses(f, "role")),
    machines: stack.ofType(T.stateMachine).filter((m) => uses(m, "roleArn")),
    schedules: stack.ofType(T.schedule).filter(scheduleUses),
  };
}
