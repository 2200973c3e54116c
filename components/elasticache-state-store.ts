// ElastiCacheStateStore: the breaker state in Valkey or Redis OSS (serverless or a replication group) with TLS,
// encryption at rest and an AUTH token kept in Secrets Manager. The Lambdas that use it run in the VPC behind
// a security group the cache admits (and nothing else), and reach Secrets Manager (and Lambda, SSM) through
// interface VPC endpoints, so no NAT gateway is needed: the stack's own, or the VPC's existing ones.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { STORE_ACTIONS } from "../core/handler-manifest";
import { oneOf } from "../core/schema/format";
import {
  AUTH_TOKEN_DOC,
  AUTH_TOKEN_PATTERN,
  CacheEngine,
  CacheMode,
  cacheModeProblems,
  elastiCacheOptionsSchema,
  storeTimeoutArgs,
} from "../core/schema/stack-config";
import { REDIS_KEY_PREFIX } from "../core/store-schema";
import { describeValue } from "../core/schema/format";
import { parseComponentArgs } from "./component-args";
import { scopedStatement, wildcardStatement } from "./iam";
import { wildcardActionsFor } from "./iam-wildcard-actions";
import { CircuitStateStore, STORE_TYPE, StoreEnv, StoreLambdaAccess } from "./state-store";
import { ROLES, roleTags, Tags } from "./tags";

/** AWS services the VPC-attached Lambdas may need to reach through an interface endpoint. */
export const INTERFACE_ENDPOINT_SERVICES = ["secretsmanager", "lambda", "ssm"] as const;
export type InterfaceEndpointService = (typeof INTERFACE_ENDPOINT_SERVICES)[number];
/** The Redis/Valkey ports: 6379 (primary) and 6380 (serverless reader endpoint). */
export const CACHE_PORTS = { from: 6379, to: 6380 } as const;
/** The prefix of every key the Redis store writes (core/store-schema.ts). */
export const BREAKER_KEY_PREFIX = REDIS_KEY_PREFIX;

export interface ElastiCacheStateStoreArgs {
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
  /** Customer managed KMS key for encryption at rest; default: the service key. docs/aws-limits.md has its key policy. */
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
  /** Store request timeout the Lambdas use (STORE_TIMEOUT_MS), 50..30000 (default 1000). */
  storeTimeoutMs?: number;
  tags?: Tags;
}

const interfaceEndpointsSchema = z.object({
  interfaceEndpoints: z.array(oneOf(INTERFACE_ENDPOINT_SERVICES), { error: "a list of interface endpoint services" }).default(() => []),
});

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

/** The checked plain arguments, every problem at once; Inputs known only at deploy time are AWS's to check. */
export function checkElastiCacheStoreArgs(where: string, args: ElastiCacheStateStoreArgs) {
  const plain = (v: unknown) => (typeof v === "string" ? v : undefined);
  const problems: string[] = [];
  const collect = <T>(f: () => T): T | undefined => {
    try {
      return f();
    } catch (e) {
      problems.push(...(e as Error).message.split("\n"));
      return undefined;
    }
  };
  const options = collect(() =>
    parseComponentArgs(
      elastiCacheOptionsSchema,
      {
        engine: args.engine,
        mode: args.mode,
        vpcId: plain(args.vpcId),
        subnetIds: Array.isArray(args.subnetIds) && args.subnetIds.every((s) => typeof s === "string") ? args.subnetIds : undefined,
        nodeType: args.nodeType,
        numCacheClusters: args.numCacheClusters,
        kmsKeyArn: plain(args.kmsKeyArn),
        deletionProtection: args.deletionProtection,
        existingEndpointsSecurityGroupId: plain(args.existingEndpointsSecurityGroupId),
      },
      where,
    ),
  );
  if (options)
    for (const p of cacheModeProblems(options))
      problems.push(`${where}.${String(p.path[0])} is ${describeValue(p.input)}; allowed: ${p.message}`);
  const required = { vpcId: "the VPC's id", subnetIds: "its private subnets' ids", authToken: "an AUTH token" } as const;
  for (const [k, doc] of Object.entries(required) as [keyof typeof required, string][])
    if (args[k] === undefined || args[k] === null || args[k] === "") problems.push(`${where}.${k} is not set; allowed: ${doc} (required)`);
  if (typeof args.authToken === "string" && args.authToken !== "" && !AUTH_TOKEN_PATTERN.test(args.authToken))
    problems.push(`${where}.authToken is [secret, ${args.authToken.length} characters]; allowed: ${AUTH_TOKEN_DOC}`);
  const endpoints = collect(() => parseComponentArgs(interfaceEndpointsSchema, { interfaceEndpoints: args.interfaceEndpoints }, where));
  const timeout = collect(() => parseComponentArgs(storeTimeoutArgs, { storeTimeoutMs: args.storeTimeoutMs }, where));
  if (problems.length > 0 || !options || !endpoints || !timeout) throw new Error(problems.join("\n"));
  return { ...options, interfaceEndpoints: endpoints.interfaceEndpoints, storeTimeoutMs: timeout.storeTimeoutMs };
}

