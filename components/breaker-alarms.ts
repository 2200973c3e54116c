// The alarms of one breaker, on exactly the metric names core/metric-names.ts exports
// (namespace METRIC_NAMESPACE, dimension BREAKER_DIMENSION = breaker name) plus the state machine's
// AWS/States metrics. Missing data is not breaching: a quiet breaker is a healthy one.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BREAKER_DIMENSION, METRIC_NAMESPACE, METRICS, MetricName } from "../core/metric-names";
import { AlarmThresholds } from "./alarm-settings";
import { ROLES, roleTags, Tags } from "./tags";

export const STATES_NAMESPACE = "AWS/States";
export const STATES_DIMENSION = "StateMachineArn";
export const STATES_METRICS = {
  executionsStarted: "ExecutionsStarted",
  executionsFailed: "ExecutionsFailed",
  executionsTimedOut: "ExecutionsTimedOut",
} as const;

export const ALARM_KEYS = [
  "circuitOpened",
  "failureRate",
  "rejectedCalls",
  "bulkheadRejected",
  "storeErrors",
  "manualStateActive",
  "executionsFailed",
  "executionsTimedOut",
] as const;
export type AlarmKey = (typeof ALARM_KEYS)[number];

/** Resource-name suffix and what the alarm means (its description points the on-call engineer at the cause). */
export const ALARM_INFO: Readonly<Record<AlarmKey, { suffix: string; description: string }>> = Object.freeze({
  circuitOpened: {
    suffix: "circuit-opened",
    description:
      "The circuit opened: the target failed often enough to trip the breaker. Callers get the fallback or CircuitOpen until a probe succeeds.",
  },
  failureRate: { suffix: "failure-rate", description: "Target failures (after retries) per execution are at or above the threshold." },
  rejectedCalls: {
    suffix: "rejected-calls",
    description: "Calls rejected without reaching the target (open circuit, probe slots taken, bulkhead full).",
  },
  bulkheadRejected: {
    suffix: "bulkhead-rejected",
    description:
      "Calls rejected because maxConcurrentCalls target calls were already in flight (BulkheadFull): the target is slow or traffic exceeds the bulkhead.",
  },
  storeErrors: {
    suffix: "store-errors",
    description: "The breaker's state store failed (unreachable, throttled, timed out); callers are served per onStoreError.",
  },
  manualStateActive: {
    suffix: "manual-state",
    description:
      "A manual override (FORCED_OPEN or DISABLED) has been active longer than allowed; release it with `npm run breaker -- close|enable`.",
  },
  executionsFailed: {
    suffix: "executions-failed",
    description:
      "State machine executions failed: InvalidInput (a caller bug), CircuitOpen / BulkheadFull / TargetFailed (fallback none, or the fallback failed), a target error listed in ignoredErrors (e.g. ClientError) passed through to the caller, or an unexpected error. The error names are in the state machine's log group.",
  },
  executionsTimedOut: {
    suffix: "executions-timed-out",
    description:
      "State machine executions hit the EXPRESS 5-minute limit: the target call's worst case ((retryAttempts + 1) x timeoutSeconds plus retry waits) is too long.",
  },
});

export interface BreakerAlarmsArgs {
  breakerName: string;
  stateMachineArn: pulumi.Input<string>;
  topicArn: pulumi.Input<string>;
  thresholds: AlarmThresholds;
  /** The health probe's interval, or null when there is no health probe (then no ManualStateActive alarm: nothing reports it). */
  healthProbeMinutes: number | null;
  /** The bulkhead is on (maxConcurrentCalls > 0): alarm on its rejections too (threshold rejectedCalls). */
  bulkhead: boolean;
  /** Alarm names are `${alarmNamePrefix}-${suffix}`. */
  alarmNamePrefix: string;
  tags: Tags;
}

