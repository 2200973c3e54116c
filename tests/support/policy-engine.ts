// Runs the pack's policies the way the Pulumi engine's policy server does (@pulumi/policy 1.21 server.js),
// without the CLI: props wrapped in unknownCheckingProxy, args with urn/name/opts/stackTags/getConfig/
// notApplicable/isType/asType, enforcement levels resolved from the pack config (policy > "all" > policy
// default > pack default), config defaults filled from each policy's schema as the CLI does, UnknownValueError
// turned into an advisory "can't run ... during preview", notApplicable recorded. The test harness and
// `npm run policy:check` both use it.

import * as fs from "node:fs";
import * as path from "node:path";
import {
  EnforcementLevel,
  Policies,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { PACK_NAME } from "../../policy/policies";
import { isUnknownValueError, unknownCheckingProxy } from "../../policy/util/unknowns";

export interface Diagnostic {
  policyName: string;
  enforcementLevel: EnforcementLevel;
  urn: string;
  message: string;
}

export interface NotApplicable {
  policyName: string;
  urn: string;
  reason: string;
}

/** A resource as the engine describes it to the policy server. */
export interface ResourceDescription {
  type: string;
  name: string;
  urn: string;
  /** Inputs for resource policies; outputs (inputs plus computed values) for stack policies. */
  props: Record<string, unknown>;
  opts?: Partial<PolicyResourceOptions>;
  /** URN of the parent resource. */
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export class PolicyConfigError extends Error {}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

type PolicyConfigEntry = EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);
export type PackConfig = Record<string, PolicyConfigEntry>;

/** A fresh copy of plain objects and arrays (as the server deserializes props anew for each call); other objects, such as assets, are shared. */
function copyData<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyData) as T;
  if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
    // Like the wire format, which has no undefined: such keys are absent.
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, copyData(x)]),
    ) as T;
  }
  return v;
}

class NotApplicableSignal extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicableSignal(reason ?? "Policy does not apply");
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

function pulumiTypeOf(o: unknown): string | undefined {
  return (o as { __pulumiType?: string } | undefined)?.__pulumiType;
}

