// CircuitBreaker: one per protected target. An EXPRESS state machine (definition from the pure builder in
// state-machine-definition.ts) in front of the target, the breaker's Lambdas (each with its own role and log
// group), an optional EventBridge Scheduler health probe, and the breaker's alarms.
// Callers use StartSyncExecution on `stateMachineArn` with {"request": {...}}.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DEMO_ENV, HANDLER_ENV } from "../core/handler-env";
import { BreakerSettings } from "../core/settings";
import { AlarmThresholds } from "../core/schema/alarms";
import { AlarmTopic } from "./alarm-topic";
import { AlarmKey, createBreakerAlarms } from "./breaker-alarms";
import { BreakerFunction, createBreakerFunction } from "./breaker-function";
import { DemoDownstreamOptions, FallbackMode, LogLevel } from "../core/schema/stack-config";
import { resolveBreakerOptions, ResolvedBreakerOptions } from "./breaker-args";
import { CircuitStateStore } from "./state-store";
import { deployedHandlers, HANDLER_NEEDS, HandlerName, INVOKE_TARGET_ACTIONS, SETTINGS_PARAMETER_ACTIONS } from "../core/handler-manifest";
import {
  boundedName,
  Permission,
  scopedRole,
  scopedStatement,
  sourceArnOf,
  Statement,
  statementsFromPermissions,
  wildcardStatement,
} from "./iam";
import { wildcardActionsFor } from "./iam-wildcard-actions";
import { AslDefinition, buildDefinition, DefinitionOptions, requiredPermissions } from "../core/state-machine-definition";
import { ROLES, roleTags, TAG_KEYS, Tags } from "./tags";

export { resolveBreakerOptions };
export type { ResolvedBreakerOptions };

export interface CircuitBreakerArgs {
  /** The breaker's name: DynamoDB key, metric dimension, log paths. Default: the component name. */
  breakerName?: string;
  /** The stack's state store (shared by every breaker). */
  store: CircuitStateStore;
  /** Breaker settings (core/schema/settings.ts), validated with the stack config's schema. */
  settings?: Partial<BreakerSettings>;
  /** The protected Lambda. Exactly one of targetArn and demoDownstream. */
  targetArn?: pulumi.Input<string>;
  /** Deploy the demo downstream as the target (dev stacks and demos). */
  demoDownstream?: boolean | DemoDownstreamOptions;
  /** What callers get when the call is not made or fails: builtin (default), none (a Fail state), user. */
  fallback?: FallbackMode;
  /** With fallback "user": the Lambda that produces the fallback response. */
  userFallbackArn?: pulumi.Input<string>;
  /** Finds recovery when no traffic arrives (default off). */
  healthProbe?: { enabled?: boolean; schedule?: string; request?: Record<string, unknown> };
  logging?: { level?: LogLevel; includeExecutionData?: boolean; retentionDays?: number };
  /** X-Ray on the state machine and the Lambdas (default off). */
  tracing?: boolean;
  /**
   * An SSM parameter whose JSON object of setting overrides the Lambdas apply without a redeploy (default off).
   * Created as "{}" (no overrides); the program never resets a value operators have changed.
   */
  settingsParameter?: { enabled?: boolean; refreshSeconds?: number };
  /** Alarm notifications: an existing topic, or a new one (optionally with an email subscription). */
  alarms?: { topicArn?: pulumi.Input<string>; email?: string; thresholds?: Partial<AlarmThresholds> };
  tags?: Tags;
}

/**
 * The Lambda timeout of each handler: a store handler makes a few store calls (each bounded by
 * STORE_TIMEOUT_MS, compare-and-set retries included); the probe also waits for the target.
 */
export function lambdaTimeoutSeconds(
  handler: HandlerName,
  o: Pick<ResolvedBreakerOptions, "settings" | "demo">,
  storeTimeoutMs: number,
): number {
  const store = HANDLER_NEEDS[handler].store ? Math.ceil((4 * storeTimeoutMs) / 1000) : 0;
  switch (handler) {
    case "health-probe":
      return Math.min(900, o.settings.timeoutSeconds + store + 10);
    case "demo-downstream":
      return Math.min(900, Math.max(30, Math.ceil((o.demo?.latencyMs ?? 0) / 1000) + 5));
    default:
      return Math.min(900, 10 + store);
  }
}