export function createBreakerAlarms(
  parent: pulumi.Resource,
  name: string,
  args: BreakerAlarmsArgs,
): Partial<Record<AlarmKey, aws.cloudwatch.MetricAlarm>> {
  const t = args.thresholds;
  const breakerDims = { [BREAKER_DIMENSION]: args.breakerName };
  const sfnDims = pulumi.output(args.stateMachineArn).apply((arn) => ({ [STATES_DIMENSION]: arn }));
  const tags = roleTags(args.tags, ROLES.alarm);
  const alarms: Partial<Record<AlarmKey, aws.cloudwatch.MetricAlarm>> = {};

  const alarm = (
    key: AlarmKey,
    spec: Omit<aws.cloudwatch.MetricAlarmArgs, "alarmActions" | "okActions" | "treatMissingData" | "tags" | "name" | "alarmDescription">,
  ) => {
    const info = ALARM_INFO[key];
    alarms[key] = new aws.cloudwatch.MetricAlarm(
      `${name}-${info.suffix}`,
      {
        name: `${args.alarmNamePrefix}-${info.suffix}`,
        alarmDescription: `[${args.breakerName}] ${info.description}`,
        actionsEnabled: true,
        alarmActions: [args.topicArn],
        okActions: [args.topicArn],
        treatMissingData: "notBreaching",
        tags,
        ...spec,
      },
      { parent },
    );
  };
  const breakerMetric = (metricName: MetricName, threshold: number, evaluationPeriods: number) => ({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensions: breakerDims,
    statistic: "Sum",
    period: t.periodSeconds,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold,
    evaluationPeriods,
    datapointsToAlarm: evaluationPeriods,
  });
  const statesMetric = (metricName: string, threshold: number) => ({
    namespace: STATES_NAMESPACE,
    metricName,
    dimensions: sfnDims,
    statistic: "Sum",
    period: t.periodSeconds,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  });

  alarm("circuitOpened", breakerMetric(METRICS.circuitOpened, 1, 1));
  alarm("failureRate", {
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    threshold: t.failureRate,
    evaluationPeriods: t.evaluationPeriods,
    datapointsToAlarm: t.evaluationPeriods,
    metricQueries: [
      {
        id: "failed",
        returnData: false,
        metric: {
          namespace: METRIC_NAMESPACE,
          metricName: METRICS.callsFailed,
          dimensions: breakerDims,
          period: t.periodSeconds,
          stat: "Sum",
        },
      },
      {
        id: "started",
        returnData: false,
        metric: {
          namespace: STATES_NAMESPACE,
          metricName: STATES_METRICS.executionsStarted,
          dimensions: sfnDims,
          period: t.periodSeconds,
          stat: "Sum",
        },
      },
      { id: "rate", returnData: true, expression: "failed / started", label: `${args.breakerName} failure rate` },
    ],
  });
  alarm("rejectedCalls", breakerMetric(METRICS.callsRejected, t.rejectedCalls, t.evaluationPeriods));
  if (args.bulkhead) alarm("bulkheadRejected", breakerMetric(METRICS.bulkheadRejected, t.rejectedCalls, t.evaluationPeriods));
  alarm("storeErrors", breakerMetric(METRICS.storeErrors, t.storeErrors, t.evaluationPeriods));
  if (args.healthProbeMinutes !== null) {
    // The health probe emits ManualStateActive = 1 on every run while FORCED_OPEN / DISABLED: the alarm fires
    // when every probe period across manualStateMaxMinutes saw it.
    const period = args.healthProbeMinutes * 60;
    const periods = Math.max(1, Math.ceil(t.manualStateMaxMinutes / args.healthProbeMinutes));
    alarm("manualStateActive", {
      namespace: METRIC_NAMESPACE,
      metricName: METRICS.manualStateActive,
      dimensions: breakerDims,
      statistic: "Maximum",
      period,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: 1,
      evaluationPeriods: periods,
      datapointsToAlarm: periods,
    });
  }
  alarm("executionsFailed", statesMetric(STATES_METRICS.executionsFailed, t.executionsFailed));
  alarm("executionsTimedOut", statesMetric(STATES_METRICS.executionsTimedOut, t.executionsTimedOut));
  return alarms;
}
