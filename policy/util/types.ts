// Pulumi type tokens of the resources the pack inspects (tests check each against @pulumi/aws's __pulumiType).
// Plain strings keep the pack from loading all of @pulumi/aws at start-up.

export const T = {
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  policy: "aws:iam/policy:Policy",
  userPolicy: "aws:iam/userPolicy:UserPolicy",
  groupPolicy: "aws:iam/groupPolicy:GroupPolicy",
  rolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  policyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
  userPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  groupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  rolePolicyAttachmentsExclusive: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
  table: "aws:dynamodb/table:Table",
  replicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  serverlessCache: "aws:elasticache/serverlessCache:ServerlessCache",
  cacheCluster: "aws:elasticache/cluster:Cluster",
  tableReplica: "aws:dynamodb/tableReplica:TableReplica",
  schedule: "aws:scheduler/schedule:Schedule",
  stateMachine: "aws:sfn/stateMachine:StateMachine",
  lambdaFunction: "aws:lambda/function:Function",
  metricAlarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
} as const;

/** Calls `args.notApplicable` (as the typed helpers of @pulumi/policy do) unless the resource is one of `types`. */
export function requireType(args: { type: string; notApplicable(reason?: string): never }, types: readonly string[]): void {
  if (!types.includes(args.type)) args.notApplicable(`Policy only applies to resources of type ${types.map((t) => `'${t}'`).join(", ")}`);
}
