// CircuitStateStore: the breaker state store, one per stack, shared by every CircuitBreaker.
//   kind "dynamodb" (default): one on-demand table, TTL on the attribute functions/ writes, PITR, SSE,
//     deletion protection per stack, optional global-table replicas.
//   kind "elasticache": Valkey or Redis OSS (serverless or a replication group) with TLS, encryption at
//     rest and an AUTH token kept in Secrets Manager; the Lambdas that use it run in the VPC behind a
//     security group the cache admits (and nothing else), and reach Secrets Manager (and Lambda, for the
//     health probe) through interface VPC endpoints, so no NAT gateway is needed.
// `lambdaAccess` says what a Lambda that uses the store needs: environment, vpcConfig and IAM statements.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { STORE_ENV, STORE_TIMEOUT_DEFAULT_MS, STORE_TIMEOUT_RANGE } from "../core/store-env";
import { BREAKER_TABLE_KEY, REDIS_KEY_PREFIX, TTL_ATTRIBUTE } from "../core/store-schema";
import { STORE_ACTIONS, StoreKind } from "../core/handler-manifest";
import { scopedStatement, Statement, wildcardStatement } from "./iam";
import { wildcardActionsFor } from "./iam-wildcard-actions";
import { allowedNumbers, NumberRule } from "./number-rules";
import { ROLES, roleTags, Tags } from "./tags";

export const STORE_KINDS: readonly StoreKind[] = ["dynamodb", "elasticache"];
export const CACHE_ENGINES = ["valkey", "redis"] as const;
export type CacheEngine = (typeof CACHE_ENGINES)[number];
export const CACHE_MODES = ["serverless", "replication-group"] as const;
export type CacheMode = (typeof CACHE_MODES)[number];
/** A security group id (sg- and 8 or 17 hex digits). */
export const SECURITY_GROUP_ID_PATTERN = /^sg-[0-9a-f]{8,17}$/;

/** AWS services the VPC-attached Lambdas may need to reach through an interface endpoint. */
export const INTERFACE_ENDPOINT_SERVICES = ["secretsmanager", "lambda", "ssm"] as const;
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];

