// The stack's typed configuration (namespace "circuit-breaker"), validated completely before any resource
// is created. Every problem names the key, the value and what is allowed, e.g.
//   circuit-breaker:breakers[0].settings.failureThreshold is 0; allowed: an integer from 1 to 10000
// All problems are reported at once (ConfigError.problems), one per line.
//
// Keys (Pulumi.<stack>.yaml, `config:` section, each prefixed with "circuit-breaker:"):
//   stateStore        dynamodb (default) | elasticache
//   dynamodb          { deletionProtection, kmsKeyArn, replicaRegions, pointInTimeRecovery }
//   elasticache       { engine, mode, vpcId + subnetIds | networkStack, nodeType, numCacheClusters, kmsKeyArn, deletionProtection,
//                       existingEndpointsSecurityGroupId (use the VPC's own interface endpoints) }
//   redisAuthToken    required with elasticache; set it with `pulumi config set --secret redisAuthToken <token>`
//   breakers          [{ name, targetArn | demoDownstream, fallback, userFallbackArn, settings, settingsParameter, healthProbe, logging, tracing }]
//   alarmEmail        optional email subscribed to the alarm topic
//   alarms            thresholds (components/alarm-settings.ts)
//   logRetentionDays  CloudWatch Logs retention (default 30)
//   storeTimeoutMs    state store request timeout in the Lambdas (default 1000)
//   tags              extra tags for every taggable resource

import { formatIssue } from "../core/schema/format";
import { replicaRegionsSchema, tagsSchema } from "../core/schema/stack-config";
import { AlarmThresholds, checkAlarmThresholds } from "./alarm-settings";
import { EMAIL_PATTERN } from "./alarm-topic";
import { DEFAULT_LOGGING, RETENTION_RULE } from "./breaker-options";
import { CheckedBreaker, checkBreaker } from "./breaker-validation";
import { Checker } from "./checker";
import {
  AUTH_TOKEN_PATTERN,
  CACHE_ENGINES,
  CACHE_MODES,
  CacheEngine,
  CacheMode,
  DEFAULT_STORE_TIMEOUT_MS,
  NUM_CACHE_CLUSTERS_RULE,
  SECURITY_GROUP_ID_PATTERN,
  STORE_KINDS,
  STORE_TIMEOUT_RULE,
} from "./circuit-state-store";
import { StoreKind } from "../core/handler-manifest";

export const CONFIG_NAMESPACE = "circuit-breaker";

export const CONFIG_KEYS = [
  "stateStore",
  "dynamodb",
  "elasticache",
  "redisAuthToken",
  "breakers",
  "alarmEmail",
  "alarms",
  "logRetentionDays",
  "storeTimeoutMs",
  "tags",
] as const;
export type ConfigKey = (typeof CONFIG_KEYS)[number];

export interface DynamoDbConfig {
  deletionProtection: boolean;
  kmsKeyArn?: string;
  replicaRegions: string[];
  pointInTimeRecovery: boolean;
}

export interface ElastiCacheConfig {
  engine: CacheEngine;
  mode: CacheMode;
  /** Either vpcId + subnetIds, or networkStack (a stack with outputs vpcId and privateSubnetIds). */
  vpcId?: string;
  subnetIds?: string[];
  networkStack?: string;
  nodeType?: string;
  numCacheClusters?: number;
  kmsKeyArn?: string;
  deletionProtection: boolean;
  /** Use the VPC's existing interface endpoints (their security group) instead of creating them. */
  existingEndpointsSecurityGroupId?: string;
}

/** One configured breaker (`breakers[i]`), checked and completed. */
export type BreakerConfig = CheckedBreaker<string>;

export interface StackConfig {
  stateStore: StoreKind;
  dynamodb?: DynamoDbConfig;
  elasticache?: ElastiCacheConfig;
  /** Plain text here: the program wraps it with pulumi.secret() at once. */
  redisAuthToken?: string;
  breakers: BreakerConfig[];
  alarmEmail?: string;
  alarms: AlarmThresholds;
  logRetentionDays: number;
  storeTimeoutMs: number;
  tags: Record<string, string>;
}

