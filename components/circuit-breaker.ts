// CircuitBreaker: one per protected target. An EXPRESS state machine (definition from the pure builder in
// core/state-machine-definition.ts) in front of the target, its role and log group, an optional EventBridge
// Scheduler health probe that starts this same state machine with a probe input, an optional settings parameter,
// and the breaker's alarms. The handler Lambdas are the stack's HandlerPlane and the schedules' group and role
// its HealthProbeSchedules, both shared by every breaker.
// Callers use StartSyncExecution on `stateMachineArn` with {"request": {...}}.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BreakerSettings } from "../core/settings";
import { AlarmThresholds } from "../core/schema/alarms";
import { AlarmTopic } from "./alarm-topic";
import { AlarmKey, createBreakerAlarms } from "./breaker-alarms";
import { FallbackMode, LogLevel } from "../core/schema/stack-config";
import { resolveBreakerOptions, ResolvedBreakerOptions } from "./breaker-args";
import { CircuitStateStore } from "./state-store";
import { breakerProbeLoopSeconds } from "../core/breaker-limit-checks";
import { HandlerPlane } from "./handler-plane";
import { Permission, scopedRole, sourceArnOf, statementsFromPermissions, wildcardStatement } from "./iam";
import { wildcardActionsFor } from "./iam-wildcard-actions";
import { AslDefinition, buildDefinition, DefinitionOptions, requiredPermissions } from "../core/state-machine-definition";
import { HealthProbeInput } from "../core/definition/health-probe-branch";
import { ROLES, roleTags, TAG_KEYS, Tags } from "./tags";
import {
  healthProbeScheduleName,
  lookUpStackIdentity,
  scheduleGroupName,
  settingsParameterName,
  StackIdentity,
  stateMachineName,
} from "./stack-identity";
import { HealthProbeSchedules } from "./health-probe-schedules";

export interface CircuitBreakerArgs {
  /** The breaker's name: DynamoDB key, metric dimension, log paths. Default: the component name. */
  breakerName?: string;
  /** The stack's state store (shared by every breaker). */
  store: CircuitStateStore;
  /** The stack's handler Lambdas (shared by every breaker). */
  handlers: HandlerPlane;
  /**
   * The stack's health-probe schedule group and role (shared by every breaker; this breaker must be in its list).
   * Default, when the health probe is on: a group and role of this breaker's own.
   */
  healthProbeSchedules?: HealthProbeSchedules;
  /** The stack's region and account, looked up once for every breaker (default: this component looks them up). */
  identity?: StackIdentity;
  /** Breaker settings (core/settings.ts); validated with loadSettings. */
  settings?: Partial<BreakerSettings>;
  /** The protected Lambda (a demo downstream is a target like any other: components/demo-downstream.ts). */
  targetArn: pulumi.Input<string>;
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

export { resolveBreakerOptions };
export type { ResolvedBreakerOptions };

export class CircuitBreaker extends pulumi.ComponentResource {
  public readonly breakerName: string;
  public readonly settings: BreakerSettings;
  public readonly targetArn: pulumi.Output<string>;
  /** The definition as deployed (the pure builder's output). */
  public readonly definition: pulumi.Output<AslDefinition>;
  public readonly stateMachine: aws.sfn.StateMachine;
  public readonly stateMachineArn: pulumi.Output<string>;
  public readonly stateMachineRole: aws.iam.Role;
  public readonly stateMachinePolicy: aws.iam.RolePolicy;
  public readonly stateMachineLogGroup: aws.cloudwatch.LogGroup;
  public readonly healthProbeSchedule?: aws.scheduler.Schedule;
  /** The schedules' group and role this breaker's schedule uses: the stack's, or its own when none was given. */
  public readonly healthProbeSchedules?: HealthProbeSchedules;
  /** What the schedule starts the state machine with. */
  public readonly healthProbeInput?: HealthProbeInput;
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
    const { region, accountId } = args.identity ?? lookUpStackIdentity({ parent: this });

