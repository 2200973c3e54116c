// The circuit-breaker stack: one state store, one handler plane (the handler Lambdas, shared by every breaker),
// one health-probe schedule group and role, one CircuitBreaker per configured breaker, the demo downstream targets
// the config asks for, one alarm topic and one dashboard. The configuration is validated completely before any
// resource is created (components/config.ts); a problem stops the program with every problem listed.

import * as pulumi from "@pulumi/pulumi";
import { AlarmTopic } from "./components/alarm-topic";
import { CircuitBreaker } from "./components/circuit-breaker";
import { lookUpStackIdentity } from "./components/stack-identity";
import { DemoDownstream } from "./components/demo-downstream";
import { HandlerPlane } from "./components/handler-plane";
import { HealthProbeSchedules } from "./components/health-probe-schedules";
import { DynamoDbStateStore } from "./components/dynamodb-state-store";
import { ElastiCacheStateStore, InterfaceEndpointService } from "./components/elasticache-state-store";
import { loadStackConfig } from "./components/config";
import { BreakerDashboard } from "./components/dashboard";
import { TAG_KEYS } from "./components/tags";

// `isConfigSecret` is exported by the runtime but not declared in its types; without it the secret check is skipped.
const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
const project = pulumi.getProject();
const stack = pulumi.getStack();
const config = loadStackConfig(pulumi.runtime.allConfig(), { isSecret: runtime.isConfigSecret, project, stack });
/** Default tags, on every taggable resource (user tags cannot override them). */
const tags = { ...config.tags, [TAG_KEYS.project]: project, [TAG_KEYS.stack]: stack };

function createStore(): DynamoDbStateStore | ElastiCacheStateStore {
  if (config.stateStore === "dynamodb") {
    return new DynamoDbStateStore("state-store", { ...config.dynamodb, storeTimeoutMs: config.storeTimeoutMs, tags });
  }
  const ec = config.elasticache!;
  let vpcId: pulumi.Input<string>;
  let subnetIds: pulumi.Input<string[]>;
  if (ec.networkStack) {
    const network = new pulumi.StackReference("network", { name: ec.networkStack });
    vpcId = network.requireOutput("vpcId") as pulumi.Output<string>;
    subnetIds = network.requireOutput("privateSubnetIds") as pulumi.Output<string[]>;
  } else {
    vpcId = ec.vpcId!;
    subnetIds = ec.subnetIds!;
  }
  // The VPC-attached Lambdas reach AWS APIs through interface endpoints: Secrets Manager (AUTH token) and SSM
  // (settings parameters). None invokes a target: only the state machines do.
  const interfaceEndpoints: InterfaceEndpointService[] = [
    "secretsmanager",
    ...(config.breakers.some((b) => b.settingsParameter.enabled) ? (["ssm"] as const) : []),
  ];
  return new ElastiCacheStateStore("state-store", {
    engine: ec.engine,
    mode: ec.mode,
    vpcId,
    subnetIds,
    authToken: pulumi.secret(config.redisAuthToken!),
    nodeType: ec.nodeType,
    numCacheClusters: ec.numCacheClusters,
    kmsKeyArn: ec.kmsKeyArn,
    deletionProtection: ec.deletionProtection,
    interfaceEndpoints,
    existingEndpointsSecurityGroupId: ec.existingEndpointsSecurityGroupId,
    storeTimeoutMs: config.storeTimeoutMs,
    tags,
  });
}

const store = createStore();
const alarmTopic = new AlarmTopic("alarms", { email: config.alarmEmail, tags });

// Looked up once: every breaker's role trust, ARNs and the handlers' grants are built from these.
const identity = lookUpStackIdentity();
const handlers = new HandlerPlane("handlers", {
  store,
  identity,
  healthProbe: config.breakers.some((b) => b.healthProbe.enabled),
  bulkhead: config.breakers.some((b) => b.settings.maxConcurrentCalls > 0),
  settingsParameters: config.breakers.some((b) => b.settingsParameter.enabled),
  retentionDays: Math.max(...config.breakers.map((b) => b.logging.retentionDays)),
  tracing: config.breakers.some((b) => b.tracing),
  tags,
});

