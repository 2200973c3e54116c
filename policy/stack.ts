// Stack rules: each breaker state machine has a circuit-opened alarm with an action, and its role may invoke
// only the breaker's own functions (target, fallback, handlers).

import { PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { awsManagedPolicyName } from "./iam";
import { configSchema, knob, readConfig } from "./util/config";
import { dependsOn, globMatch, grants, isWildcardResource } from "./util/policy-document";
import { BREAKER_DIMENSION, CIRCUIT_OPENED_METRIC, METRIC_NAMESPACE } from "./util/project-defaults";
import { breakerKnobs, breakerName, isStateStore, stateStoreKnobs } from "./util/scope";
import { statementsOfRole } from "./util/role-permissions";
import { knownEnv, refsTo, StackIndex } from "./util/stack-index";
import { T } from "./util/types";
import { UnknownValues } from "./util/unknowns";

interface Breaker {
  name: string;
  machine: PolicyResource;
}

/**
 * The stack and its breaker state machines (tagged; unknown tags are skipped). Not applicable when there are none
 * (unless a tag was unknown: then the engine's preview note).
 */
function breakerStack(
  args: StackValidationArgs,
  cfg: { breakerTagKey: string },
  unknowns: UnknownValues,
): { stack: StackIndex; breakers: Breaker[] } {
  const stack = new StackIndex(args.resources);
  const breakers: Breaker[] = [];
  for (const machine of stack.ofType(T.stateMachine)) {
    const name = unknowns.attempt(() => breakerName(machine.props, cfg));
    if (name !== undefined) breakers.push({ name, machine });
  }
  if (breakers.length === 0) {
    unknowns.finish();
    return args.notApplicable("The stack has no breaker state machine");
  }
  return { stack, breakers };
}

const alarmKnobs = {
  ...breakerKnobs,
  namespace: knob(METRIC_NAMESPACE, "Namespace of the breaker metrics."),
  metricName: knob(CIRCUIT_OPENED_METRIC, "Metric emitted when a circuit opens."),
  dimensionName: knob(BREAKER_DIMENSION, "Dimension whose value is the breaker's name."),
};

interface MetricRef {
  metricName?: string;
  namespace?: string;
  dimensions?: Record<string, string>;
}

/** The metrics an alarm watches: its own, or those of its metric queries. */
function alarmMetrics(props: Record<string, any>): MetricRef[] {
  const queries = Array.isArray(props.metricQueries) ? Array.from(props.metricQueries as { metric?: MetricRef }[]) : [];
  return [props as MetricRef, ...queries.map((q) => q.metric ?? {})];
}

export const breakerCircuitOpenedAlarm: StackValidationPolicy = {
  name: "breaker-circuit-opened-alarm",
  description: "Checks whether every breaker state machine has an alarm on its circuit-opened metric that notifies someone.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Add a CloudWatch MetricAlarm on CircuitBreaker/CircuitOpened with dimension Breaker=<name> (threshold >= 1) and alarmActions pointing to an SNS topic.",
  configSchema: configSchema(alarmKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, alarmKnobs);
    const unknowns = new UnknownValues();
    const { stack, breakers } = breakerStack(args, cfg, unknowns);
    const alarms = stack.ofType(T.metricAlarm);
    for (const { name, machine } of breakers) {
      const watching = alarms.filter((alarm) =>
        unknowns.attempt(() =>
          alarmMetrics(alarm.props).some(
            (m) => m.metricName === cfg.metricName && m.namespace === cfg.namespace && m.dimensions?.[cfg.dimensionName] === name,
          ),
        ),
      );
      if (watching.length === 0) {
        report(
          `Breaker "${name}" has no alarm on ${cfg.namespace}/${cfg.metricName} with dimension ${cfg.dimensionName}=${name}.`,
          machine.urn,
        );
        continue;
      }
      const notifying = watching.filter((alarm) =>
        unknowns.attempt(
          () => alarm.props.actionsEnabled !== false && Array.isArray(alarm.props.alarmActions) && alarm.props.alarmActions.length > 0,
        ),
      );
      if (notifying.length === 0) {
        report(
          `The ${cfg.metricName} alarm of breaker "${name}" has no alarmActions (or actions are disabled); nobody is told when the circuit opens.`,
          watching[0].urn,
        );
      }
    }
    unknowns.finish();
  },
};

/** `arn:<p>:lambda:<region>:<account>:function:<name>` without a version or alias qualifier. */
function functionBase(arn: string): string {
  return arn.split(":").slice(0, 7).join(":");
}

