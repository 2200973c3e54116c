// The stack configurations the infrastructure tests run under Pulumi mocks (each in a child process, once
// per mocha process), and small helpers to query what they registered.

import { MockRunOptions, MockRunResult, RecordedResource, runProgramUnderMocks } from "../support/run-under-mocks";

export const AUTH_TOKEN = "s3cr3t-T0ken-for-tests-0123456789";
export const KMS_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
export const USER_TARGET_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";
export const USER_FALLBACK_ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders-fallback:live";
export const NETWORK_OUTPUTS = {
  vpcId: "vpc-0aaaaaaaaaaaaaaa1",
  privateSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
};

export type ScenarioName = "dev" | "prod" | "replicationGroup" | "dynamodbFull";

export const SCENARIOS: Readonly<Record<ScenarioName, MockRunOptions>> = {
  /** Pulumi.dev.yaml as committed. */
  dev: { stack: "dev" },
  /** Pulumi.prod.yaml plus the AUTH token as a secret (as `pulumi config set --secret` would add it). */
  prod: { stack: "prod", config: { redisAuthToken: AUTH_TOKEN }, secretKeys: ["redisAuthToken"] },
  /** Redis OSS replication group, network from a stack reference, user fallback, tracing, no health probe. */
  replicationGroup: {
    stack: "staging",
    useStackFile: false,
    config: {
      "aws:region": "us-east-1",
      stateStore: "elasticache",
      elasticache: {
        engine: "redis",
        mode: "replication-group",
        networkStack: "acme/network/staging",
        nodeType: "cache.t4g.small",
        numCacheClusters: 2,
      },
      redisAuthToken: AUTH_TOKEN,
      breakers: [
        {
          name: "orders",
          targetArn: USER_TARGET_ARN,
          fallback: "user",
          userFallbackArn: USER_FALLBACK_ARN,
          tracing: true,
          logging: { level: "ALL" },
          healthProbe: { enabled: false },
        },
      ],
    },
    secretKeys: ["redisAuthToken"],
    stackReferences: { "acme/network/staging": NETWORK_OUTPUTS },
  },
  /** DynamoDB with a customer key and deletion protection, two breakers: a real target and a demo without fallback. */
  dynamodbFull: {
    stack: "qa",
    useStackFile: false,
    config: {
      "aws:region": "us-east-1",
      stateStore: "dynamodb",
      dynamodb: { deletionProtection: true, kmsKeyArn: KMS_KEY_ARN },
      alarmEmail: "oncall@example.com",
      logRetentionDays: 90,
      tags: { team: "payments", project: "user-cannot-override" },
      breakers: [
        {
          name: "orders",
          targetArn: USER_TARGET_ARN,
          tracing: true,
          healthProbe: { enabled: true, schedule: "rate(5 minutes)" },
          settings: { tripRule: "rate", minimumCalls: 10 },
          settingsParameter: { enabled: true, refreshSeconds: 30 },
        },
        {
          name: "inventory",
          demoDownstream: { failureRate: 0.2, latencyMs: 100 },
          fallback: "none",
          logging: { level: "OFF", retentionDays: 7 },
          healthProbe: { enabled: false },
        },
      ],
    },
  },
};

const runs = new Map<ScenarioName, Promise<MockRunResult>>();

/** Runs a scenario once per mocha process (memoized); fails when the program reported an error. */
export function runScenario(name: ScenarioName): Promise<MockRunResult> {
  let run = runs.get(name);
  if (!run) {
    run = runProgramUnderMocks(SCENARIOS[name]).then((r) => {
      if (r.error) throw new Error(`scenario ${name} failed under mocks: ${r.errors.join("\n")}`);
      return r;
    });
    runs.set(name, run);
  }
  return run;
}

export const ALL_SCENARIOS = Object.keys(SCENARIOS) as ScenarioName[];

/** Registers a mocha `before` hook that runs every scenario; returns their results by name (filled in by the hook). */
export function useScenarios(): Record<ScenarioName, MockRunResult> {
  const runs = {} as Record<ScenarioName, MockRunResult>;
  before(async function () {
    this.timeout(300_000);
    for (const s of ALL_SCENARIOS) runs[s] = await runScenario(s);
  });
  return runs;
}

export function ofType(r: MockRunResult, type: string): RecordedResource[] {
  return r.resources.filter((x) => x.type === type);
}

export function byName(r: MockRunResult, type: string, name: string): RecordedResource {
  const found = r.resources.find((x) => x.type === type && x.name === name);
  if (!found)
    throw new Error(
      `no ${type} named ${name}; have: ${ofType(r, type)
        .map((x) => x.name)
        .join(", ")}`,
    );
  return found;
}

export function byUrn(r: MockRunResult, urn: string | undefined): RecordedResource | undefined {
  return r.resources.find((x) => x.urn === urn);
}

export function countByType(r: MockRunResult): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of r.resources) out[x.type] = (out[x.type] ?? 0) + 1;
  return out;
}

export const T = {
  stack: "pulumi:pulumi:Stack",
  store: "circuitbreaker:index:CircuitStateStore",
  breaker: "circuitbreaker:index:CircuitBreaker",
  handlerPlane: "circuitbreaker:index:HandlerPlane",
  healthProbeSchedules: "circuitbreaker:index:HealthProbeSchedules",
  demoDownstream: "circuitbreaker:index:DemoDownstream",
  alarmTopic: "circuitbreaker:index:AlarmTopic",
  dashboard: "circuitbreaker:index:BreakerDashboard",
  table: "aws:dynamodb/table:Table",
  fn: "aws:lambda/function:Function",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  schedule: "aws:scheduler/schedule:Schedule",
  scheduleGroup: "aws:scheduler/scheduleGroup:ScheduleGroup",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  cwDashboard: "aws:cloudwatch/dashboard:Dashboard",
  topic: "aws:sns/topic:Topic",
  subscription: "aws:sns/topicSubscription:TopicSubscription",
  secret: "aws:secretsmanager/secret:Secret",
  secretVersion: "aws:secretsmanager/secretVersion:SecretVersion",
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  ingress: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
  vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  serverlessCache: "aws:elasticache/serverlessCache:ServerlessCache",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  subnetGroup: "aws:elasticache/subnetGroup:SubnetGroup",
  cacheUser: "aws:elasticache/user:User",
  cacheUserGroup: "aws:elasticache/userGroup:UserGroup",
  stackReference: "pulumi:pulumi:StackReference",
  ssmParameter: "aws:ssm/parameter:Parameter",
} as const;