// One schedule group and role for every breaker's health probe (IAM roles are an account quota; see docs/architecture.md).
const probed = config.breakers.filter((b) => b.healthProbe.enabled).map((b) => b.name);
const healthProbeSchedules =
  probed.length > 0 ? new HealthProbeSchedules("health-probe-schedules", { breakerNames: probed, identity, tags }) : undefined;

// The demo targets: one per distinct demo configuration (breakers with the same one share it).
const demos = new Map<string, DemoDownstream>();
function demoTarget(demo: NonNullable<(typeof config.breakers)[number]["demoDownstream"]>): pulumi.Output<string> {
  const key = JSON.stringify(demo);
  let d = demos.get(key);
  if (!d) {
    d = new DemoDownstream(demos.size === 0 ? "demo-downstream" : `demo-downstream-${demos.size + 1}`, {
      config: demo,
      retentionDays: Math.max(...config.breakers.map((b) => b.logging.retentionDays)),
      tags,
    });
    demos.set(key, d);
  }
  return d.arn;
}

const circuitBreakers = config.breakers.map(
  (b) =>
    new CircuitBreaker(b.name, {
      breakerName: b.name,
      store,
      settings: b.settings,
      handlers,
      healthProbeSchedules,
      identity,
      targetArn: b.demoDownstream ? demoTarget(b.demoDownstream) : b.targetArn!,
      fallback: b.fallback,
      userFallbackArn: b.userFallbackArn,
      healthProbe: { enabled: b.healthProbe.enabled, schedule: b.healthProbe.schedule, request: b.healthProbe.request },
      logging: b.logging,
      tracing: b.tracing,
      settingsParameter: b.settingsParameter,
      alarms: { topicArn: alarmTopic.topicArn, thresholds: config.alarms },
      tags,
    }),
);

/** The region the stack deploys to (the operator CLI talks to the store there). */
export const region = identity.region;
const dashboard = new BreakerDashboard("dashboard", {
  dashboardName: `${project}-${stack}`.replace(/[^A-Za-z0-9_-]/g, "-"),
  breakers: circuitBreakers.map((b) => ({ name: b.breakerName, stateMachineArn: b.stateMachineArn })),
  region,
});

/**
 * Breaker name -> its state machine and deployed settings: what `npm run breaker -- <cmd> <breaker> --stack <stack>`
 * reads to check the name and to judge counts with the breaker's own trip rule.
 */
export const breakers = pulumi.output(
  Object.fromEntries(circuitBreakers.map((b) => [b.breakerName, { stateMachineArn: b.stateMachineArn, settings: b.settings }])),
);
/** Breaker name -> state machine ARN (call it with StartSyncExecution). */
export const stateMachineArns = pulumi.output(Object.fromEntries(circuitBreakers.map((b) => [b.breakerName, b.stateMachineArn])));
/** Breaker name -> the protected target's ARN. */
export const targetArns = pulumi.output(Object.fromEntries(circuitBreakers.map((b) => [b.breakerName, b.targetArn])));
export const stateStore = store.service;
export const tableName = store instanceof DynamoDbStateStore ? store.tableName : undefined;
export const redisEndpoint = store instanceof ElastiCacheStateStore ? store.cacheEndpoint : undefined;
export const redisPort = store instanceof ElastiCacheStateStore ? store.cachePort : undefined;
/** The Secrets Manager secret holding the AUTH credentials (read by the Lambdas at cold start, and by the operator CLI). */
export const redisAuthSecretArn = store instanceof ElastiCacheStateStore ? store.authSecret.arn : undefined;
export const alarmTopicArn = alarmTopic.topicArn;
export const dashboardUrl = dashboard.url;