export class ElastiCacheStateStore extends pulumi.ComponentResource implements CircuitStateStore {
  public readonly service = "elasticache" as const;
  public readonly storeTimeoutMs: number;
  public readonly cache: aws.elasticache.ServerlessCache | aws.elasticache.ReplicationGroup;
  public readonly cacheEndpoint: pulumi.Output<string>;
  public readonly cachePort: pulumi.Output<number>;
  public readonly authSecret: aws.secretsmanager.Secret;
  public readonly authSecretVersion: aws.secretsmanager.SecretVersion;
  /** Serverless only: the "default" user holding the token, and its group. */
  public readonly cacheUser?: aws.elasticache.User;
  public readonly cacheUserGroup?: aws.elasticache.UserGroup;
  /** Replication group only. */
  public readonly subnetGroup?: aws.elasticache.SubnetGroup;
  /** The security group every store-using Lambda gets; the only source the cache admits. */
  public readonly lambdaSecurityGroup: aws.ec2.SecurityGroup;
  public readonly cacheSecurityGroup: aws.ec2.SecurityGroup;
  /** Absent when the VPC's existing endpoints are used. */
  public readonly endpointSecurityGroup?: aws.ec2.SecurityGroup;
  public readonly securityGroupRules: readonly (aws.vpc.SecurityGroupIngressRule | aws.vpc.SecurityGroupEgressRule)[];
  public readonly vpcEndpoints: readonly aws.ec2.VpcEndpoint[];
  public readonly subnetIds: pulumi.Output<string[]>;
  /** The cache host name, for stack outputs. */
  public readonly endpoint: pulumi.Output<string>;
  public readonly lambdaAccess: StoreLambdaAccess;

