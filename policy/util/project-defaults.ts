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

/**
 * Actions AWS accepts only with `Resource: "*"` (no resource-level permissions), so a least-privilege policy may
 * grant them on "*" (components/iam-wildcard-actions.ts keeps the reason for each).
 */
export const WILDCARD_ONLY_ACTIONS: readonly string[] = [
  "logs:CreateLogDelivery",
  "logs:GetLogDelivery",
  "logs:UpdateLogDelivery",
  "logs:DeleteLogDelivery",
  "logs:ListLogDeliveries",
  "logs:PutResourcePolicy",
  "logs:DescribeResourcePolicies",
  "logs:DescribeLogGroups",
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "xray:GetSamplingRules",
  "xray:GetSamplingTargets",
  "ec2:CreateNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];
