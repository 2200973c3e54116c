// The IAM actions this project grants on `"Resource": "*"`, each with the reason. This is the ONE list:
// the components use it to build their wildcard statements (and refuse any other action on "*"),
// the tests check every policy document against it, and the policy pack uses it as its default allow-list.

export interface WildcardOnlyAction {
  action: string;
  /** Why it cannot be scoped to this stack's ARNs. */
  reason: string;
  /** Where it is granted. */
  usedBy: "state-machine-logging" | "tracing" | "lambda-vpc";
}

const SFN_LOGGING =
  "Step Functions delivers execution logs through CloudWatch Logs vended-log delivery; these delivery and " +
  'resource-policy APIs do not support resource-level permissions, so AWS documents them with Resource "*" ' +
  "(Step Functions Developer Guide: IAM policies for logging to CloudWatch Logs).";
const XRAY =
  'X-Ray trace and sampling APIs have no resource types; AWS documents them with Resource "*" ' +
  "(AWSXrayWriteOnlyAccess). Granted only when tracing is on.";
const LAMBDA_VPC =
  "Lambda uses the execution role to create and manage the function's network interfaces in the VPC; the ENI IDs " +
  'do not exist before Lambda creates them and DescribeNetworkInterfaces only works on "*" ' +
  "(Lambda Developer Guide: giving Lambda functions access to a VPC; AWSLambdaVPCAccessExecutionRole). Granted only " +
  "to functions attached to the VPC (ElastiCache store).";

export const WILDCARD_ONLY_ACTIONS: readonly WildcardOnlyAction[] = Object.freeze([
  { action: "logs:CreateLogDelivery", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:GetLogDelivery", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:UpdateLogDelivery", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:DeleteLogDelivery", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:ListLogDeliveries", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:PutResourcePolicy", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:DescribeResourcePolicies", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "logs:DescribeLogGroups", reason: SFN_LOGGING, usedBy: "state-machine-logging" },
  { action: "xray:PutTraceSegments", reason: XRAY, usedBy: "tracing" },
  { action: "xray:PutTelemetryRecords", reason: XRAY, usedBy: "tracing" },
  { action: "xray:GetSamplingRules", reason: XRAY, usedBy: "tracing" },
  { action: "xray:GetSamplingTargets", reason: XRAY, usedBy: "tracing" },
  { action: "ec2:CreateNetworkInterface", reason: LAMBDA_VPC, usedBy: "lambda-vpc" },
  { action: "ec2:DescribeNetworkInterfaces", reason: LAMBDA_VPC, usedBy: "lambda-vpc" },
  { action: "ec2:DeleteNetworkInterface", reason: LAMBDA_VPC, usedBy: "lambda-vpc" },
  { action: "ec2:AssignPrivateIpAddresses", reason: LAMBDA_VPC, usedBy: "lambda-vpc" },
  { action: "ec2:UnassignPrivateIpAddresses", reason: LAMBDA_VPC, usedBy: "lambda-vpc" },
] as WildcardOnlyAction[]);

/** Just the action names (the policy pack's default `allowedWildcardActions`). */
export const WILDCARD_ONLY_ACTION_NAMES: readonly string[] = Object.freeze(WILDCARD_ONLY_ACTIONS.map((a) => a.action));

/** Case-insensitive, as IAM compares action names. */
export function isWildcardOnlyAction(action: string): boolean {
  const a = action.toLowerCase();
  return WILDCARD_ONLY_ACTION_NAMES.some((w) => w.toLowerCase() === a);
}

/** The actions granted on "*" for one purpose. */
export function wildcardActionsFor(usedBy: WildcardOnlyAction["usedBy"]): string[] {
  return WILDCARD_ONLY_ACTIONS.filter((a) => a.usedBy === usedBy).map((a) => a.action);
}