  constructor(name: string, args: ElastiCacheStateStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super(STORE_TYPE, name, {}, opts);

    // 1. The arguments, by the stack config's rules.
    const o = checkElastiCacheStoreArgs(`ElastiCacheStateStore(${name})`, args);
    this.storeTimeoutMs = o.storeTimeoutMs;
    this.subnetIds = pulumi.output(args.subnetIds);
    const protect = o.deletionProtection;
    const tags = roleTags(args.tags, ROLES.stateStore);
    const netTags = roleTags(args.tags, ROLES.network);
    const group = (role: string, description: string) =>
      new aws.ec2.SecurityGroup(`${name}-${role}`, { vpcId: args.vpcId, description, tags: netTags }, { parent: this });

    // 2. The network: the Lambdas' group, the cache's (admitting only the Lambdas), the endpoints' (or the VPC's own).
    this.lambdaSecurityGroup = group("lambda-sg", "Circuit breaker Lambdas that use the state store");
    this.cacheSecurityGroup = group("cache-sg", "Circuit breaker state cache: admits only the breaker Lambdas");
    const existing = args.existingEndpointsSecurityGroupId;
    if (existing === undefined)
      this.endpointSecurityGroup = group("endpoint-sg", "Interface VPC endpoints used by the circuit breaker Lambdas");
    const endpointSg = existing ?? this.endpointSecurityGroup!.id;
    this.securityGroupRules = this.admitLambdas(name, endpointSg, netTags);

    // 3. Interface endpoints: none with the VPC's own (their private DNS already answers for these services).
    const region = aws.getRegionOutput({}, { parent: this }).region;
    const services = existing !== undefined ? [] : [...new Set<InterfaceEndpointService>(["secretsmanager", ...o.interfaceEndpoints])];
    this.vpcEndpoints = services.map(
      (service) =>
        new aws.ec2.VpcEndpoint(
          `${name}-${service}-endpoint`,
          {
            vpcId: args.vpcId,
            serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
            vpcEndpointType: "Interface",
            privateDnsEnabled: true,
            subnetIds: this.subnetIds,
            securityGroupIds: [endpointSg],
            tags: netTags,
          },
          { parent: this },
        ),
    );

    // 4. The AUTH token, in Secrets Manager (the Lambdas read it at cold start).
    const authToken = pulumi.secret(args.authToken);
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

    // 5. The cache.
    const common = {
      description: `Circuit breaker state (${pulumi.getProject()}/${pulumi.getStack()})`,
      securityGroupIds: [this.cacheSecurityGroup.id],
      ...(args.kmsKeyArn !== undefined ? { kmsKeyId: args.kmsKeyArn } : {}),
      tags,
    };
    if (o.mode === "serverless") {
      // Serverless caches authenticate through a user group: a "default" user with the token as its password,
      // so `AUTH <token>` works exactly as with a replication group's AUTH token.
      this.cacheUser = new aws.elasticache.User(
        `${name}-default-user`,
        {
          userId: cacheId("cb", pulumi.getProject(), pulumi.getStack(), name, "default"),
          userName: "default",
          engine: o.engine,
          // Only the breaker's keys (cb:{<breaker>}...): the cache cannot be used for anything else with this token.
          accessString: `on ~${BREAKER_KEY_PREFIX}* +@all`,
          authenticationMode: { type: "password", passwords: [authToken] },
          tags,
        },
        { parent: this },
      );
      this.cacheUserGroup = new aws.elasticache.UserGroup(
        `${name}-user-group`,
        {
          userGroupId: cacheId("cb", pulumi.getProject(), pulumi.getStack(), name),
          engine: o.engine,
          userIds: [this.cacheUser.userId],
          tags,
        },
        { parent: this },
      );
      const cache = new aws.elasticache.ServerlessCache(
        `${name}-cache`,
        {
          ...common,
          engine: o.engine,
          majorEngineVersion: o.engine === "valkey" ? "8" : "7",
          subnetIds: this.subnetIds,
          userGroupId: this.cacheUserGroup.userGroupId,
        },
        { parent: this, protect },
      );
      this.cache = cache;
      this.cacheEndpoint = cache.endpoints.apply((e) => e?.[0]?.address ?? "");
      this.cachePort = cache.endpoints.apply((e) => e?.[0]?.port ?? CACHE_PORTS.from);
    } else {
      this.subnetGroup = new aws.elasticache.SubnetGroup(
        `${name}-subnet-group`,
        { description: "Circuit breaker state cache subnets", subnetIds: this.subnetIds, tags },
        { parent: this },
      );
      const clusters = o.numCacheClusters ?? 2;
      const replicationGroup = new aws.elasticache.ReplicationGroup(
        `${name}-cache`,
        {
          ...common,
          engine: o.engine,
          engineVersion: o.engine === "valkey" ? "8.0" : "7.1",
          nodeType: o.nodeType ?? "cache.t4g.small",
          numCacheClusters: clusters,
          automaticFailoverEnabled: clusters >= 2,
          multiAzEnabled: clusters >= 2,
          port: CACHE_PORTS.from,
          subnetGroupName: this.subnetGroup.name,
          transitEncryptionEnabled: true,
          transitEncryptionMode: "required",
          atRestEncryptionEnabled: true,
          authToken,
          authTokenUpdateStrategy: "ROTATE",
          autoMinorVersionUpgrade: true,
          snapshotRetentionLimit: 1,
        },
        { parent: this, protect },
      );
      this.cache = replicationGroup;
      this.cacheEndpoint = replicationGroup.primaryEndpointAddress;
      this.cachePort = pulumi.output(CACHE_PORTS.from);
    }
    this.endpoint = this.cacheEndpoint;

    // 6. What a store-using Lambda gets: the cache's address and the secret's ARN, the VPC, reading the secret.
    const timeoutMs = String(this.storeTimeoutMs);
    const environment = pulumi.all([this.cacheEndpoint, this.cachePort, this.authSecret.arn]).apply(
      ([host, port, secretArn]): Record<string, string> =>
        ({
          STORE_KIND: "redis",
          REDIS_HOST: host,
          REDIS_PORT: String(port),
          REDIS_TLS: "true",
          REDIS_AUTH_SECRET_ARN: secretArn,
          STORE_TIMEOUT_MS: timeoutMs,
        }) satisfies StoreEnv,
    );
    this.lambdaAccess = {
      environment,
      vpcConfig: { subnetIds: this.subnetIds, securityGroupIds: [this.lambdaSecurityGroup.id] },
      statements: this.authSecret.arn.apply((arn) => [scopedStatement("CacheAuthToken", [...STORE_ACTIONS.elasticache], [arn])]),
      networkStatements: [wildcardStatement("VpcNetworkInterfaces", wildcardActionsFor("lambda-vpc"))],
    };

    this.registerOutputs({
      service: this.service,
      cacheEndpoint: this.cacheEndpoint,
      authSecretArn: this.authSecret.arn,
      lambdaSecurityGroupId: this.lambdaSecurityGroup.id,
    });
  }

