// Test harness for single policies: builds the arguments the policy server builds (through the same engine
// mirror `npm run policy:check` uses) and returns what a policy reported, in plain lists to assert on.

import { Policy, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { PackConfig, PolicyEngine, ResourceDescription } from "../support/policy-engine";

/** The sentinels the engine puts where a value is unknown at preview. */
const proxyModule = require("@pulumi/policy/proxy") as Record<string, string>;
export const UNKNOWN = {
  string: proxyModule.unknownStringValue,
  boolean: proxyModule.unknownBooleanValue,
  number: proxyModule.unknownNumberValue,
  array: proxyModule.unknownArrayValue,
  object: proxyModule.unknownObjectValue,
};

export interface Outcome {
  /** Messages of the violations the policy reported. */
  violations: string[];
  /** The URNs the violations were reported on, in the same order. */
  urns: string[];
  /** The advisory "can't run ... during preview" notes (unknown values). */
  skipped: string[];
  /** Reasons given to notApplicable. */
  notApplicable: string[];
}

export interface RunOptions {
  /** The policy's config, as in a pack config file ({ "<policy>": {...} }) but for this policy only. */
  config?: Record<string, unknown>;
  /** Fill schema defaults like the CLI (default false: getConfig() returns only `config`, as most harnesses do). */
  applySchemaDefaults?: boolean;
}

const STACK = "urn:pulumi:dev::circuit-breaker::";

export function urnOf(type: string, name: string, parentType?: string): string {
  return `${STACK}${parentType ? `${parentType}$` : ""}${type}::${name}`;
}

function engineFor(policy: Policy, opts: RunOptions): PolicyEngine {
  const config: PackConfig = opts.config ? { [policy.name]: opts.config } : {};
  return new PolicyEngine([policy as ResourceValidationPolicy], { config, applySchemaDefaults: opts.applySchemaDefaults ?? false });
}

function outcome(result: Awaited<ReturnType<PolicyEngine["analyze"]>>): Outcome {
  const notes = result.diagnostics.filter((d) => d.message.startsWith("can't run policy"));
  const violations = result.diagnostics.filter((d) => !notes.includes(d));
  return {
    violations: violations.map((d) => d.message),
    urns: violations.map((d) => d.urn),
    skipped: notes.map((d) => d.message),
    notApplicable: result.notApplicable.map((n) => n.reason),
  };
}

/** Runs one resource policy on one resource given by type token (or resource class) and props. */
export async function checkResource(
  policy: ResourceValidationPolicy,
  type: string | { __pulumiType: string },
  props: Record<string, unknown>,
  opts: RunOptions & { name?: string } = {},
): Promise<Outcome> {
  const token = typeof type === "string" ? type : type.__pulumiType;
  const name = opts.name ?? "subject";
  return outcome(await engineFor(policy, opts).analyze({ type: token, name, urn: urnOf(token, name), props }));
}

export interface StackResource {
  type: string;
  name: string;
  props: Record<string, unknown>;
  urn?: string;
  parent?: string;
  propertyDependencies?: Record<string, string[]>;
}

/** Runs one stack policy on a list of resources (props are outputs, as in analyzeStack). */
export async function checkStack(policy: StackValidationPolicy, resources: StackResource[], opts: RunOptions = {}): Promise<Outcome> {
  const described: ResourceDescription[] = resources.map((r) => ({ ...r, urn: r.urn ?? urnOf(r.type, r.name) }));
  return outcome(await engineFor(policy, opts).analyzeStack(described));
}
