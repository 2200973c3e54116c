// Least-privilege IAM in one place: policy documents, trust policies, and a role with one inline policy.
// Every document is checked as it is built: no "*" or "svc:*" action, and "Resource": "*" only for the
// actions in iam-wildcard-actions.ts.

import * as crypto from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isWildcardOnlyAction } from "./iam-wildcard-actions";
import { Tags } from "./tags";

export type ServicePrincipal = "lambda.amazonaws.com" | "states.amazonaws.com" | "scheduler.amazonaws.com";

export interface Statement {
  Sid?: string;
  Effect: "Allow";
  Action: string[];
  Resource: string[];
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Statement[];
}

/** One action on one resource (the shape requiredPermissions() returns). */
export interface Permission {
  action: string;
  resource: string;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** Checks one statement; throws naming the offending action or resource. */
export function checkStatement(s: Statement): void {
  if (s.Action.length === 0 || s.Resource.length === 0) {
    throw new Error(`IAM statement ${s.Sid ?? ""} has no action or no resource`);
  }
  for (const action of s.Action) {
    if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(action)) {
      throw new Error(`IAM action ${JSON.stringify(action)} is not allowed: name one action exactly (no "*", no "service:*")`);
    }
  }
  for (const resource of s.Resource) {
    if (resource === "*") {
      const scoped = s.Action.filter((a) => !isWildcardOnlyAction(a));
      if (scoped.length > 0) {
        throw new Error(
          `IAM actions ${scoped.join(", ")} are granted on "*"; they must name this stack's ARNs (only the actions in iam-wildcard-actions.ts may use "*")`,
        );
      }
    } else if (!resource.startsWith("arn:")) {
      throw new Error(`IAM resource ${JSON.stringify(resource)} is not an ARN`);
    }
  }
}

/** A statement granting `actions` on "*"; each action must be in the wildcard-only list. */
export function wildcardStatement(sid: string, actions: string[]): Statement {
  const s: Statement = { Sid: sid, Effect: "Allow", Action: sorted(actions), Resource: ["*"] };
  checkStatement(s);
  return s;
}

/** A statement granting `actions` on exactly `resources`. */
export function scopedStatement(sid: string, actions: string[], resources: string[]): Statement {
  const s: Statement = { Sid: sid, Effect: "Allow", Action: sorted(actions), Resource: sorted(resources) };
  checkStatement(s);
  return s;
}

/**
 * Groups permissions into statements: resources that need the same set of actions share a statement.
 * Deterministic: the same permissions in any order give the same statements.
 */
export function statementsFromPermissions(perms: readonly Permission[], sidPrefix: string): Statement[] {
  const byResource = new Map<string, Set<string>>();
  for (const p of perms) {
    const set = byResource.get(p.resource) ?? new Set<string>();
    set.add(p.action);
    byResource.set(p.resource, set);
  }
  const byActions = new Map<string, { actions: string[]; resources: string[] }>();
  for (const [resource, actions] of byResource) {
    const list = sorted(actions);
    const key = list.join(",");
    const entry = byActions.get(key) ?? { actions: list, resources: [] };
    entry.resources.push(resource);
    byActions.set(key, entry);
  }
  return [...byActions.keys()].sort().map((key, i) => {
    const { actions, resources } = byActions.get(key)!;
    return scopedStatement(`${sidPrefix}${i + 1}`, actions, resources);
  });
}

/** The policy document as JSON, after checking every statement. */
export function policyJson(statements: readonly Statement[]): string {
  if (statements.length === 0) throw new Error("an IAM policy needs at least one statement");
  statements.forEach(checkStatement);
  const doc: PolicyDocument = { Version: "2012-10-17", Statement: [...statements] };
  return JSON.stringify(doc);
}

/**
 * Trust policy for exactly one service principal, limited to this account and, where given, to the one state
 * machine or schedule group that assumes the role (confused-deputy protection).
 */
