// A small, clean circuit-breaker stack written the way a team would write it by hand with @pulumi/aws (no
// project components): state table, handler Lambda, EXPRESS state machine, circuit-opened alarm. Each corpus
// program builds it with ONE realistic weakness (an override below); the clean controls build it as is.
// Policy documents are aws.iam.PolicyDocument objects, so a first preview knows every part but the ARNs.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export const NAME = "orders";
export const account = aws.getCallerIdentityOutput().accountId;
export const region = aws.getRegionOutput().region;
export const arn = (service: string, resource: string) => pulumi.interpolate`arn:aws:${service}:${region}:${account}:${resource}`;

type Doc = aws.iam.PolicyDocument;
type Stmt = aws.iam.PolicyStatement;

export const doc = (...Statement: Stmt[]): Doc => ({ Version: "2012-10-17", Statement });

export function trust(
  service: string,
  condition?: Record<string, unknown> | null,
  action: string = "sts:AssumeRole",
): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: service },
        Action: action,
        ...(condition === null ? {} : { Condition: condition ?? { StringEquals: { "aws:SourceAccount": account } } }),
      },
    ],
  });
}

export const CODE = new pulumi.asset.AssetArchive({
  "index.js": new pulumi.asset.StringAsset("exports.handler = async (e) => ({ ok: true, e });"),
});
export const FUNCTION_NAME = `${NAME}-record-outcome`;
export const MACHINE_NAME = `${NAME}-breaker`;
export const BREAKER_TAGS = { breaker: NAME };
export const STORE_TAGS = { "circuitbreaker:role": "state-store" };

export interface Overrides {
  table?: Partial<aws.dynamodb.TableArgs>;
  /** Extra statements for the handler's inline RolePolicy. */
  handlerStatements?: (p: { table: aws.dynamodb.Table }) => Stmt[];
  handlerTrust?: pulumi.Input<string>;
  handlerRole?: Partial<aws.iam.RoleArgs>;
  handler?: Partial<aws.lambda.FunctionArgs>;
  /** Environment of the handler (default: the table's name). */
  handlerEnv?: (p: { table: aws.dynamodb.Table }) => Record<string, pulumi.Input<string>>;
  machineStatements?: (p: { table: aws.dynamodb.Table; handler: aws.lambda.Function }) => Stmt[];
  machineTrust?: pulumi.Input<string>;
  machine?: Partial<aws.sfn.StateMachineArgs>;
  /** The role the state machine runs as (default: its own). */
  machineRoleArn?: (p: { handlerRole: aws.iam.Role }) => pulumi.Input<string>;
  logging?: Partial<aws.types.input.sfn.StateMachineLoggingConfiguration>;
  alarm?: Partial<aws.cloudwatch.MetricAlarmArgs> | null;
}

export interface Breaker {
  table: aws.dynamodb.Table;
  handlerRole: aws.iam.Role;
  handler: aws.lambda.Function;
  machineRole: aws.iam.Role;
  machine: aws.sfn.StateMachine;
  topic: aws.sns.Topic;
}