const DESCRIPTIONS: Readonly<Record<HandlerName, string>> = {
  "record-outcome": "records a call's outcome (counting, transitions)",
  "acquire-probe": "grants HALF_OPEN probe leases",
  "get-status": "reads breaker state for the state machine (Redis store)",
  "report-store-error": "applies onStoreError when the state store fails",
  fallback: "builds the fallback response",
  "health-probe": "probes the target when an open circuit is due",
  "demo-downstream": "demo target with configurable failures and latency",
  "acquire-slot": "takes a bulkhead slot for one target call",
  "release-slot": "frees a bulkhead slot after the call",
};

export class CircuitBreaker extends pulumi.ComponentResource {
  public readonly breakerName: string;
  public readonly settings: BreakerSettings;
  /** The Lambdas this breaker deployed, by handler (each with its own role, policy and log group). */
  public readonly functions: Partial<Record<HandlerName, BreakerFunction>> = {};
  public readonly targetArn: pulumi.Output<string>;
  /** The definition as deployed (the pure builder's output). */
  public readonly definition: pulumi.Output<AslDefinition>;
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly stateMachineRole: aws.iam.Role;
  public readonly stateMachinePolicy: aws.iam.RolePolicy;
  public readonly stateMachineLogGroup: aws.cloudwatch.LogGroup;
  public readonly healthProbeSchedule?: aws.scheduler.Schedule;
  public readonly healthProbeScheduleRole?: aws.iam.Role;
  public readonly healthProbeSchedulePolicy?: aws.iam.RolePolicy;
  /** The settings-overrides parameter, when enabled. */
  public readonly settingsParameter?: aws.ssm.Parameter;
  public readonly alarmTopic?: AlarmTopic;
  public readonly alarms: Partial<Record<AlarmKey, aws.cloudwatch.MetricAlarm>>;