const LAMBDA_INVOKE_INTEGRATIONS = /^arn:[^:]+:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** The functions a state machine definition invokes (as written: ARNs, names, or "(dynamic)"). */
export function invokedFunctions(definition: string): string[] {
  const out: string[] = [];
  const walk = (states: Record<string, any> | undefined): void => {
    for (const state of Object.values(states ?? {})) {
      if (state?.Type === "Task" && typeof state.Resource === "string") {
        const resource: string = state.Resource;
        if (LAMBDA_INVOKE_INTEGRATIONS.test(resource)) {
          const params = state.Parameters ?? state.Arguments ?? {};
          out.push(typeof params.FunctionName === "string" ? params.FunctionName : "(dynamic)");
        } else if (/^arn:[^:]+:lambda:/.test(resource)) {
          out.push(resource);
        }
      }
      for (const branch of state?.Branches ?? []) walk(branch.States);
      walk((state?.ItemProcessor ?? state?.Iterator)?.States);
    }
  };
  walk(JSON.parse(definition).States);
  return out;
}

const invokeKnobs = {
  ...breakerKnobs,
  invokeGrantingManagedPolicies: knob(
    [
      "AWSLambdaRole",
      "AWSLambda_FullAccess",
      "AWSLambdaFullAccess",
      "AdministratorAccess",
      "PowerUserAccess",
      "AWSStepFunctionsFullAccess",
    ],
    "AWS-managed policies that let a role invoke every function.",
  ),
};

export const breakerRoleInvokeScope: StackValidationPolicy = {
  name: "breaker-role-invoke-scope",
  description:
    "Checks whether each breaker state machine's role may invoke only that breaker's own functions (target, fallback, handlers).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Grant lambda:InvokeFunction on the ARNs of the functions the breaker's definition calls (and their :* qualifiers), nothing else.",
  configSchema: configSchema(invokeKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, invokeKnobs);
    const unknowns = new UnknownValues();
    const { stack, breakers } = breakerStack(args, cfg, unknowns);
    for (const { name, machine } of breakers) {
      const roleRef = refsTo(stack, machine, "roleArn", T.role, ["arn"], unknowns);
      if (roleRef.resources.length === 0) {
        if (roleRef.value !== undefined)
          report(
            `The role of breaker "${name}" (${roleRef.value}) is not in this stack; its invoke permissions cannot be checked.`,
            machine.urn,
          );
        continue;
      }
      const definition = unknowns.attempt(() => machine.props.definition);
      if (typeof definition !== "string") continue;
      let invoked: string[];
      try {
        invoked = invokedFunctions(definition);
      } catch (e) {
        report(`The definition of breaker "${name}" is not valid JSON (${(e as Error).message}).`, machine.urn);
        continue;
      }
      const ownFunctions = stack.ofType(T.lambdaFunction).filter((fn) => {
        const tagged = unknowns.attempt(() => breakerName(fn.props, cfg)) === name;
        return tagged || invoked.some((ref) => unknowns.attempt(() => fn.props.name) === ref);
      });
      const own = new Set<string>(invoked.filter((ref) => ref.startsWith("arn:")).map(functionBase));
      for (const fn of ownFunctions) {
        const arn = unknowns.attempt(() => fn.props.arn);
        if (typeof arn === "string") own.add(functionBase(arn));
      }
      const isOwn = (resource: string) => !isWildcardResource(resource) && own.has(functionBase(resource));
      for (const role of roleRef.resources) {
        const onManaged = (arn: string) => {
          const policyName = awsManagedPolicyName(arn);
          if (policyName && cfg.invokeGrantingManagedPolicies.some((p) => globMatch(p, policyName))) {
            report(`The role of breaker "${name}" attaches ${policyName}, which may invoke every function.`, role.urn);
          }
        };
        for (const { where, st } of statementsOfRole(stack, role, unknowns, onManaged)) {
          if (!grants(st, "lambda:InvokeFunction")) continue;
          dependsOn(st, ["Resource", "NotResource"], unknowns);
          if (st.notResources.length > 0)
            report(`The role of breaker "${name}" may invoke every function except ${st.notResources.join(", ")} (${where}).`, role.urn);
          const foreign = st.resources.filter((r) => !isOwn(r));
          if (foreign.length > 0) {
            report(
              `The role of breaker "${name}" may invoke ${foreign.join(", ")} (${where}); only the breaker's own functions are allowed.`,
              role.urn,
            );
          }
        }
      }
    }
    unknowns.finish();
  },
};

/** The DynamoDB tables a state machine definition names in its dynamodb:* tasks (TableName, as written). */
export function definitionTables(definition: string): string[] {
  const out: string[] = [];
  const walk = (states: Record<string, any> | undefined): void => {
    for (const state of Object.values(states ?? {})) {
      if (state?.Type === "Task" && typeof state.Resource === "string" && /^arn:[^:]+:states:::(aws-sdk:)?dynamodb:/.test(state.Resource)) {
        const params = state.Parameters ?? state.Arguments ?? {};
        if (typeof params.TableName === "string") out.push(params.TableName);
      }
      for (const branch of state?.Branches ?? []) walk(branch.States);
      walk((state?.ItemProcessor ?? state?.Iterator)?.States);
    }
  };
  walk(JSON.parse(definition).States);
  return out;
}