export function breaker(o: Overrides = {}): Breaker {
  const table = new aws.dynamodb.Table(`${NAME}-state`, {
    billingMode: "PAY_PER_REQUEST",
    hashKey: "pk",
    attributes: [{ name: "pk", type: "S" }],
    ttl: { enabled: true, attributeName: "expiresAt" },
    pointInTimeRecovery: { enabled: true },
    tags: STORE_TAGS,
    ...o.table,
  });

  const handlerRole = new aws.iam.Role(`${NAME}-handler-role`, {
    assumeRolePolicy: o.handlerTrust ?? trust("lambda.amazonaws.com"),
    ...o.handlerRole,
  });
  new aws.iam.RolePolicy(`${NAME}-handler-policy`, {
    role: handlerRole.id,
    policy: doc(
      { Effect: "Allow", Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"], Resource: table.arn },
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: arn("logs", `log-group:/aws/lambda/${FUNCTION_NAME}:*`),
      },
      ...(o.handlerStatements?.({ table }) ?? []),
    ),
  });
  const handler = new aws.lambda.Function(`${NAME}-record-outcome`, {
    name: FUNCTION_NAME,
    runtime: "nodejs22.x",
    architectures: ["arm64"],
    handler: "index.handler",
    role: handlerRole.arn,
    code: CODE,
    environment: { variables: o.handlerEnv?.({ table }) ?? { TABLE_NAME: table.name } },
    tags: BREAKER_TAGS,
    ...o.handler,
  });

  const logs = new aws.cloudwatch.LogGroup(`${NAME}-logs`, { name: `/aws/vendedlogs/states/${MACHINE_NAME}`, retentionInDays: 30 });
  const machineRole = new aws.iam.Role(`${NAME}-sfn-role`, {
    assumeRolePolicy:
      o.machineTrust ??
      trust("states.amazonaws.com", {
        StringEquals: { "aws:SourceAccount": account },
        ArnEquals: { "aws:SourceArn": arn("states", `stateMachine:${MACHINE_NAME}`) },
      }),
  });
  new aws.iam.RolePolicy(`${NAME}-sfn-policy`, {
    role: machineRole.id,
    policy: doc(
      { Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [handler.arn, pulumi.interpolate`${handler.arn}:*`] },
      { Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: table.arn },
      {
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
      ...(o.machineStatements?.({ table, handler }) ?? []),
    ),
  });
  const machine = new aws.sfn.StateMachine(`${NAME}-machine`, {
    name: MACHINE_NAME,
    type: "EXPRESS",
    roleArn: o.machineRoleArn?.({ handlerRole }) ?? machineRole.arn,
    definition: pulumi.jsonStringify({
      StartAt: "Read",
      States: {
        Read: {
          Type: "Task",
          Resource: "arn:aws:states:::dynamodb:getItem",
          Parameters: { TableName: table.name, Key: { pk: { "S.$": "$.breaker" } } },
          ResultPath: "$.state",
          Next: "Record",
        },
        Record: {
          Type: "Task",
          Resource: "arn:aws:states:::lambda:invoke",
          Parameters: { FunctionName: handler.name, "Payload.$": "$" },
          End: true,
        },
      },
    }),
    loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: pulumi.interpolate`${logs.arn}:*`, ...o.logging },
    tags: BREAKER_TAGS,
    ...o.machine,
  });

  const topic = new aws.sns.Topic(`${NAME}-alarms`);
  if (o.alarm !== null) {
    new aws.cloudwatch.MetricAlarm(`${NAME}-circuit-opened`, {
      namespace: "CircuitBreaker",
      metricName: "CircuitOpened",
      dimensions: { Breaker: NAME },
      statistic: "Sum",
      period: 60,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      alarmActions: [topic.arn],
      ...o.alarm,
    });
  }
  return { table, handlerRole, handler, machineRole, machine, topic };
}

/** A Redis replication group the breaker could use, clean unless overridden. */
export function cache(overrides: Partial<aws.elasticache.ReplicationGroupArgs> = {}): aws.elasticache.ReplicationGroup {
  const subnets = new aws.elasticache.SubnetGroup(`${NAME}-cache-subnets`, { subnetIds: ["subnet-0a", "subnet-0b"] });
  return new aws.elasticache.ReplicationGroup(`${NAME}-cache`, {
    description: "breaker state",
    engine: "valkey",
    nodeType: "cache.t4g.micro",
    numCacheClusters: 2,
    transitEncryptionEnabled: true,
    transitEncryptionMode: "required",
    atRestEncryptionEnabled: true,
    authToken: "an-auth-token-of-32-characters!!",
    subnetGroupName: subnets.name,
    securityGroupIds: ["sg-0cache"],
    tags: STORE_TAGS,
    ...overrides,
  });
}

/** The VPC settings and ENI statement of a Lambda that reaches the cache. */
export const VPC = { subnetIds: ["subnet-0a", "subnet-0b"], securityGroupIds: ["sg-0lambda"] };
export const ENI: Stmt = {
  Effect: "Allow",
  Action: [
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
  ],
  Resource: "*",
};