/** The Redis/Valkey ports: 6379 (primary) and 6380 (serverless reader endpoint). */
export const CACHE_PORTS = { from: 6379, to: 6380 } as const;
/** The prefix of every key the Redis store writes (core/store-schema.ts). */
export const BREAKER_KEY_PREFIX = REDIS_KEY_PREFIX;
export const DEFAULT_STORE_TIMEOUT_MS = STORE_TIMEOUT_DEFAULT_MS;
/** STORE_TIMEOUT_MS as functions/store/from-env.ts accepts it. */
export const STORE_TIMEOUT_RULE: NumberRule = { ...STORE_TIMEOUT_RANGE, integer: true };
/** replication-group: primary + replicas. */
export const NUM_CACHE_CLUSTERS_RULE: NumberRule = { min: 1, max: 6, integer: true };
/** An ElastiCache AUTH token: 16-128 printable ASCII characters other than space, " / @. */
export const AUTH_TOKEN_PATTERN = /^[!#-.0-?A-~]{16,128}$/;
export const AWS_REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d$/;

export interface DynamoDbStoreArgs {
  /** Refuse DeleteTable (default false). */
  deletionProtection?: boolean;
  /** Customer managed KMS key for SSE; default: the AWS-owned key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Global-table replica regions (each region reads its local replica; replication is last-writer-wins). */
  replicaRegions?: string[];
  /** Point-in-time recovery (default true). */
  pointInTimeRecovery?: boolean;
}

export interface ElastiCacheStoreArgs {
  engine?: CacheEngine;
  mode?: CacheMode;
  vpcId: pulumi.Input<string>;
  /** Private subnets for the cache, the Lambdas and the interface endpoints (at least 2 AZs recommended). */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** AUTH token; stored in Secrets Manager and kept secret in the Pulumi state. */
  authToken: pulumi.Input<string>;
  /** replication-group only (default cache.t4g.small). */
  nodeType?: string;
  /** replication-group only: primary + replicas (default 2, for Multi-AZ failover). */
  numCacheClusters?: number;
  /** Customer managed KMS key for encryption at rest; default: the service key. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Pulumi `protect` on the cache and its secret (ElastiCache has no deletion-protection flag). */
  deletionProtection?: boolean;
  /** Interface endpoints to create (secretsmanager always; add "lambda" for a health probe, "ssm" for settings parameters). */
  interfaceEndpoints?: InterfaceEndpointService[];
  /**
   * Use the VPC's own interface endpoints (with private DNS) instead of creating them: the security group those
   * endpoints use. Creating endpoints with private DNS fails ("conflicting DNS domain") in a VPC that already has
   * them. The stack then creates no endpoint, and only admits its Lambdas to that group on 443.
   */
  existingEndpointsSecurityGroupId?: pulumi.Input<string>;
}

export interface CircuitStateStoreArgs {
  /** Default "dynamodb". */
  kind?: StoreKind;
  dynamodb?: DynamoDbStoreArgs;
  elasticache?: ElastiCacheStoreArgs;
  /** Store request timeout the Lambdas use (STORE_TIMEOUT_MS), 50..30000 (default 1000). */
  storeTimeoutMs?: number;
  tags?: Tags;
}

/** A Lambda's store variables: only names functions/store/from-env.ts reads. */
type StoreEnv = Partial<Record<(typeof STORE_ENV)[keyof typeof STORE_ENV], string>>;

/** What a Lambda that reads/writes breaker state needs. */
export interface StoreLambdaAccess {
  /** STORE_KIND and the store's variables, as functions/store/from-env.ts reads them. */
  environment: pulumi.Output<Record<string, string>>;
  /** Only for the ElastiCache store. */
  vpcConfig?: { subnetIds: pulumi.Output<string[]>; securityGroupIds: pulumi.Output<string>[] };
  /** The store actions on the store's own ARNs (STORE_ACTIONS). */
  statements: pulumi.Output<Statement[]>;
  /** VPC network-interface actions (wildcard-only); empty for DynamoDB. */
  networkStatements: Statement[];
}

/** Not an integer within `rule` (a component argument must be a number: no numeric strings, unlike the stack config). */
const outsideIntegerRule = (v: number, rule: NumberRule): boolean => !Number.isInteger(v) || v < rule.min || v > rule.max;

/** Throws the awsx-style error for invalid or mutually exclusive arguments. */
export function validateStoreArgs(args: CircuitStateStoreArgs): StoreKind {
  const kind = args.kind ?? "dynamodb";
  if (!STORE_KINDS.includes(kind)) {
    throw new Error(`CircuitStateStore: kind is ${JSON.stringify(kind)}; allowed: ${STORE_KINDS.join(", ")}`);
  }
  if (kind === "dynamodb" && args.elasticache !== undefined) {
    throw new Error(
      'CircuitStateStore: `elasticache` options were given with kind "dynamodb"; give only `dynamodb` options, or set kind "elasticache".',
    );
  }
  if (kind === "elasticache" && args.dynamodb !== undefined) {
    throw new Error(
      'CircuitStateStore: `dynamodb` options were given with kind "elasticache"; give only `elasticache` options, or set kind "dynamodb".',
    );
  }
  if (args.storeTimeoutMs !== undefined && outsideIntegerRule(args.storeTimeoutMs, STORE_TIMEOUT_RULE)) {
    throw new Error(`CircuitStateStore: storeTimeoutMs is ${args.storeTimeoutMs}; allowed: ${allowedNumbers(STORE_TIMEOUT_RULE)}`);
  }
  if (kind === "dynamodb") {
    const regions = args.dynamodb?.replicaRegions ?? [];
    for (const r of regions) {
      if (!AWS_REGION_PATTERN.test(r))
        throw new Error(
          `CircuitStateStore: dynamodb.replicaRegions contains ${JSON.stringify(r)}; allowed: AWS region names such as eu-west-1`,
        );
    }
    if (new Set(regions).size !== regions.length) throw new Error("CircuitStateStore: dynamodb.replicaRegions lists a region twice");
    if (regions.length > 0 && args.dynamodb?.kmsKeyArn !== undefined) {
      throw new Error(
        "CircuitStateStore: dynamodb.kmsKeyArn cannot be combined with replicaRegions (each replica needs a key in its own region); use the AWS-owned key for a global table.",
      );
    }
    return kind;
  }
  const ec = args.elasticache;
  if (!ec) throw new Error('CircuitStateStore: kind "elasticache" needs `elasticache` options (vpcId, subnetIds, authToken).');
  const missing = (["vpcId", "subnetIds", "authToken"] as const).filter((k) => ec[k] === undefined || ec[k] === null || ec[k] === "");
  if (missing.length > 0)
    throw new Error(
      `CircuitStateStore: elasticache.${missing.join(", elasticache.")} ${missing.length > 1 ? "are" : "is"} required for kind "elasticache".`,
    );
  if (ec.engine !== undefined && !CACHE_ENGINES.includes(ec.engine)) {
    throw new Error(`CircuitStateStore: elasticache.engine is ${JSON.stringify(ec.engine)}; allowed: ${CACHE_ENGINES.join(", ")}`);
  }
  if (ec.mode !== undefined && !CACHE_MODES.includes(ec.mode)) {
    throw new Error(`CircuitStateStore: elasticache.mode is ${JSON.stringify(ec.mode)}; allowed: ${CACHE_MODES.join(", ")}`);
  }
  if ((ec.mode ?? "serverless") === "serverless" && (ec.nodeType !== undefined || ec.numCacheClusters !== undefined)) {
    throw new Error('CircuitStateStore: elasticache.nodeType and numCacheClusters apply only to mode "replication-group".');
  }
  if (ec.numCacheClusters !== undefined && outsideIntegerRule(ec.numCacheClusters, NUM_CACHE_CLUSTERS_RULE)) {
    throw new Error(
      `CircuitStateStore: elasticache.numCacheClusters is ${ec.numCacheClusters}; allowed: ${allowedNumbers(NUM_CACHE_CLUSTERS_RULE)}`,
    );
  }
  if (typeof ec.authToken === "string" && !AUTH_TOKEN_PATTERN.test(ec.authToken)) {
    throw new Error(
      'CircuitStateStore: elasticache.authToken is not a valid AUTH token; allowed: 16 to 128 printable ASCII characters without spaces, ", / or @',
    );
  }
  if (typeof ec.existingEndpointsSecurityGroupId === "string" && !SECURITY_GROUP_ID_PATTERN.test(ec.existingEndpointsSecurityGroupId)) {
    throw new Error(
      `CircuitStateStore: elasticache.existingEndpointsSecurityGroupId is ${JSON.stringify(ec.existingEndpointsSecurityGroupId)}; allowed: a security group id (sg-0123456789abcdef0)`,
    );
  }
  for (const s of ec.interfaceEndpoints ?? []) {
    if (!INTERFACE_ENDPOINT_SERVICES.includes(s)) {
      throw new Error(
        `CircuitStateStore: elasticache.interfaceEndpoints contains ${JSON.stringify(s)}; allowed: ${INTERFACE_ENDPOINT_SERVICES.join(", ")}`,
      );
    }
  }
  return kind;
}

/** A name usable as an ElastiCache user / user-group id: letters, digits, single dashes, <= 40 chars. */
function cacheId(...parts: string[]): string {
  const id = parts
    .join("-")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[^a-z]+/, "")
    .slice(0, 40)
    .replace(/-$/, "");
  return id === "" ? "circuit-breaker" : id;
}