const CACHE_TYPES = [T.replicationGroup, T.serverlessCache, T.cacheCluster];

const taggingKnobs = { ...breakerKnobs, ...stateStoreKnobs };

export const breakerResourcesTagged: StackValidationPolicy = {
  name: "breaker-resources-tagged",
  description:
    "Checks whether every state machine that calls a breaker's functions carries the breaker tag, and every table or cache the breaker uses (its dynamodb tasks, its functions' environment) carries the state-store tag, so that the breaker rules apply to them.",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Tag the state machine breaker=<name> and the table or cache circuitbreaker:role=state-store (components/tags.ts does this for the project's own components).",
  configSchema: configSchema(taggingKnobs),
  validateStack: (args, report) => {
    const cfg = readConfig(args, taggingKnobs);
    const unknowns = new UnknownValues();
    const stack = new StackIndex(args.resources);
    const tagOf = (r: PolicyResource) => unknowns.attempt(() => breakerName(r.props, cfg));
    const breakerFunctions = new Set(stack.ofType(T.lambdaFunction).filter((f) => tagOf(f) !== undefined));
    const taggedMachines = stack.ofType(T.stateMachine).filter((m) => tagOf(m) !== undefined);
    if (breakerFunctions.size === 0 && taggedMachines.length === 0) {
      unknowns.finish();
      return args.notApplicable("The stack has no breaker resources");
    }
    // Matching by value is a fallback to propertyDependencies: an unknown value there is no reason for a note.
    const fnKey = (f: PolicyResource, k: string) => new UnknownValues().attempt(() => f.props[k]);
    const definitionOf = (m: PolicyResource) => {
      const d = new UnknownValues().attempt(() => m.props.definition);
      return typeof d === "string" ? d : undefined;
    };
    const invokes = (m: PolicyResource, f: PolicyResource) => {
      if ((m.propertyDependencies?.definition ?? []).includes(f)) return true;
      const d = definitionOf(m);
      if (d === undefined) return false;
      try {
        const refs = invokedFunctions(d);
        return refs.some((ref) => ref === fnKey(f, "name") || functionBase(ref) === fnKey(f, "arn"));
      } catch {
        return false;
      }
    };
    const breakerMachines = new Set(taggedMachines);
    for (const m of stack.ofType(T.stateMachine)) {
      if (breakerMachines.has(m) || !stack.ofType(T.lambdaFunction).some((f) => breakerFunctions.has(f) && invokes(m, f))) continue;
      breakerMachines.add(m);
      report(
        `State machine ${m.name} calls the breaker's functions but has no ${cfg.breakerTagKey} tag, so the breaker rules (EXPRESS, logging, invoke scope) skip it.`,
        m.urn,
      );
    }
    for (const m of breakerMachines) for (const f of stack.ofType(T.lambdaFunction)) if (invokes(m, f)) breakerFunctions.add(f);

    const usedStores = new Map<PolicyResource, string>();
    for (const m of breakerMachines) {
      const d = definitionOf(m);
      let names: string[] = [];
      try {
        names = d ? definitionTables(d) : [];
      } catch {
        /* breaker-role-invoke-scope reports a definition that is not JSON */
      }
      for (const t of stack.ofType(T.table)) {
        const viaDeps = (m.propertyDependencies?.definition ?? []).includes(t);
        if (viaDeps || names.some((n) => n === fnKey(t, "name") || n === fnKey(t, "arn"))) usedStores.set(t, `state machine ${m.name}`);
      }
    }
    for (const f of breakerFunctions) {
      const env = knownEnv(f);
      const deps = f.propertyDependencies?.environment ?? [];
      for (const store of [...stack.ofType(T.table), ...CACHE_TYPES.flatMap((t) => stack.ofType(t))]) {
        const keys = ["name", "arn", "primaryEndpointAddress", "replicationGroupId", "clusterId"]
          .map((k) => fnKey(store, k))
          .filter((v): v is string => typeof v === "string" && v !== "");
        const endpoints = (new UnknownValues().attempt(() =>
          Array.isArray(store.props.endpoints) ? store.props.endpoints.map((e: { address?: string }) => String(e.address)) : [],
        ) ?? []) as string[];
        if (deps.includes(store) || env.some((v) => [...keys, ...endpoints].some((k) => v === k || v.includes(k))))
          usedStores.set(store, `function ${f.name}`);
      }
    }
    for (const [store, user] of usedStores) {
      if (unknowns.attempt(() => isStateStore(store.props, cfg)) !== false) continue;
      report(
        `${store.type.split(":").pop()} ${store.name} holds breaker state (used by ${user}) but is not tagged ${cfg.stateStoreTagKey}=${cfg.stateStoreTagValue}, so the state-store rules (TTL, PITR, encryption, TLS, AUTH) skip it.`,
        store.urn,
      );
    }
    unknowns.finish();
  },
};

export const stackPolicies = [breakerCircuitOpenedAlarm, breakerRoleInvokeScope, breakerResourcesTagged];
