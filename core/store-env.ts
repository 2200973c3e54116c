// The names and limits of a store handler's environment (read by ./from-env.ts), without the store code or
// any AWS SDK client: the Pulumi program (components/dynamodb-state-store.ts, components/elasticache-state-store.ts) writes these variables and
// checks storeTimeoutMs against the same range, and loading this costs it nothing.

/** The store client a handler opens (STORE_KIND): DynamoDB, or the Redis protocol (ElastiCache, redis-server). */
export const STORE_KINDS = ["dynamodb", "redis"] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** The AWS service a stack keeps breaker state in (stack config `stateStore`); each speaks one StoreKind. */
export const STORE_SERVICES = ["dynamodb", "elasticache"] as const;
export type StoreService = (typeof STORE_SERVICES)[number];
export const STORE_KIND_OF: Readonly<Record<StoreService, StoreKind>> = Object.freeze({ dynamodb: "dynamodb", elasticache: "redis" });

export const STORE_ENV = {
  kind: "STORE_KIND",
  timeoutMs: "STORE_TIMEOUT_MS",
  tableName: "TABLE_NAME",
  ttlAttribute: "TTL_ATTRIBUTE",
  dynamoEndpoint: "DYNAMODB_ENDPOINT",
  redisHost: "REDIS_HOST",
  redisPort: "REDIS_PORT",
  redisTls: "REDIS_TLS",
  redisUrl: "REDIS_URL",
  redisAuthSecretArn: "REDIS_AUTH_SECRET_ARN",
} as const;

/** STORE_TIMEOUT_MS: per-request / per-command and connect timeout, ms. */
export const STORE_TIMEOUT_DEFAULT_MS = 1000;
export const STORE_TIMEOUT_RANGE = { min: 50, max: 30000 } as const;
