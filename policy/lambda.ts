// Lambda: supported runtimes; functions that reach ElastiCache run inside the VPC.

import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { knownEnv, StackIndex } from "./util/stack-index";
import { UnknownValues } from "./util/unknowns";
import { configSchema, knob, readConfig } from "./util/config";
import { requireType, T } from "./util/types";

/** Runtimes AWS has deprecated (no security patches); override the list in config as AWS announces more. */
export const DEPRECATED_RUNTIMES = [
  "nodejs",
  "nodejs4.3",
  "nodejs4.3-edge",
  "nodejs6.10",
  "nodejs8.10",
  "nodejs10.x",
  "nodejs12.x",
  "nodejs14.x",
  "nodejs16.x",
  "nodejs18.x",
  "nodejs20.x",
  "python2.7",
  "python3.6",
  "python3.7",
  "python3.8",
  "python3.9",
  "java8",
  "go1.x",
  "provided",
  "dotnetcore1.0",
  "dotnetcore2.0",
  "dotnetcore2.1",
  "dotnetcore3.1",
  "dotnet5.0",
  "dotnet6",
  "dotnet7",
  "ruby2.5",
  "ruby2.7",
  "ruby3.2",
];

const runtimeKnobs = {
  deprecatedRuntimes: knob([...DEPRECATED_RUNTIMES], "Runtimes that must not be used."),
  allowedRuntimes: knob([], "When not empty, the only runtimes that may be used."),
};

export const lambdaRuntimeSupported: ResourceValidationPolicy = {
  name: "lambda-runtime-supported",
  description: "Checks whether Lambda functions use a runtime AWS still supports (and, when configured, one on the allowed list).",
  enforcementLevel: "advisory",
  severity: "medium",
  remediationSteps: "Move to a supported runtime (this project targets nodejs22.x on arm64) and redeploy.",
  configSchema: configSchema(runtimeKnobs),
  validateResource: (args, report) => {
    requireType(args, [T.lambdaFunction]);
    const cfg = readConfig(args, runtimeKnobs);
    const runtime = args.props.runtime;
    if (typeof runtime !== "string") return; // a container image has no runtime
    if (cfg.deprecatedRuntimes.includes(runtime)) report(`Runtime ${runtime} is deprecated; move to a supported runtime.`);
    else if (cfg.allowedRuntimes.length > 0 && !cfg.allowedRuntimes.includes(runtime)) {
      report(`Runtime ${runtime} is not allowed; use one of ${cfg.allowedRuntimes.join(", ")}.`);
    }
  },
};

const vpcKnobs = {
  cacheEnvironmentMarkers: knob(
    ["STORE_KIND=redis", "REDIS_HOST", "REDIS_URL"],
    'Environment variables that show a function reaches ElastiCache: "NAME=value" (that value) or "NAME" (present).',
  ),
};

export const lambdaCacheClientsInVpc: ResourceValidationPolicy = {
  name: "lambda-cache-clients-in-vpc",
  description: "Checks whether Lambda functions that reach ElastiCache run in the VPC (vpcConfig with subnets and security groups).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set vpcConfig: { subnetIds: <private subnets>, securityGroupIds: [<the group the cache admits>] }.",
  configSchema: configSchema(vpcKnobs),
  validateResource: (args, report) => {
    requireType(args, [T.lambdaFunction]);
    const cfg = readConfig(args, vpcKnobs);
    const vars = (args.props.environment?.variables ?? {}) as Record<string, unknown>;
    const marker = cfg.cacheEnvironmentMarkers.find((m) => {
      const [name, value] = m.split("=", 2);
      return value === undefined ? name in vars : String(vars[name] ?? "").toLowerCase() === value.toLowerCase();
    });
    if (marker === undefined) return args.notApplicable("Function does not reach ElastiCache");
    const vpc = args.props.vpcConfig as { subnetIds?: unknown[]; securityGroupIds?: unknown[] } | undefined;
    const missing = [...(vpc?.subnetIds?.length ? [] : ["subnetIds"]), ...(vpc?.securityGroupIds?.length ? [] : ["securityGroupIds"])];
    if (missing.length > 0) report(`Function reaches ElastiCache (${marker}) but its vpcConfig has no ${missing.join(" and no ")}.`);
  },
};

const CACHE_TYPES = [T.replicationGroup, T.serverlessCache, T.cacheCluster];

/** The cache endpoints a resource reports (host names a client would connect to). */
function cacheEndpoints(cache: PolicyResource, unknowns: UnknownValues): string[] {
  const out: string[] = [];
  for (const k of ["primaryEndpointAddress", "readerEndpointAddress", "configurationEndpointAddress", "clusterAddress"]) {
    const v = unknowns.attempt(() => cache.props[k]);
    if (typeof v === "string" && v !== "") out.push(v);
  }
  for (const k of ["endpoints", "readerEndpoints", "cacheNodes"]) {
    const list =
      unknowns.attempt(() => (Array.isArray(cache.props[k]) ? cache.props[k].map((e: { address?: string }) => e.address) : [])) ?? [];
    for (const a of list) if (typeof a === "string" && a !== "") out.push(a);
  }
  return out;
}

const byUseKnobs = {
  exemptFunctionNames: knob([], "Logical names of functions exempt from this rule (e.g. one that only reports the endpoint)."),
};

export const lambdaCacheClientsInVpcByUse: StackValidationPolicy = {
  name: "lambda-cache-clients-in-vpc-by-use",
  description:
    "Checks whether Lambda functions whose environment carries a cache of this stack (its endpoint or a value derived from it, whatever the variable is called) run in the VPC.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps: "Set vpcConfig: { subnetIds: <private subnets>, securityGroupIds: [<the group the cache admits>] }.",
  configSchema: configSchema(byUseKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, byUseKnobs);
    const stack = new StackIndex(args.resources);
    const unknowns = new UnknownValues();
    const caches = CACHE_TYPES.flatMap((t) => stack.ofType(t));
    if (caches.length === 0) return args.notApplicable("The stack has no ElastiCache cache");
    for (const fn of stack.ofType(T.lambdaFunction).filter((f) => !cfg.exemptFunctionNames.includes(f.name))) {
      const deps = fn.propertyDependencies?.environment ?? [];
      const env = knownEnv(fn);
      // Values are a fallback to propertyDependencies: unknown endpoints need no note.
      const used = caches.find(
        (c) => deps.includes(c) || cacheEndpoints(c, new UnknownValues()).some((e) => env.some((v) => v.includes(e))),
      );
      if (!used) continue;
      const vpc = new UnknownValues().attempt(() => ({
        subnets: Array.isArray(fn.props.vpcConfig?.subnetIds) ? fn.props.vpcConfig.subnetIds.length : 0,
        groups: Array.isArray(fn.props.vpcConfig?.securityGroupIds) ? fn.props.vpcConfig.securityGroupIds.length : 0,
      }));
      if (vpc !== undefined && (vpc.subnets === 0 || vpc.groups === 0)) {
        report(
          `Function ${fn.name} reaches the cache ${used.name} through its environment but runs outside the VPC (vpcConfig needs subnetIds and securityGroupIds).`,
          fn.urn,
        );
      }
    }
    unknowns.finish();
  },
};

export const lambdaPolicies = [lambdaRuntimeSupported, lambdaCacheClientsInVpc, lambdaCacheClientsInVpcByUse];
