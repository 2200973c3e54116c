// One breaker Lambda with everything it owns: its log group, its own role and inline policy, and the
// function (nodejs22.x, arm64, esbuild bundle, JSON logs to its own log group).
// Children: `${name}-logs`, `${name}-role`, `${name}-policy`, `${name}` (name = `<breaker>-<handler>`).

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { handlerArchive, LAMBDA_HANDLER } from "./bundle";
import { HandlerName, LOG_ACTIONS } from "../core/handler-manifest";
import { scopedRole, scopedStatement, Statement, wildcardStatement } from "./iam";
import { wildcardActionsFor } from "./iam-wildcard-actions";
import { ROLES, roleTags, Tags } from "./tags";

export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_ARCHITECTURE = "arm64";

export interface BreakerFunctionArgs {
  handler: HandlerName;
  description: string;
  accountId: pulumi.Input<string>;
  environment: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Everything the handler may do besides writing its own logs (already scoped). */
  statements: pulumi.Input<Statement[]>;
  vpcConfig?: { subnetIds: pulumi.Input<pulumi.Input<string>[]>; securityGroupIds: pulumi.Input<string>[] };
  timeoutSeconds: number;
  memorySize: number;
  logGroupName: string;
  retentionDays: number;
  tracing: boolean;
  tags: Tags;
}

export interface BreakerFunction {
  handler: HandlerName;
  function: aws.lambda.Function;
  role: aws.iam.Role;
  policy: aws.iam.RolePolicy;
  logGroup: aws.cloudwatch.LogGroup;
}

export function createBreakerFunction(parent: pulumi.Resource, name: string, args: BreakerFunctionArgs): BreakerFunction {
  const tags = roleTags(args.tags, ROLES.function, args.handler);
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-logs`,
    { name: args.logGroupName, retentionInDays: args.retentionDays, tags },
    { parent },
  );
  const statements = pulumi.all([logGroup.arn, args.statements]).apply(([logArn, extra]) => [
    scopedStatement("OwnLogGroup", [...LOG_ACTIONS], [`${logArn}:*`]),
    ...(extra as Statement[]),
    ...(args.tracing
      ? [
          wildcardStatement(
            "XRayTracing",
            wildcardActionsFor("tracing").filter((a) => a.startsWith("xray:Put")),
          ),
        ]
      : []),
  ]);
  const { role, policy } = scopedRole(parent, name, {
    service: "lambda.amazonaws.com",
    accountId: args.accountId,
    statements,
    description: args.description,
    tags,
  });
  const fn = new aws.lambda.Function(
    name,
    {
      description: args.description,
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: LAMBDA_HANDLER,
      code: handlerArchive(args.handler),
      role: role.arn,
      timeout: args.timeoutSeconds,
      memorySize: args.memorySize,
      environment: {
        variables: pulumi.output(args.environment).apply((env) => ({ POWERTOOLS_SERVICE_NAME: "circuit-breaker", ...env })),
      },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      ...(args.vpcConfig ? { vpcConfig: args.vpcConfig } : {}),
      tracingConfig: { mode: args.tracing ? "Active" : "PassThrough" },
      tags,
    },
    // The role's policy must exist before Lambda creates the function (VPC ENIs, log delivery).
    { parent, dependsOn: [policy, logGroup] },
  );
  return { handler: args.handler, function: fn, role, policy, logGroup };
}