export function trustPolicyJson(service: ServicePrincipal, accountId: string, sourceArn?: string): string {
  if (!/^\d{12}$/.test(accountId)) throw new Error(`account id ${JSON.stringify(accountId)} is not a 12-digit AWS account id`);
  if (sourceArn !== undefined && !/^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]+:\d{12}:[^*?]+$/.test(sourceArn)) {
    throw new Error(`source ARN ${JSON.stringify(sourceArn)} is not one concrete ARN in an account`);
  }
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: {
          StringEquals: { "aws:SourceAccount": accountId },
          ...(sourceArn ? { ArnEquals: { "aws:SourceArn": sourceArn } } : {}),
        },
      },
    ],
  });
}

/** `${scope}-${name}`, or, when that exceeds AWS's `max`, the scope replaced by a short hash of it (still unique per stack). */
export function boundedName(scope: string, name: string, max: number): string {
  const full = `${scope}-${name}`;
  if (full.length <= max) return full;
  const short = `cb${crypto.createHash("sha1").update(scope).digest("hex").slice(0, 8)}-${name}`;
  if (short.length > max)
    throw new Error(`name ${JSON.stringify(name)} is too long: ${short.length} characters with its stack prefix, AWS allows ${max}`);
  return short;
}

/**
 * The ARN a state machine or an EventBridge Scheduler schedule group will have, known before it exists: what a role's
 * trust names as aws:SourceArn (Scheduler sends the schedule's group, never the schedule) and what a grant names.
 */
export function sourceArnOf(
  kind: "stateMachine" | "scheduleGroup",
  region: pulumi.Input<string>,
  accountId: pulumi.Input<string>,
  name: string,
): pulumi.Output<string> {
  return pulumi.all([region, accountId]).apply(([r, a]) => arnOf(kind, r, a, name));
}

/** That ARN from known values (also how a grant's size is bounded before the region is known). */
export function arnOf(kind: "stateMachine" | "scheduleGroup", region: string, accountId: string, name: string): string {
  return kind === "stateMachine"
    ? `arn:aws:states:${region}:${accountId}:stateMachine:${name}`
    : `arn:aws:scheduler:${region}:${accountId}:schedule-group/${name}`;
}

/**
 * IAM allows a role at most 10,240 characters of inline policy in total (whitespace not counted).
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html
 */
export const ROLE_INLINE_POLICY_MAX_CHARS = 10_240;

/** Throws, naming the role, the size, the limit and the fix, when a role's one inline policy is over IAM's limit. */
export function checkRolePolicySize(role: string, policy: string): void {
  const size = policy.replace(/\s+/g, "").length;
  if (size <= ROLE_INLINE_POLICY_MAX_CHARS) return;
  throw new Error(
    `IAM role ${role}: its inline policy is ${size} characters; allowed: at most ${ROLE_INLINE_POLICY_MAX_CHARS} (IAM's limit for a role's inline policies). Fewer or shorter resources in its grants keep it smaller`,
  );
}

export interface ScopedRoleArgs {
  service: ServicePrincipal;
  accountId: pulumi.Input<string>;
  /** The one state machine or schedule group allowed to assume the role (aws:SourceArn). */
  sourceArn?: pulumi.Input<string>;
  statements: pulumi.Input<Statement[]>;
  description: string;
  tags: Tags;
}

export interface ScopedRole {
  role: aws.iam.Role;
  policy: aws.iam.RolePolicy;
}

/** A role for one service principal with one inline policy: `${name}-role` and `${name}-policy`. */
export function scopedRole(parent: pulumi.Resource, name: string, args: ScopedRoleArgs): ScopedRole {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      description: args.description,
      assumeRolePolicy: pulumi
        .all([args.accountId, args.sourceArn])
        .apply(([account, source]) => trustPolicyJson(args.service, account, source)),
      maxSessionDuration: 3600,
      tags: args.tags,
    },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      policy: pulumi.output(args.statements).apply((s) => {
        const json = policyJson(s as Statement[]);
        checkRolePolicySize(`${name}-role`, json);
        return json;
      }),
    },
    { parent },
  );
  return { role, policy };
}
