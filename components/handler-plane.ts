// HandlerPlane: the stack's one set of handler Lambdas (record-outcome, acquire-probe, report-store-error,
// fallback, and as needed get-status and the bulkhead slot handlers), serving every breaker. Each state machine
// names its breaker and passes its deployed settings in every payload (core/definition/breaker-context.ts), so no
// function is per breaker. Each function keeps its own role, inline policy and log group (least privilege per
// handler). Only the stack's state machines are granted lambda:InvokeFunction on these functions (each machine's
// role on exactly the ARNs its definition names); no resource policy widens that.
// Children: `${name}-<handler>` with its `-logs`, `-role`, `-policy`.

import * as pulumi from "@pulumi/pulumi";
import { HANDLER_NEEDS, HANDLERS, HandlerName, planeHandlers, SETTINGS_PARAMETER_ACTIONS } from "../core/handler-manifest";
import type { DefinitionOptions } from "../core/state-machine-definition";
import { BreakerFunction, createBreakerFunction } from "./breaker-function";
import { CircuitStateStore } from "./state-store";
import { scopedStatement, Statement } from "./iam";
import { Tags } from "./tags";
import { lookUpStackIdentity, settingsParametersArnPattern, StackIdentity } from "./stack-identity";

export interface HandlerPlaneArgs {
  store: CircuitStateStore;
  /** Some breaker has a health probe (deploys get-status, which the probe branch reads through). */
  healthProbe: boolean;
  /** Some breaker has a bulkhead (deploys acquire-slot and release-slot). */
  bulkhead: boolean;
  /** Some breaker has a settings parameter: the handlers that apply runtime settings may read this stack's (settingsParametersArnPattern). */
  settingsParameters?: boolean;
  /** The stack's region and account (default: this component looks them up). */
  identity?: StackIdentity;
  /** Log retention of the handlers' log groups (default 30 days). */
  retentionDays?: number;
  /** X-Ray on the functions (default off). */
  tracing?: boolean;
  tags?: Tags;
}

/** The function ARNs a breaker's definition names. */
export type PlaneFunctionArns = DefinitionOptions["functions"];

/** The Lambda timeout of a plane handler: a few store calls (each bounded by the store timeout, compare-and-set retries included). */
export function lambdaTimeoutSeconds(handler: HandlerName, storeTimeoutMs: number): number {
  const store = HANDLER_NEEDS[handler].store ? Math.ceil((4 * storeTimeoutMs) / 1000) : 0;
  return Math.min(900, 10 + store);
}

export class HandlerPlane extends pulumi.ComponentResource {
  /** The handlers deployed, by name (each with its own role, policy and log group). */
  public readonly functions: Partial<Record<HandlerName, BreakerFunction>> = {};
  /** What each breaker's definition names. */
  public readonly functionArns: pulumi.Output<PlaneFunctionArns>;

  constructor(name: string, args: HandlerPlaneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:HandlerPlane", name, {}, opts);
    const store = args.store;
    const tags: Tags = { ...(args.tags ?? {}) };
    const identity = args.identity ?? lookUpStackIdentity({ parent: this });
    const logPrefix = `/${pulumi.getProject()}/${pulumi.getStack()}/handlers`;
    const parameters: pulumi.Output<Statement[]> = args.settingsParameters
      ? settingsParametersArnPattern(identity).apply((arn) => [
          scopedStatement("SettingsParameters", [...SETTINGS_PARAMETER_ACTIONS], [arn]),
        ])
      : pulumi.output([]);
    for (const handler of planeHandlers({ store: store.service, healthProbe: args.healthProbe, bulkhead: args.bulkhead })) {
      const needs = HANDLER_NEEDS[handler];
      const access = needs.store ? store.lambdaAccess : undefined;
      const own: pulumi.Output<Statement[]> = needs.settingsParameter ? parameters : pulumi.output([]);
      this.functions[handler] = createBreakerFunction(this, `${name}-${handler}`, {
        handler,
        description: `Circuit breaker handler plane: ${HANDLERS[handler].description}`,
        accountId: identity.accountId,
        environment: access ? access.environment : {},
        statements: access ? pulumi.all([own, access.statements]).apply(([a, b]) => [...b, ...a, ...access.networkStatements]) : own,
        vpcConfig: access?.vpcConfig,
        timeoutSeconds: lambdaTimeoutSeconds(handler, store.storeTimeoutMs),
        memorySize: 256,
        logGroupName: `${logPrefix}/${handler}`,
        retentionDays: args.retentionDays ?? 30,
        tracing: args.tracing ?? false,
        tags,
      });
    }
    // Each deployed handler under the key its manifest entry names (demo-downstream has none: it is a target).
    const arns = Object.entries(this.functions).flatMap(([h, f]) => {
      const key = HANDLERS[h as HandlerName].functionKey;
      return key ? [f!.function.arn.apply((arn) => [key, arn] as const)] : [];
    });
    this.functionArns = pulumi.all(arns).apply((pairs) => Object.fromEntries(pairs) as PlaneFunctionArns);
    this.registerOutputs({
      functionArns: Object.fromEntries(Object.entries(this.functions).map(([h, f]) => [h, f!.function.arn])),
    });
  }
}