    if (o.settingsParameter.enabled) {
      this.settingsParameter = new aws.ssm.Parameter(
        `${name}-settings`,
        {
          name: settingsParameterName(o.breakerName),
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
    this.targetArn = pulumi.output(args.targetArn);

    // The state machine: definition and role permissions come from the same built definition. The handler plane's
    // functions are shared; this breaker's name and settings travel in each payload.
    const userFallbackArn = pulumi.output(args.userFallbackArn ?? "");
    this.definition = pulumi
      .all([args.handlers.functionArns, this.targetArn, userFallbackArn, store.tableName ?? pulumi.output("")])
      .apply(([functions, target, userFallback, tableName]) => {
        const options: DefinitionOptions = {
          breakerName: o.breakerName,
          store: store.service === "dynamodb" ? { kind: "dynamodb", tableName } : { kind: "redis" },
          functions: { ...functions },
          targetArn: target,
          ...(userFallback ? { userFallbackArn: userFallback } : {}),
          fallback: o.fallback,
          settings: o.settings,
          ...(o.settingsParameter.enabled
            ? { settingsParameter: { name: settingsParameterName(o.breakerName), refreshSeconds: o.settingsParameter.refreshSeconds } }
            : {}),
          healthProbe: o.healthProbe.enabled,
          // The tripping execution starts the probe loop with the schedule's input (core/definition/probe-loop-start.ts).
          ...(o.healthProbe.enabled ? { healthProbeRequest: { ...o.healthProbe.request } } : {}),
          // The early re-probe loop's budget, shrunk when a long target timeout would not fit EXPRESS's 300 s.
          ...(o.healthProbe.enabled
            ? {
                probeLoopSeconds: breakerProbeLoopSeconds(
                  { name: o.breakerName, settings: o.settings, fallback: o.fallback },
                  { service: store.service, timeoutMs: store.storeTimeoutMs },
                ),
              }
            : {}),
        };
        return buildDefinition(options);
      });

    this.stateMachineLogGroup = new aws.cloudwatch.LogGroup(
      `${name}-state-machine-logs`,
      {
        name: `/aws/vendedlogs/states/${pulumi.getProject()}-${pulumi.getStack()}-${o.breakerName}`,
        retentionInDays: o.logging.retentionDays,
        tags: roleTags(tags, ROLES.stateMachine),
      },
      { parent: this },
    );
    // Named up front so that the role's trust can name this one machine (aws:SourceArn) before it exists, and its
    // policy can let the tripping execution start the machine's own probe loop (no dependency cycle).
    const machineName = stateMachineName(o.breakerName);
    const ownArn = sourceArnOf("stateMachine", region, accountId, machineName);
    const sfnStatements = pulumi
      .all([this.definition, store.tableArn ?? pulumi.output(""), ownArn])
      .apply(([def, tableArn, stateMachineArn]) => [
        ...statementsFromPermissions(
          requiredPermissions(def, { ...(tableArn ? { tableArn } : {}), stateMachineArn }) as Permission[],
          "Task",
        ),
        ...(o.logging.level !== "OFF" ? [wildcardStatement("LogDelivery", wildcardActionsFor("state-machine-logging"))] : []),
        ...(o.tracing ? [wildcardStatement("XRayTracing", wildcardActionsFor("tracing"))] : []),
      ]);
    const sfnRole = scopedRole(this, `${name}-state-machine`, {
      service: "states.amazonaws.com",
      accountId,
      sourceArn: ownArn,
      statements: sfnStatements,
      description: `Circuit breaker ${o.breakerName}: state machine`,
      tags: roleTags(tags, ROLES.stateMachine),
    });
    this.stateMachineRole = sfnRole.role;
    this.stateMachinePolicy = sfnRole.policy;
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}-state-machine`,
      {
        name: machineName,
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

    // Health probe: EventBridge Scheduler starts this breaker's own state machine with a probe input, in the stack's
    // schedule group, as the role that may start only the listed breakers' machines and that only the group may assume.
    if (o.healthProbe.enabled) {
      this.healthProbeSchedules =
        args.healthProbeSchedules ??
        new HealthProbeSchedules(
          `${name}-health-probes`,
          {
            breakerNames: [o.breakerName],
            groupName: scheduleGroupName(`${o.breakerName}-health-probes`),
            identity: { region, accountId },
            tags,
          },
          { parent: this },
        );
      const slot = this.healthProbeSchedules.slotFor(o.breakerName);
      this.healthProbeInput = { healthProbe: { request: { ...o.healthProbe.request } } };
      this.healthProbeSchedule = new aws.scheduler.Schedule(
        `${name}-health-probe-schedule`,
        {
          name: healthProbeScheduleName(o.breakerName),
          groupName: slot.groupName,
          description: `Circuit breaker ${o.breakerName}: health probe`,
          scheduleExpression: o.healthProbe.schedule,
          flexibleTimeWindow: { mode: "OFF" },
          state: "ENABLED",
          target: {
            arn: this.stateMachine.arn,
            roleArn: slot.roleArn,
            input: JSON.stringify(this.healthProbeInput),
            retryPolicy: { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 },
          },
        },
        { parent: this, dependsOn: [slot.policy] },
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
    });
  }
}
