// DynamoDbStateStore: the breaker state in one on-demand DynamoDB table. TTL on the attribute functions/
// writes, point-in-time recovery, encryption at rest (the AWS-owned key, or a customer-managed one),
// deletion protection per stack, optional global-table replicas.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { STORE_ACTIONS } from "../core/handler-manifest";
import { dynamoDbOptionsSchema, storeTimeoutArgs } from "../core/schema/stack-config";
import { BREAKER_TABLE_KEY, TTL_ATTRIBUTE } from "../core/store-schema";
import { parseComponentArgs } from "./component-args";
import { scopedStatement } from "./iam";
import { CircuitStateStore, STORE_TYPE, StoreEnv, StoreLambdaAccess } from "./state-store";
import { ROLES, roleTags, Tags } from "./tags";

export interface DynamoDbStateStoreArgs {
  /** Refuse DeleteTable (default false). */
  deletionProtection?: boolean;
  /** Customer managed KMS key for SSE (an ARN); default: the AWS-owned key. docs/aws-limits.md has its key policy. */
  kmsKeyArn?: pulumi.Input<string>;
  /** Global-table replica regions (each region reads its local replica; replication is last-writer-wins). */
  replicaRegions?: string[];
  /** Point-in-time recovery (default true). */
  pointInTimeRecovery?: boolean;
  /** Store request timeout the Lambdas use (STORE_TIMEOUT_MS), 50..30000 (default 1000). */
  storeTimeoutMs?: number;
  tags?: Tags;
}

/** The checked, completed plain arguments (a KMS key given as an Output is AWS's to check); throws every problem. */
export function checkDynamoDbStoreArgs(where: string, args: DynamoDbStateStoreArgs) {
  const problems: string[] = [];
  const parse = <S extends z.ZodType>(schema: S, raw: Record<string, unknown>): z.output<S> | undefined => {
    try {
      return parseComponentArgs(schema, raw, where);
    } catch (e) {
      problems.push(...(e as Error).message.split("\n"));
      return undefined;
    }
  };
  const options = parse(dynamoDbOptionsSchema(), {
    deletionProtection: args.deletionProtection,
    replicaRegions: args.replicaRegions,
    pointInTimeRecovery: args.pointInTimeRecovery,
    kmsKeyArn: typeof args.kmsKeyArn === "string" ? args.kmsKeyArn : undefined,
  });
  const timeout = parse(storeTimeoutArgs, { storeTimeoutMs: args.storeTimeoutMs });
  if (!options || !timeout) throw new Error(problems.join("\n"));
  return { ...options, storeTimeoutMs: timeout.storeTimeoutMs };
}

export class DynamoDbStateStore extends pulumi.ComponentResource implements CircuitStateStore {
  public readonly service = "dynamodb" as const;
  public readonly storeTimeoutMs: number;
  /** The TTL attribute functions/ writes (epoch seconds). */
  public readonly ttlAttribute: string = TTL_ATTRIBUTE;
  public readonly table: aws.dynamodb.Table;
  public readonly tableName: pulumi.Output<string>;
  public readonly tableArn: pulumi.Output<string>;
  public readonly endpoint: pulumi.Output<string>;
  public readonly lambdaAccess: StoreLambdaAccess;

  constructor(name: string, args: DynamoDbStateStoreArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super(STORE_TYPE, name, {}, opts);

    // 1. The arguments, by the stack config's rules.
    const options = checkDynamoDbStoreArgs(`DynamoDbStateStore(${name})`, args);
    this.storeTimeoutMs = options.storeTimeoutMs;
    const kmsKeyArn = args.kmsKeyArn;

    // 2. The table.
    this.table = new aws.dynamodb.Table(
      `${name}-table`,
      {
        billingMode: "PAY_PER_REQUEST",
        hashKey: BREAKER_TABLE_KEY,
        attributes: [{ name: BREAKER_TABLE_KEY, type: "S" }],
        ttl: { enabled: true, attributeName: TTL_ATTRIBUTE },
        pointInTimeRecovery: { enabled: options.pointInTimeRecovery },
        // enabled:false = the AWS-owned key (data is always encrypted at rest); true + ARN = customer key.
        serverSideEncryption: kmsKeyArn !== undefined ? { enabled: true, kmsKeyArn } : { enabled: false },
        deletionProtectionEnabled: options.deletionProtection,
        ...replicaOptions(options.replicaRegions, options.pointInTimeRecovery),
        tags: roleTags(args.tags, ROLES.stateStore),
      },
      { parent: this },
    );
    this.tableName = this.table.name;
    this.tableArn = this.table.arn;
    this.endpoint = this.table.name;

    // 3. What a store-using Lambda gets: the table's name in its environment, the item actions on its ARN.
    const timeoutMs = String(this.storeTimeoutMs);
    this.lambdaAccess = {
      environment: this.table.name.apply(
        (tableName): Record<string, string> =>
          ({ STORE_KIND: "dynamodb", TABLE_NAME: tableName, TTL_ATTRIBUTE, STORE_TIMEOUT_MS: timeoutMs }) satisfies StoreEnv,
      ),
      statements: this.table.arn.apply((arn) => [scopedStatement("BreakerTable", [...STORE_ACTIONS.dynamodb], [arn])]),
      networkStatements: [],
    };

    this.registerOutputs({ service: this.service, tableName: this.tableName, tableArn: this.tableArn });
  }
}

/** A global table: streams on, one replica per region with the table's PITR and tags. */
function replicaOptions(regions: string[], pointInTimeRecovery: boolean): Partial<aws.dynamodb.TableArgs> {
  if (regions.length === 0) return {};
  return {
    streamEnabled: true,
    streamViewType: "NEW_AND_OLD_IMAGES",
    replicas: regions.map((regionName) => ({ regionName, pointInTimeRecovery, propagateTags: true })),
  };
}