/** The stack configuration is invalid; `problems` holds one message per problem. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8,17}$/;
export const SUBNET_ID_PATTERN = /^subnet-[0-9a-f]{8,17}$/;
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
export const KMS_KEY_ARN_DOC = "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)";
export const STACK_NAME_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;
export const NODE_TYPE_PATTERN = /^cache\.[a-z0-9]+\.[a-z0-9]+$/;
export { TAG_KEY_PATTERN, TAG_VALUE_PATTERN } from "../core/schema/stack-config";

/** A config value: JSON for objects and lists (as the Pulumi engine passes them), else the string itself. */
function parseValue(check: Checker, key: string, text: string | undefined, structured: boolean): unknown {
  if (text === undefined) return undefined;
  if (!structured) return text;
  try {
    return JSON.parse(text);
  } catch {
    check.fail(key, text, "a YAML object or list in the stack file (passed to the program as JSON)");
    return undefined;
  }
}

function loadDynamoDb(check: Checker, path: string, raw: unknown, ownRegion: string | undefined): DynamoDbConfig {
  const o = check.object(path, raw, ["deletionProtection", "kmsKeyArn", "replicaRegions", "pointInTimeRecovery"]) ?? {};
  let replicaRegions: string[] = [];
  if (o.replicaRegions !== undefined) {
    const r = replicaRegionsSchema(ownRegion).safeParse(o.replicaRegions, { reportInput: true });
    if (r.success) replicaRegions = r.data;
    else check.problems.push(...r.error.issues.map((i) => formatIssue(`${path}.replicaRegions`, i, o.replicaRegions).message));
  }
  const kmsKeyArn = check.string(`${path}.kmsKeyArn`, o.kmsKeyArn, KMS_KEY_ARN_PATTERN, KMS_KEY_ARN_DOC);
  if (kmsKeyArn && replicaRegions.length > 0) {
    check.fail(
      `${path}.kmsKeyArn`,
      kmsKeyArn,
      "not set together with replicaRegions (each replica would need a key in its own region; a global table uses the AWS-owned key)",
    );
  }
  return {
    deletionProtection: check.bool(`${path}.deletionProtection`, o.deletionProtection, false),
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
    replicaRegions,
    pointInTimeRecovery: check.bool(`${path}.pointInTimeRecovery`, o.pointInTimeRecovery, true),
  };
}

