// The key-policy statement a customer-managed KMS key needs for the breaker's state store (dynamodb.kmsKeyArn,
// elasticache.kmsKeyArn). The stack does not add KMS actions to its roles: the key's owner adds this statement,
// which lets the stack's roles use the key only through the store's service (kms:ViaService).
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html
// https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/at-rest-encryption.html

/** The KMS actions DynamoDB performs on the caller's behalf with a customer-managed table key. */
export const DYNAMODB_KEY_ACTIONS = [
  "kms:Decrypt",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
  "kms:DescribeKey",
  "kms:CreateGrant",
] as const;
/** ElastiCache uses the key itself (through grants made at creation): the deployer needs these. */
export const ELASTICACHE_KEY_ACTIONS = ["kms:CreateGrant", "kms:DescribeKey"] as const;

export interface KeyPolicyInput {
  store: "dynamodb" | "elasticache";
  region: string;
  account: string;
  /** DynamoDB: every role that reads or writes the table (the Lambdas' and the state machine's). ElastiCache: the deployer. */
  principalArns: string[];
}

/** The statement to add to the key's policy, scoped to the store's service in this region and account. */
export function storeKeyPolicyStatement(i: KeyPolicyInput): Record<string, unknown> {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(i.region))
    throw new Error(`storeKeyPolicyStatement: region is ${JSON.stringify(i.region)}; allowed: an AWS region name such as eu-west-1`);
  if (!/^\d{12}$/.test(i.account))
    throw new Error(`storeKeyPolicyStatement: account is ${JSON.stringify(i.account)}; allowed: a 12-digit AWS account id`);
  if (i.principalArns.length === 0)
    throw new Error("storeKeyPolicyStatement: principalArns is empty; allowed: the ARNs of the roles that use the store");
  const service = i.store === "dynamodb" ? "dynamodb" : "elasticache";
  return {
    Sid: "CircuitBreakerStoreThroughService",
    Effect: "Allow",
    Principal: { AWS: [...i.principalArns].sort() },
    Action: [...(i.store === "dynamodb" ? DYNAMODB_KEY_ACTIONS : ELASTICACHE_KEY_ACTIONS)],
    Resource: "*",
    Condition: { StringEquals: { "kms:ViaService": `${service}.${i.region}.amazonaws.com`, "kms:CallerAccount": i.account } },
  };
}