export class CircuitStateStore extends pulumi.ComponentResource {
  public readonly kind: StoreKind;
  /** The Lambdas' store request timeout (STORE_TIMEOUT_MS). */
  public readonly storeTimeoutMs: number;
  /** The TTL attribute functions/ writes (epoch seconds). */
  public readonly ttlAttribute: string = TTL_ATTRIBUTE;
  // dynamodb
  public readonly table?: aws.dynamodb.Table;
  public readonly tableName?: pulumi.Output<string>;
  public readonly tableArn?: pulumi.Output<string>;
  // elasticache
  public readonly cache?: aws.elasticache.ServerlessCache | aws.elasticache.ReplicationGroup;
  public readonly cacheEndpoint?: pulumi.Output<string>;
  public readonly cachePort?: pulumi.Output<number>;
  public readonly authSecret?: aws.secretsmanager.Secret;
  public readonly authSecretVersion?: aws.secretsmanager.SecretVersion;
  public readonly cacheUser?: aws.elasticache.User;
  public readonly cacheUserGroup?: aws.elasticache.UserGroup;
  public readonly subnetGroup?: aws.elasticache.SubnetGroup;
  /** The security group every store-using Lambda gets; the only source the cache admits. */
  public readonly lambdaSecurityGroup?: aws.ec2.SecurityGroup;
  public readonly cacheSecurityGroup?: aws.ec2.SecurityGroup;
  public readonly endpointSecurityGroup?: aws.ec2.SecurityGroup;
  public readonly securityGroupRules: (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[] = [];
  public readonly vpcEndpoints: aws.ec2.VpcEndpoint[] = [];
  public readonly subnetIds?: pulumi.Output<string[]>;
  /** Table name (dynamodb) or cache host name (elasticache), for stack outputs. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly lambdaAccess: StoreLambdaAccess;

  constructor(name: string, args: CircuitStateStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:CircuitStateStore", name, {}, opts);
    this.kind = validateStoreArgs(args);
    this.storeTimeoutMs = args.storeTimeoutMs ?? DEFAULT_STORE_TIMEOUT_MS;
    const timeoutMs = String(this.storeTimeoutMs);
    const tags = roleTags(args.tags, ROLES.stateStore);

    if (this.kind === "dynamodb") {
      const o = args.dynamodb ?? {};
      const replicas = o.replicaRegions ?? [];
      this.table = new aws.dynamodb.Table(
        `${name}-table`,
        {
          billingMode: "PAY_PER_REQUEST",
          hashKey: BREAKER_TABLE_KEY,
          attributes: [{ name: BREAKER_TABLE_KEY, type: "S" }],
          ttl: { enabled: true, attributeName: TTL_ATTRIBUTE },
          pointInTimeRecovery: { enabled: o.pointInTimeRecovery ?? true },
          // enabled:false = the AWS-owned key (data is always encrypted at rest); true + ARN = customer key.
          serverSideEncryption: o.kmsKeyArn !== undefined ? { enabled: true, kmsKeyArn: o.kmsKeyArn } : { enabled: false },
          deletionProtectionEnabled: o.deletionProtection ?? false,
          ...(replicas.length > 0
            ? {
                streamEnabled: true,
                streamViewType: "NEW_AND_OLD_IMAGES",
                replicas: replicas.map((regionName) => ({
                  regionName,
                  pointInTimeRecovery: o.pointInTimeRecovery ?? true,
                  propagateTags: true,
                })),
              }
            : {}),
          tags,
        },
        { parent: this },
      );
      this.tableName = this.table.name;
      this.tableArn = this.table.arn;
      this.endpoint = this.table.name;
      this.lambdaAccess = {
        environment: this.table.name.apply(
          (tableName): Record<string, string> =>
            ({
              STORE_KIND: "dynamodb",
              TABLE_NAME: tableName,
              TTL_ATTRIBUTE,
              STORE_TIMEOUT_MS: timeoutMs,
            }) satisfies StoreEnv,
        ),
        statements: this.table.arn.apply((arn) => [scopedStatement("BreakerTable", [...STORE_ACTIONS.dynamodb], [arn])]),
        networkStatements: [],
      };
    } else {
      const ec = args.elasticache as ElastiCacheStoreArgs;
      const engine = ec.engine ?? "valkey";
      const mode = ec.mode ?? "serverless";
      const protect = ec.deletionProtection ?? false;
      const subnetIds = pulumi.output(ec.subnetIds);
      this.subnetIds = subnetIds;
      const authToken = pulumi.secret(ec.authToken);
      const region = aws.getRegionOutput({}, { parent: this }).region;
      const netTags = roleTags(args.tags, ROLES.network);

      this.lambdaSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-lambda-sg`,
        { vpcId: ec.vpcId, description: "Circuit breaker Lambdas that use the state store", tags: netTags },
        { parent: this },
      );
      this.cacheSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-cache-sg`,
        { vpcId: ec.vpcId, description: "Circuit breaker state cache: admits only the breaker Lambdas", tags: netTags },
        { parent: this },
      );
      const existing = ec.existingEndpointsSecurityGroupId;
      if (existing === undefined) {
        this.endpointSecurityGroup = new aws.ec2.SecurityGroup(
          `${name}-endpoint-sg`,
          { vpcId: ec.vpcId, description: "Interface VPC endpoints used by the circuit breaker Lambdas", tags: netTags },
          { parent: this },
        );
      }
      const lambdaSg = this.lambdaSecurityGroup.id;
      const cacheSg = this.cacheSecurityGroup.id;
      const endpointSg = existing ?? this.endpointSecurityGroup!.id;
      const tcp = { ipProtocol: "tcp", tags: netTags };
      this.securityGroupRules.push(
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-cache-from-lambdas`,
          {
            ...tcp,
            securityGroupId: cacheSg,
            referencedSecurityGroupId: lambdaSg,
            fromPort: CACHE_PORTS.from,
            toPort: CACHE_PORTS.to,
            description: "Redis/Valkey from the breaker Lambdas",
          },
          { parent: this },
        ),
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-lambdas-to-cache`,
          {
            ...tcp,
            securityGroupId: lambdaSg,
            referencedSecurityGroupId: cacheSg,
            fromPort: CACHE_PORTS.from,
            toPort: CACHE_PORTS.to,
            description: "Redis/Valkey",
          },
          { parent: this },
        ),
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-endpoints-from-lambdas`,
          {
            ...tcp,
            securityGroupId: endpointSg,
            referencedSecurityGroupId: lambdaSg,
            fromPort: 443,
            toPort: 443,
            description: "HTTPS from the breaker Lambdas",
          },
          { parent: this },
        ),
        new aws.vpc.SecurityGroupEgressRule(
          `${name}-lambdas-to-endpoints`,
          {
            ...tcp,
            securityGroupId: lambdaSg,
            referencedSecurityGroupId: endpointSg,
            fromPort: 443,
            toPort: 443,
            description: "HTTPS to the interface endpoints",
          },
          { parent: this },
        ),
      );

      // With the VPC's own endpoints, none is created (their private DNS already answers for these services).
      const services =
        existing !== undefined ? [] : [...new Set<InterfaceEndpointService>(["secretsmanager", ...(ec.interfaceEndpoints ?? [])])];
      for (const service of services) {
        this.vpcEndpoints.push(
          new aws.ec2.VpcEndpoint(
            `${name}-${service}-endpoint`,
            {
              vpcId: ec.vpcId,
              serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
              vpcEndpointType: "Interface",
              privateDnsEnabled: true,
              subnetIds,
              securityGroupIds: [endpointSg],
              tags: netTags,
            },
            { parent: this },
          ),
        );
      }

      this.authSecret = new aws.secretsmanager.Secret(
        `${name}-auth-token`,
        {
          description: `AUTH token of the circuit breaker state cache (${name})`,
          recoveryWindowInDays: 7,
          tags: roleTags(args.tags, ROLES.secret),
        },
        { parent: this, protect },
      );
      this.authSecretVersion = new aws.secretsmanager.SecretVersion(
        `${name}-auth-token-version`,
        { secretId: this.authSecret.id, secretString: authToken },
        { parent: this },
      );

      if (mode === "serverless") {
        // Serverless caches authenticate through a user group: a "default" user with the token as its password,
        // so `AUTH <token>` works exactly as with a replication group's AUTH token.
        const userId = cacheId("cb", pulumi.getProject(), pulumi.getStack(), name, "default");
        this.cacheUser = new aws.elasticache.User(
          `${name}-default-user`,
          {
            userId,
            userName: "default",
            engine,
            // Only the breaker's keys (cb:{<breaker>}...): the cache cannot be used for anything else with this token.
            accessString: `on ~${BREAKER_KEY_PREFIX}* +@all`,
            authenticationMode: { type: "password", passwords: [authToken] },
            tags,
          },
          { parent: this },
        );
        this.cacheUserGroup = new aws.elasticache.UserGroup(
          `${name}-user-group`,
          { userGroupId: cacheId("cb", pulumi.getProject(), pulumi.getStack(), name), engine, userIds: [this.cacheUser.userId], tags },
          { parent: this },
        );
        const cache = new aws.elasticache.ServerlessCache(
          `${name}-cache`,
          {
            engine,
            majorEngineVersion: engine === "valkey" ? "8" : "7",
            description: `Circuit breaker state (${pulumi.getProject()}/${pulumi.getStack()})`,
            subnetIds,
            securityGroupIds: [cacheSg],
            userGroupId: this.cacheUserGroup.userGroupId,
            ...(ec.kmsKeyArn !== undefined ? { kmsKeyId: ec.kmsKeyArn } : {}),
            tags,
          },
          { parent: this, protect },
        );
        this.cache = cache;
        this.cacheEndpoint = cache.endpoints.apply((e) => e?.[0]?.address ?? "");
        this.cachePort = cache.endpoints.apply((e) => e?.[0]?.port ?? CACHE_PORTS.from);
      } else {
        this.subnetGroup = new aws.elasticache.SubnetGroup(
          `${name}-subnet-group`,
          { description: "Circuit breaker state cache subnets", subnetIds, tags },
          { parent: this },
        );
        const clusters = ec.numCacheClusters ?? 2;
        const group = new aws.elasticache.ReplicationGroup(
          `${name}-cache`,
          {
            description: `Circuit breaker state (${pulumi.getProject()}/${pulumi.getStack()})`,
            engine,
            engineVersion: engine === "valkey" ? "8.0" : "7.1",
            nodeType: ec.nodeType ?? "cache.t4g.small",
            numCacheClusters: clusters,
            automaticFailoverEnabled: clusters >= 2,
            multiAzEnabled: clusters >= 2,
            port: CACHE_PORTS.from,
            subnetGroupName: this.subnetGroup.name,
            securityGroupIds: [cacheSg],
            transitEncryptionEnabled: true,
            transitEncryptionMode: "required",
            atRestEncryptionEnabled: true,
            ...(ec.kmsKeyArn !== undefined ? { kmsKeyId: ec.kmsKeyArn } : {}),
            authToken,
            authTokenUpdateStrategy: "ROTATE",
            autoMinorVersionUpgrade: true,
            snapshotRetentionLimit: 1,
            tags,
          },
          { parent: this, protect },
        );
        this.cache = group;
        this.cacheEndpoint = group.primaryEndpointAddress;
        this.cachePort = pulumi.output(CACHE_PORTS.from);
      }
      this.endpoint = this.cacheEndpoint;
      const secretArn = this.authSecret.arn;
      this.lambdaAccess = {
        environment: pulumi.all([this.cacheEndpoint, this.cachePort, secretArn]).apply(
          ([host, port, arn]): Record<string, string> =>
            ({
              STORE_KIND: "redis",
              REDIS_HOST: host,
              REDIS_PORT: String(port),
              REDIS_TLS: "true",
              REDIS_AUTH_SECRET_ARN: arn,
              STORE_TIMEOUT_MS: timeoutMs,
            }) satisfies StoreEnv,
        ),
        vpcConfig: { subnetIds, securityGroupIds: [lambdaSg] },
        statements: secretArn.apply((arn) => [scopedStatement("CacheAuthToken", [...STORE_ACTIONS.elasticache], [arn])]),
        networkStatements: [wildcardStatement("VpcNetworkInterfaces", wildcardActionsFor("lambda-vpc"))],
      };
    }

    this.registerOutputs({
      kind: this.kind,
      tableName: this.tableName,
      tableArn: this.tableArn,
      cacheEndpoint: this.cacheEndpoint,
      authSecretArn: this.authSecret?.arn,
      lambdaSecurityGroupId: this.lambdaSecurityGroup?.id,
    });
  }
}