function loadElastiCache(check: Checker, path: string, raw: unknown): ElastiCacheConfig {
  if (raw === undefined) {
    check.problems.push(
      `${path} is not set; allowed: an object with engine, mode, and vpcId + subnetIds or networkStack (required with stateStore elasticache)`,
    );
  }
  const o =
    check.object(path, raw, [
      "engine",
      "mode",
      "vpcId",
      "subnetIds",
      "networkStack",
      "nodeType",
      "numCacheClusters",
      "kmsKeyArn",
      "deletionProtection",
      "existingEndpointsSecurityGroupId",
    ]) ?? {};
  const mode = check.oneOf(`${path}.mode`, o.mode, CACHE_MODES, "serverless");
  const vpcId = check.string(`${path}.vpcId`, o.vpcId, VPC_ID_PATTERN, "a VPC id (vpc-0123456789abcdef0)");
  const subnetList = check.list(`${path}.subnetIds`, o.subnetIds, "a list of subnet ids (subnet-0123456789abcdef0)");
  const subnetIds = subnetList?.map(
    (s, i) => check.string(`${path}.subnetIds[${i}]`, s, SUBNET_ID_PATTERN, "a subnet id (subnet-0123456789abcdef0)") ?? "",
  );
  if (subnetList && subnetList.length === 0)
    check.fail(`${path}.subnetIds`, subnetList, "at least one private subnet id (two or more in different AZs recommended)");
  const networkStack = check.string(
    `${path}.networkStack`,
    o.networkStack,
    STACK_NAME_PATTERN,
    "a stack name (<org>/<project>/<stack>) whose outputs include vpcId and privateSubnetIds",
  );
  const direct = o.vpcId !== undefined || o.subnetIds !== undefined;
  if (direct && o.networkStack !== undefined) {
    check.fail(
      `${path}.networkStack`,
      o.networkStack,
      "not set together with vpcId/subnetIds (give either vpcId + subnetIds, or networkStack)",
    );
  } else if (!direct && o.networkStack === undefined && raw !== undefined) {
    check.problems.push(
      `${path}.vpcId is not set; allowed: vpcId + subnetIds, or networkStack (a stack with outputs vpcId and privateSubnetIds)`,
    );
  } else if (direct && (o.vpcId === undefined || o.subnetIds === undefined)) {
    check.problems.push(`${path}.${o.vpcId === undefined ? "vpcId" : "subnetIds"} is not set; allowed: vpcId and subnetIds together`);
  }
  if (mode === "serverless") {
    for (const k of ["nodeType", "numCacheClusters"] as const) {
      if (o[k] !== undefined) check.fail(`${path}.${k}`, o[k], "only with mode replication-group");
    }
  }
  const nodeType = check.string(`${path}.nodeType`, o.nodeType, NODE_TYPE_PATTERN, "an ElastiCache node type such as cache.t4g.small");
  const numCacheClusters =
    o.numCacheClusters === undefined ? undefined : check.number(`${path}.numCacheClusters`, o.numCacheClusters, NUM_CACHE_CLUSTERS_RULE, 2);
  const kmsKeyArn = check.string(`${path}.kmsKeyArn`, o.kmsKeyArn, KMS_KEY_ARN_PATTERN, KMS_KEY_ARN_DOC);
  const existingEndpointsSecurityGroupId = check.string(
    `${path}.existingEndpointsSecurityGroupId`,
    o.existingEndpointsSecurityGroupId,
    SECURITY_GROUP_ID_PATTERN,
    "the security group id (sg-0123456789abcdef0) of the VPC's existing interface endpoints for secretsmanager (and lambda, ssm as used), with private DNS",
  );
  return {
    ...(existingEndpointsSecurityGroupId ? { existingEndpointsSecurityGroupId } : {}),
    engine: check.oneOf(`${path}.engine`, o.engine, CACHE_ENGINES, "valkey"),
    mode,
    ...(vpcId ? { vpcId } : {}),
    ...(subnetIds ? { subnetIds } : {}),
    ...(networkStack ? { networkStack } : {}),
    ...(nodeType ? { nodeType } : {}),
    ...(numCacheClusters !== undefined ? { numCacheClusters } : {}),
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
    deletionProtection: check.bool(`${path}.deletionProtection`, o.deletionProtection, false),
  };
}

export interface LoadConfigOptions {
  /** Whether a full key was set as a secret (`pulumi config set --secret`). Unknown -> not checked. */
  isSecret?: (fullKey: string) => boolean;
}

/**
 * Reads and validates the stack configuration from the full config map (`<namespace>:<key>` -> string,
 * as `pulumi.runtime.allConfig()` returns it). Keys of other namespaces (aws:region, ...) are ignored.
 * Throws ConfigError listing every problem.
 */
