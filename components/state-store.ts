// What a CircuitBreaker needs of the stack's state store, whichever service holds it: the small interface
// DynamoDbStateStore and ElastiCacheStateStore implement (table or cache access, IAM grants, the handlers'
// environment). One store per stack, shared by every CircuitBreaker.

import * as pulumi from "@pulumi/pulumi";
import { STORE_ENV, StoreService } from "../core/store-env";
import { Statement } from "./iam";

/**
 * Both store components keep the type token of the one component they replace, so every existing stack's
 * URNs (the table's, the cache's) stay as they are: no alias, no replacement on the next `pulumi up`.
 */
export const STORE_TYPE = "circuitbreaker:index:CircuitStateStore";

/** A Lambda's store variables: only names functions/store/from-env.ts reads. */
export type StoreEnv = Partial<Record<(typeof STORE_ENV)[keyof typeof STORE_ENV], string>>;

/** What a Lambda that reads/writes breaker state needs. */
export interface StoreLambdaAccess {
  /** STORE_KIND and the store's variables, as functions/store/from-env.ts reads them. */
  environment: pulumi.Output<Record<string, string>>;
  /** Only for the ElastiCache store. */
  vpcConfig?: { subnetIds: pulumi.Output<string[]>; securityGroupIds: pulumi.Output<string>[] };
  /** The store actions on the store's own ARNs (core/handler-manifest.ts STORE_ACTIONS). */
  statements: pulumi.Output<Statement[]>;
  /** VPC network-interface actions (wildcard-only); empty for DynamoDB. */
  networkStatements: Statement[];
}

/** The stack's state store as a CircuitBreaker uses it. */
export interface CircuitStateStore {
  readonly service: StoreService;
  /** The Lambdas' store request timeout (STORE_TIMEOUT_MS), which the EXPRESS budget counts. */
  readonly storeTimeoutMs: number;
  /** DynamoDB only: the table the state machine reads directly (GetItem). */
  readonly tableName?: pulumi.Output<string>;
  readonly tableArn?: pulumi.Output<string>;
  /** Table name (DynamoDB) or cache host name (ElastiCache), for stack outputs. */
  readonly endpoint: pulumi.Output<string>;
  readonly lambdaAccess: StoreLambdaAccess;
}