  constructor(name: string, args: CircuitBreakerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:CircuitBreaker", name, {}, opts);
    const o = resolveBreakerOptions(name, args);
    this.breakerName = o.breakerName;
    this.settings = o.settings;
    const store = args.store;
    const tags: Tags = { ...(args.tags ?? {}), [TAG_KEYS.breaker]: o.breakerName };
    const accountId = aws.getCallerIdentityOutput({}, { parent: this }).accountId;
    const logPrefix = `/${pulumi.getProject()}/${pulumi.getStack()}/${o.breakerName}`;
    const breakerEnv = { [HANDLER_ENV.breakerName]: o.breakerName, [HANDLER_ENV.settings]: JSON.stringify(o.settings) };
    const handlers = deployedHandlers({
      store: store.service,
      healthProbe: o.healthProbe.enabled,
      demoDownstream: o.demo !== null,
      bulkhead: o.settings.maxConcurrentCalls > 0,
    });

    if (o.settingsParameter.enabled) {
      this.settingsParameter = new aws.ssm.Parameter(
        `${name}-settings`,
        {
          name: `/${pulumi.getProject()}/${pulumi.getStack()}/${o.breakerName}/settings`,
          type: "String",
          tier: "Standard",
          value: "{}",
          description: `Circuit breaker ${o.breakerName}: setting overrides (JSON object) applied without a redeploy within ${o.settingsParameter.refreshSeconds} s`,
          tags,
        },
        // Operators change the value at run time; a later `pulumi up` must not reset it.
        { parent: this, ignoreChanges: ["value"] },
      );
    }
    const parameter = this.settingsParameter;

    const fn = (
      handler: HandlerName,
      env: pulumi.Input<Record<string, pulumi.Input<string>>>,
      statements: pulumi.Input<Statement[]>,
      usesStore: boolean,
    ) => {
      const access = usesStore ? store.lambdaAccess : undefined;
      if (parameter && HANDLER_NEEDS[handler].settingsParameter) {
        env = pulumi.all([env, parameter.name]).apply(([e, p]) => ({
          ...e,
          [HANDLER_ENV.settingsParameter]: p,
          [HANDLER_ENV.settingsRefreshSeconds]: String(o.settingsParameter.refreshSeconds),
        }));
        statements = pulumi
          .all([statements, parameter.arn])
          .apply(([st, arn]) => [...st, scopedStatement("SettingsParameter", [...SETTINGS_PARAMETER_ACTIONS], [arn])]);
      }
      this.functions[handler] = createBreakerFunction(this, `${name}-${handler}`, {
        handler,
        description: `Circuit breaker ${o.breakerName}: ${DESCRIPTIONS[handler]}`,
        accountId,
        environment: access ? pulumi.all([env, access.environment]).apply(([a, b]) => ({ ...a, ...b })) : env,
        statements: access
          ? pulumi.all([statements, access.statements]).apply(([a, b]) => [...b, ...a, ...access.networkStatements])
          : statements,
        vpcConfig: access?.vpcConfig,
        timeoutSeconds: lambdaTimeoutSeconds(handler, o, store.storeTimeoutMs),
        memorySize: 256,
        logGroupName: `${logPrefix}/${handler}`,
        retentionDays: o.logging.retentionDays,
        tracing: o.tracing,
        tags,
      });
      return this.functions[handler]!.function;
    };

    // The target: the demo downstream or the given Lambda.
    if (o.demo) {
      const demoFn = fn(
        "demo-downstream",
        {
          [DEMO_ENV.failureRate]: String(o.demo.failureRate),
          [DEMO_ENV.latencyMs]: String(o.demo.latencyMs),
          [DEMO_ENV.errorName]: o.demo.errorName,
        },
        [],
        false,
      );
      this.targetArn = demoFn.arn;
    } else {
      this.targetArn = pulumi.output(args.targetArn as pulumi.Input<string>);
    }
    const targetArn = this.targetArn;

    for (const handler of handlers) {
      if (handler === "demo-downstream") continue;
      const needs = HANDLER_NEEDS[handler];
      const env =
        handler === "health-probe"
          ? targetArn.apply((t) => ({
              ...breakerEnv,
              [HANDLER_ENV.targetArn]: t,
              [HANDLER_ENV.probeRequest]: JSON.stringify(o.healthProbe.request),
            }))
          : breakerEnv;
      const statements = needs.invokeTarget
        ? targetArn.apply((t) => [scopedStatement("InvokeTarget", [...INVOKE_TARGET_ACTIONS], [t])])
        : [];
      fn(handler, env, statements, needs.store);
    }

    // The state machine: definition and role permissions come from the same built definition.
    const arnOf = (h: HandlerName) => this.functions[h]?.function.arn ?? pulumi.output("");
    const userFallbackArn = pulumi.output(args.userFallbackArn ?? "");
    this.definition = pulumi
      .all([
        arnOf("record-outcome"),
        arnOf("acquire-probe"),
        arnOf("fallback"),
        arnOf("report-store-error"),
        arnOf("get-status"),
        arnOf("acquire-slot"),
        arnOf("release-slot"),
        targetArn,
        userFallbackArn,
        store.tableName ?? pulumi.output(""),
      ])
      .apply(
        ([
          recordOutcome,
          acquireProbe,
          fallback,
          reportStoreError,
          getStatus,
          acquireSlot,
          releaseSlot,
          target,
          userFallback,
          tableName,
        ]) => {
          const options: DefinitionOptions = {
            breakerName: o.breakerName,
            store: store.service === "dynamodb" ? { kind: "dynamodb", tableName } : { kind: "redis" },
            functions: {
              recordOutcome,
              acquireProbe,
              fallback,
              reportStoreError,
              ...(getStatus ? { getStatus } : {}),
              ...(acquireSlot ? { acquireSlot } : {}),
              ...(releaseSlot ? { releaseSlot } : {}),
            },
            targetArn: target,
            ...(userFallback ? { userFallbackArn: userFallback } : {}),
            fallback: o.fallback,
            settings: o.settings,
          };
          return buildDefinition(options);
        },
      );

    this.stateMachineLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-state-machine-logs`,
      {
        name: `/aws/vendedlogs/states/${pulumi.getProject()}-${pulumi.getStack()}-${o.breakerName}`,
        retentionInDays: o.logging.retentionDays,
        tags: roleTags(tags, ROLES.stateMachine),
      },
      { parent: this },
    );
    const sfnStatements = pulumi
      .all([this.definition, store.tableArn ?? pulumi.output("")])
      .apply(([def, tableArn]) => [
        ...statementsFromPermissions(requiredPermissions(def, tableArn ? { tableArn } : {}) as Permission[], "Task"),
        ...(o.logging.level !== "OFF" ? [wildcardStatement("LogDelivery", wildcardActionsFor("state-machine-logging"))] : []),
        ...(o.tracing ? [wildcardStatement("XRayTracing", wildcardActionsFor("tracing"))] : []),
      ]);
    // Named up front so that the role's trust can name this one machine (aws:SourceArn) before it exists.
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const stateMachineName = boundedName(`${pulumi.getProject()}-${pulumi.getStack()}`, o.breakerName, 80);
    const sfnRole = scopedRole(this, `${name}-state-machine`, {
      service: "states.amazonaws.com",
      accountId,
      sourceArn: sourceArnOf("stateMachine", region, accountId, stateMachineName),
      statements: sfnStatements,
      description: `Circuit breaker ${o.breakerName}: state machine`,
      tags: roleTags(tags, ROLES.stateMachine),
    });
    this.stateMachineRole = sfnRole.role;
    this.stateMachinePolicy = sfnRole.policy;
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-state-machine`,
      {
        name: stateMachineName,
        type: "EXPRESS",
        roleArn: sfnRole.role.arn,
        definition: this.definition.apply((d) => JSON.stringify(d)),
        loggingConfiguration: {
          level: o.logging.level,
          includeExecutionData: o.logging.includeExecutionData,
          logDestination: pulumi.interpolate`${this.stateMachineLogGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: o.tracing },
        tags: roleTags(tags, ROLES.stateMachine),
      },
      // Step Functions checks the role's log-delivery permissions when the state machine is created.
      { parent: this, dependsOn: [sfnRole.policy] },
    );
    this.stateMachineArn = this.stateMachine.arn;

    // Health probe: EventBridge Scheduler, with its own role that may invoke only the health-probe function.
    const probe = this.functions["health-probe"]?.function;
    if (probe) {
      const scheduleName = boundedName(`${pulumi.getProject()}-${pulumi.getStack()}`, `${o.breakerName}-health-probe`, 64);
      const scheduleRole = scopedRole(this, `${name}-health-probe-schedule`, {
        service: "scheduler.amazonaws.com",
        accountId,
        sourceArn: sourceArnOf("schedule", region, accountId, scheduleName),
        statements: probe.arn.apply((arn) => [scopedStatement("InvokeHealthProbe", ["lambda:InvokeFunction"], [arn])]),
        description: `Circuit breaker ${o.breakerName}: health probe schedule`,
        tags,
      });
      this.healthProbeScheduleRole = scheduleRole.role;
      this.healthProbeSchedulePolicy = scheduleRole.policy;
      this.healthProbeSchedule = new aws.scheduler.Schedule(
        `${name}-health-probe-schedule`,
        {
          name: scheduleName,
          description: `Circuit breaker ${o.breakerName}: health probe`,
          scheduleExpression: o.healthProbe.schedule,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: probe.arn,
            roleArn: scheduleRole.role.arn,
            input: JSON.stringify({ breaker: o.breakerName }),
            retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
          },
        },
        { parent: this, dependsOn: [scheduleRole.policy] },
      );
    }

    // Alarms, to the given topic or to one of our own.
    let topicArn: pulumi.Input<string>;
    if (args.alarms?.topicArn !== undefined) {
      topicArn = args.alarms.topicArn;
    } else {
      this.alarmTopic = new AlarmTopic(`${name}-alarms`, { email: args.alarms?.email, tags }, { parent: this });
      topicArn = this.alarmTopic.topicArn;
    }
    this.alarms = createBreakerAlarms(this, name, {
      breakerName: o.breakerName,
      stateMachineArn: this.stateMachineArn,
      topicArn,
      thresholds: o.thresholds,
      healthProbeMinutes: o.healthProbe.intervalMinutes,
      bulkhead: o.settings.maxConcurrentCalls > 0,
      alarmNamePrefix: `${pulumi.getProject()}-${pulumi.getStack()}-${o.breakerName}`,
      tags,
    });

    this.registerOutputs({
      breakerName: this.breakerName,
      stateMachineArn: this.stateMachineArn,
      targetArn: this.targetArn,
      functionArns: Object.fromEntries(Object.entries(this.functions).map(([h, f]) => [h, f!.function.arn])),
    });
  }
}