export function loadStackConfig(all: Record<string, string>, options: LoadConfigOptions = {}): StackConfig {
  const check = new Checker();
  const ns = `${CONFIG_NAMESPACE}:`;
  const key = (k: ConfigKey) => `${ns}${k}`;
  for (const k of Object.keys(all)) {
    if (k.startsWith(ns) && !CONFIG_KEYS.includes(k.slice(ns.length) as ConfigKey)) {
      check.problems.push(`${k} is not a known setting; allowed: ${CONFIG_KEYS.map((c) => ns + c).join(", ")}`);
    }
  }
  const structured = new Set<ConfigKey>(["dynamodb", "elasticache", "breakers", "alarms", "tags"]);
  const raw = (k: ConfigKey) => parseValue(check, key(k), all[key(k)], structured.has(k));

  const stateStore = check.oneOf(key("stateStore"), raw("stateStore"), STORE_KINDS, "dynamodb");
  let dynamodb: DynamoDbConfig | undefined;
  let elasticache: ElastiCacheConfig | undefined;
  if (stateStore === "dynamodb") {
    dynamodb = loadDynamoDb(check, key("dynamodb"), raw("dynamodb"), all["aws:region"]);
    if (all[key("elasticache")] !== undefined)
      check.problems.push(
        `${key("elasticache")} is set but ${key("stateStore")} is "dynamodb"; allowed: elasticache options only with stateStore elasticache`,
      );
  } else {
    elasticache = loadElastiCache(check, key("elasticache"), raw("elasticache"));
    if (all[key("dynamodb")] !== undefined)
      check.problems.push(
        `${key("dynamodb")} is set but ${key("stateStore")} is "elasticache"; allowed: dynamodb options only with stateStore dynamodb`,
      );
  }

  // The AUTH token: required with elasticache, a secret, never echoed in an error.
  const token = all[key("redisAuthToken")];
  let redisAuthToken: string | undefined;
  if (stateStore === "elasticache") {
    if (token === undefined || token === "") {
      check.problems.push(
        `${key("redisAuthToken")} is not set; allowed: an AUTH token of 16 to 128 printable characters without spaces, ", / or @, set with \`pulumi config set --secret redisAuthToken <token>\``,
      );
    } else if (options.isSecret && !options.isSecret(key("redisAuthToken"))) {
      check.problems.push(
        `${key("redisAuthToken")} is set in plain text; allowed: a secret, set with \`pulumi config set --secret redisAuthToken <token>\``,
      );
    } else if (!AUTH_TOKEN_PATTERN.test(token)) {
      check.problems.push(
        `${key("redisAuthToken")} is [secret, ${token.length} characters]; allowed: 16 to 128 printable ASCII characters without spaces, ", / or @`,
      );
    } else {
      redisAuthToken = token;
    }
  } else if (token !== undefined) {
    check.problems.push(
      `${key("redisAuthToken")} is set but ${key("stateStore")} is "dynamodb"; allowed: only with stateStore elasticache (remove it with \`pulumi config rm redisAuthToken\`)`,
    );
  }

  const { thresholds: alarms, problems: alarmProblems } = checkAlarmThresholds(raw("alarms"), key("alarms"));
  check.problems.push(...alarmProblems);
  const logRetentionDays = check.number(key("logRetentionDays"), raw("logRetentionDays"), RETENTION_RULE, DEFAULT_LOGGING.retentionDays);
  const storeTimeoutMs = check.number(key("storeTimeoutMs"), raw("storeTimeoutMs"), STORE_TIMEOUT_RULE, DEFAULT_STORE_TIMEOUT_MS);
  const alarmEmail = check.string(key("alarmEmail"), raw("alarmEmail"), EMAIL_PATTERN, "an email address");

  const tagsRaw = raw("tags");
  let tags: Record<string, string> = {};
  if (tagsRaw !== undefined) {
    const r = tagsSchema.safeParse(tagsRaw, { reportInput: true });
    if (r.success) tags = r.data;
    else check.problems.push(...r.error.issues.map((i) => formatIssue(key("tags"), i, tagsRaw).message));
  }

  const breakersRaw = raw("breakers");
  const breakers: BreakerConfig[] = [];
  if (breakersRaw === undefined) {
    check.problems.push(`${key("breakers")} is not set; allowed: a list of at least one breaker ({name, targetArn | demoDownstream, ...})`);
  } else if (!Array.isArray(breakersRaw) || breakersRaw.length === 0) {
    check.fail(key("breakers"), breakersRaw, "a list of at least one breaker ({name, targetArn | demoDownstream, ...})");
  } else {
    breakersRaw.forEach((b, i) => {
      const loaded = checkBreaker(check, `${key("breakers")}[${i}]`, b, {
        retentionDays: logRetentionDays,
        manualStateMaxMinutes: alarms.manualStateMaxMinutes,
        store: { kind: stateStore, timeoutMs: storeTimeoutMs },
      });
      if (!loaded) return;
      const dup = breakers.findIndex((x) => x.name === loaded.name);
      if (dup >= 0)
        check.fail(
          `${key("breakers")}[${i}].name`,
          loaded.name,
          `a name no other breaker has (breakers[${dup}] is also ${JSON.stringify(loaded.name)})`,
        );
      else breakers.push(loaded);
    });
  }

  if (check.problems.length > 0) throw new ConfigError(check.problems);
  return {
    stateStore,
    ...(dynamodb ? { dynamodb } : {}),
    ...(elasticache ? { elasticache } : {}),
    ...(redisAuthToken ? { redisAuthToken } : {}),
    breakers,
    ...(alarmEmail ? { alarmEmail } : {}),
    alarms,
    logRetentionDays,
    storeTimeoutMs,
    tags,
  };
}