  /** The four rules between the Lambdas and the cache (6379-6380) and the endpoints (443), each way. */
  private admitLambdas(name: string, endpointSg: pulumi.Input<string>, tags: Tags) {
    const lambdaSg = this.lambdaSecurityGroup.id;
    const cacheSg = this.cacheSecurityGroup.id;
    const rule = { ipProtocol: "tcp", tags };
    const cache = { fromPort: CACHE_PORTS.from, toPort: CACHE_PORTS.to };
    const https = { fromPort: 443, toPort: 443 };
    const opts = { parent: this };
    return [
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-cache-from-lambdas`,
        {
          ...rule,
          ...cache,
          securityGroupId: cacheSg,
          referencedSecurityGroupId: lambdaSg,
          description: "Redis/Valkey from the breaker Lambdas",
        },
        opts,
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-lambdas-to-cache`,
        { ...rule, ...cache, securityGroupId: lambdaSg, referencedSecurityGroupId: cacheSg, description: "Redis/Valkey" },
        opts,
      ),
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-endpoints-from-lambdas`,
        {
          ...rule,
          ...https,
          securityGroupId: endpointSg,
          referencedSecurityGroupId: lambdaSg,
          description: "HTTPS from the breaker Lambdas",
        },
        opts,
      ),
      new aws.vpc.SecurityGroupEgressRule(
        `${name}-lambdas-to-endpoints`,
        {
          ...rule,
          ...https,
          securityGroupId: lambdaSg,
          referencedSecurityGroupId: endpointSg,
          description: "HTTPS to the interface endpoints",
        },
        opts,
      ),
    ];
  }
}