/** server.js isTypeOf: the class's __pulumiType, or its isInstance. */
function isTypeOf(type: string, resourceClass: unknown): boolean {
  const t = pulumiTypeOf(resourceClass);
  if (t) return type === t;
  const isInstance = (resourceClass as { isInstance?: (o: unknown) => boolean }).isInstance;
  return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function options(o: Partial<PolicyResourceOptions> | undefined, parent: string | undefined): PolicyResourceOptions {
  return {
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(parent ? { parent } : {}),
    ...o,
  };
}

function checkValue(where: string, schema: PolicyConfigJSONSchema, value: unknown): void {
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const typeOk = (t: string) =>
    t === "array"
      ? Array.isArray(value)
      : t === "integer"
        ? Number.isInteger(value)
        : t === "null"
          ? value === null
          : typeof value === t && !Array.isArray(value);
  if (types.length > 0 && !types.some(typeOk))
    throw new PolicyConfigError(`${where} must be of type ${types.join(" or ")}, got ${JSON.stringify(value)}`);
  if (schema.enum && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
    throw new PolicyConfigError(
      `${where} must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  if (Array.isArray(value) && schema.items && typeof schema.items === "object" && !Array.isArray(schema.items)) {
    value.forEach((v, i) => checkValue(`${where}[${i}]`, schema.items as PolicyConfigJSONSchema, v));
  }
}

export interface EngineOptions {
  /** The pack config (the JSON given to --policy-pack-config). */
  config?: PackConfig;
  /** Fill config keys from the schema defaults, as the CLI does (default true). */
  applySchemaDefaults?: boolean;
}

export class PolicyEngine {
  private readonly levels = new Map<string, EnforcementLevel>();
  private readonly configs = new Map<string, Record<string, unknown>>();
  private readonly packVersion = packVersion();

  constructor(
    readonly policies: Policies,
    opts: EngineOptions = {},
  ) {
    const config = opts.config ?? {};
    const byName = new Map(policies.map((p) => [p.name, p]));
    for (const key of Object.keys(config)) {
      if (key !== "all" && !byName.has(key))
        throw new PolicyConfigError(`config names policy "${key}", which is not in the pack (policies: ${[...byName.keys()].join(", ")})`);
    }
    const all = config.all;
    if (all !== undefined && !LEVELS.includes(all as EnforcementLevel))
      throw new PolicyConfigError(`config "all" must be one of ${LEVELS.join(", ")}`);
    for (const p of policies) {
      const entry = config[p.name];
      const { enforcementLevel, ...props } = typeof entry === "string" ? { enforcementLevel: entry } : (entry ?? {});
      if (enforcementLevel !== undefined && !LEVELS.includes(enforcementLevel as EnforcementLevel)) {
        throw new PolicyConfigError(
          `${p.name}.enforcementLevel must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(enforcementLevel)}`,
        );
      }
      const schema = p.configSchema?.properties ?? {};
      for (const [k, v] of Object.entries(props)) {
        if (!(k in schema))
          throw new PolicyConfigError(`${p.name} has no config property "${k}" (properties: ${Object.keys(schema).join(", ") || "none"})`);
        checkValue(`${p.name}.${k}`, schema[k] as PolicyConfigJSONSchema, v);
      }
      for (const req of p.configSchema?.required ?? []) {
        if (!(req in props) && (schema[req] as PolicyConfigJSONSchema | undefined)?.default === undefined)
          throw new PolicyConfigError(`${p.name}.${req} is required`);
      }
      const defaults: Record<string, unknown> = {};
      if (opts.applySchemaDefaults !== false) {
        for (const [k, s] of Object.entries(schema)) if (typeof s === "object" && s.default !== undefined) defaults[k] = s.default;
      }
      this.configs.set(p.name, { ...defaults, ...props });
      this.levels.set(
        p.name,
        (enforcementLevel as EnforcementLevel | undefined) ?? (all as EnforcementLevel | undefined) ?? p.enforcementLevel ?? "advisory",
      ); // the pack's own level (policy/index.ts)
    }
  }

  /** The enforcement level a policy runs at; "remediate" reports as "mandatory", like the server. */
  levelOf(policyName: string): EnforcementLevel {
    const level = this.levels.get(policyName) ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
  }

  private getConfigFor(name: string) {
    return <T extends object>(): T => structuredClone(this.configs.get(name) ?? {}) as T;
  }

  private unknownDiagnostic(name: string, urn: string, e: Error): Diagnostic {
    const message = `can't run policy '${name}' from policy pack '${PACK_NAME}@v${this.packVersion}' during preview: ${e.message}`;
    return { policyName: name, enforcementLevel: "advisory", urn, message };
  }

  /** Runs every resource policy on one resource (the engine's Analyze call). */
  async analyze(resource: ResourceDescription): Promise<{ diagnostics: Diagnostic[]; notApplicable: NotApplicable[] }> {
    const diagnostics: Diagnostic[] = [];
    const notApplicable: NotApplicable[] = [];
    for (const p of this.policies) {
      const level = this.levelOf(p.name);
      if (level === "disabled" || isStackPolicy(p)) continue;
      if (!p.validateResource) continue;
      const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      const fastType = validations.length === 1 ? pulumiTypeOf(validations[0]) : undefined;
      if (fastType && fastType !== resource.type) {
        notApplicable.push({ policyName: p.name, urn: resource.urn, reason: `Policy only applies to resources of type '${fastType}'` });
        continue;
      }
      const report = (message: string, urn?: string) =>
        diagnostics.push({ policyName: p.name, enforcementLevel: level, urn: urn || resource.urn, message });
      for (const validate of validations) {
        const args: ResourceValidationArgs = {
          ...describedResource(resource),
          stackTags: new Map(),
          getConfig: this.getConfigFor(p.name),
          notApplicable: throwNotApplicable,
        };
        try {
          await validate(args, report);
        } catch (e) {
          if (isUnknownValueError(e)) diagnostics.push(this.unknownDiagnostic(p.name, resource.urn, e));
          else if (e instanceof NotApplicableSignal) notApplicable.push({ policyName: p.name, urn: resource.urn, reason: e.reason });
          else
            throw new Error(`Error validating resource ${resource.urn} with policy '${p.name}': ${(e as Error).stack ?? e}`, { cause: e });
        }
      }
    }
    return { diagnostics, notApplicable };
  }

  /** Runs every stack policy on all resources (the engine's AnalyzeStack call); props are the resources' outputs. */
  async analyzeStack(resources: ResourceDescription[]): Promise<{ diagnostics: Diagnostic[]; notApplicable: NotApplicable[] }> {
    const diagnostics: Diagnostic[] = [];
    const notApplicable: NotApplicable[] = [];
    for (const p of this.policies) {
      const level = this.levelOf(p.name);
      if (level === "disabled" || !isStackPolicy(p)) continue;
      const fastType = pulumiTypeOf(p.validateStack);
      if (fastType && !resources.some((r) => r.type === fastType)) {
        notApplicable.push({ policyName: p.name, urn: "", reason: `Policy only applies to resources of type '${fastType}'` });
        continue;
      }
      const report = (message: string, urn?: string) =>
        diagnostics.push({ policyName: p.name, enforcementLevel: level, urn: urn ?? "", message });
      try {
        const args: StackValidationArgs = {
          resources: policyResources(resources),
          stackTags: new Map(),
          getConfig: this.getConfigFor(p.name),
          notApplicable: throwNotApplicable,
        };
        await p.validateStack(args, report);
      } catch (e) {
        if (isUnknownValueError(e)) diagnostics.push(this.unknownDiagnostic(p.name, "", e));
        else if (e instanceof NotApplicableSignal) notApplicable.push({ policyName: p.name, urn: "", reason: e.reason });
        else throw new Error(`Error validating stack with policy '${p.name}': ${(e as Error).stack ?? e}`, { cause: e });
      }
    }
    return { diagnostics, notApplicable };
  }
}

/** What resource and stack validations both get: fresh proxied props, and isType/asType answering for the resource's type. */
function describedResource(r: ResourceDescription) {
  const props = unknownCheckingProxy(copyData(r.props));
  return {
    type: r.type,
    props,
    urn: r.urn,
    name: r.name,
    opts: options(r.opts, r.parent),
    isType: (cls: unknown) => isTypeOf(r.type, cls),
    asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as ResourceValidationArgs["asType"] & PolicyResource["asType"],
  };
}

/** The PolicyResource graph of analyzeStack: proxied props, parent, dependencies and propertyDependencies as objects. */
function policyResources(resources: ResourceDescription[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const out = resources.map((r) => {
    const pr: PolicyResource = { ...describedResource(r), dependencies: [], propertyDependencies: {} };
    byUrn.set(r.urn, pr);
    return pr;
  });
  resources.forEach((r, i) => {
    const pr = out[i];
    if (r.parent && byUrn.has(r.parent)) pr.parent = byUrn.get(r.parent);
    const resolve = (urns: string[] | undefined) =>
      (urns ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    pr.dependencies = resolve(r.dependencies);
    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) pr.propertyDependencies[k] = resolve(urns);
  });
  return out;
}

/** The pack's version, from policy/package.json (what `new PolicyPack()` reads). */
export function packVersion(): string {
  const file = path.join(__dirname, "..", "..", "policy", "package.json");
  return (JSON.parse(fs.readFileSync(file, "utf8")) as { version: string }).version;
}

/** Reads a pack config file; a clear PolicyConfigError when it is missing or not a JSON object. */
export function readPackConfig(file: string): PackConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new PolicyConfigError(`cannot read policy config ${file}: ${(e as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new PolicyConfigError(`policy config ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new PolicyConfigError(`policy config ${file} must be a JSON object`);
  return parsed as PackConfig;
}
