// The names this pack looks for, as the circuit-breaker program writes them. They are copies, kept here so the
// pack is self-contained: `pulumi policy publish` uploads policy/ alone, so the pack cannot import from
// functions/ or components/. tests/policy/project-defaults.test.ts fails as soon as a copy drifts from its source.

/** components/tags.ts: what a resource is for; the table or cache holding breaker state carries "state-store". */
export const ROLE_TAG_KEY = "circuitbreaker:role";
export const STATE_STORE_ROLE = "state-store";

/** components/tags.ts: on every resource of one breaker (state machine, functions, alarms); the value is its name. */
export const BREAKER_TAG_KEY = "breaker";

/** The TTL attribute the store writes (functions/shared/contracts.ts ATTR.expiresAt). */
export const TTL_ATTRIBUTE = "expiresAt";

/** functions/shared/metric-names.ts */
export const METRIC_NAMESPACE = "CircuitBreaker";
export const BREAKER_DIMENSION = "Breaker";
export const CIRCUIT_OPENED_METRIC = "CircuitOpened";

/** components/iam-wildcard-actions.ts usedBy: what a role must be for to need an action on "*". */
export type WildcardPurpose = "state-machine-logging" | "tracing" | "lambda-vpc";

/**
 * Actions AWS accepts only with `Resource: "*"` (no resource-level permissions), so a least-privilege policy may
 * grant them on "*", each with the purpose that needs it (components/iam-wildcard-actions.ts keeps the reasons).
 */
export const WILDCARD_ONLY_ACTION_PURPOSES: Readonly<Record<string, WildcardPurpose>> = {
  "logs:CreateLogDelivery": "state-machine-logging",
  "logs:GetLogDelivery": "state-machine-logging",
  "logs:UpdateLogDelivery": "state-machine-logging",
  "logs:DeleteLogDelivery": "state-machine-logging",
  "logs:ListLogDeliveries": "state-machine-logging",
  "logs:PutResourcePolicy": "state-machine-logging",
  "logs:DescribeResourcePolicies": "state-machine-logging",
  "logs:DescribeLogGroups": "state-machine-logging",
  "xray:PutTraceSegments": "tracing",
  "xray:PutTelemetryRecords": "tracing",
  "xray:GetSamplingRules": "tracing",
  "xray:GetSamplingTargets": "tracing",
  "ec2:CreateNetworkInterface": "lambda-vpc",
  "ec2:DescribeNetworkInterfaces": "lambda-vpc",
  "ec2:DeleteNetworkInterface": "lambda-vpc",
  "ec2:AssignPrivateIpAddresses": "lambda-vpc",
  "ec2:UnassignPrivateIpAddresses": "lambda-vpc",
};

export const WILDCARD_ONLY_ACTIONS: readonly string[] = Object.keys(WILDCARD_ONLY_ACTION_PURPOSES);
