// The stack config (Pulumi.<stack>.yaml, namespace "circuit-breaker") as one zod schema: store, breakers,
// alarms, tags. Leaf rules carry their allowed-clause; cross-field rules (and the AWS limits that depend on
// several fields, core/breaker-limit-checks.ts) run in the superRefines once the leaves pass. The types
// (StackConfig, BreakerConfig) are inferred from it, and schema/stack-config.schema.json is generated from it.
import { z } from "zod";
import { breakerLimitProblems, StoreContext } from "../breaker-limit-checks";
import { DEFAULT_DEMO_CONFIG } from "../demo-config";
import { SETTINGS_REFRESH_SECONDS } from "../settings-overrides";
import { STORE_SERVICES, STORE_TIMEOUT_DEFAULT_MS, STORE_TIMEOUT_RANGE } from "../store-env";
import { alarmThresholdsSchema } from "./alarms";
import { numberIn, oneOf, strictObject } from "./format";
import { breakerNameSchema } from "./names";
import { errorNameSchema, settingsSchema } from "./settings";

export const CONFIG_NAMESPACE = "circuit-breaker";

/** The regions @pulumi/aws knows (its Region enum); tests/core/schema-artifacts.test.ts fails when they differ. */
export const AWS_REGIONS = ["af-south-1","ap-east-1","ap-east-2","ap-northeast-1","ap-northeast-2","ap-northeast-3","ap-south-1","ap-south-2","ap-southeast-1","ap-southeast-2","ap-southeast-3","ap-southeast-4","ap-southeast-5","ap-southeast-6","ap-southeast-7","ca-central-1","ca-west-1","eu-central-1","eu-central-2","eu-north-1","eu-south-1","eu-south-2","eu-west-1","eu-west-2","eu-west-3","il-central-1","me-central-1","me-south-1","mx-central-1","sa-east-1","us-east-1","us-east-2","us-west-1","us-west-2","cn-north-1","cn-northwest-1","eusc-de-east-1","us-gov-east-1","us-gov-west-1","us-iso-east-1","us-iso-west-1","us-isob-east-1","us-isob-west-1","eu-isoe-west-1","us-isof-east-1","us-isof-south-1"] as const;

// ---------------------------------------------------------------------------------------------
// Tags and replica regions

/** Tags our own resources carry for scoping; the policy pack reads them, so a user may not set them. */
export const RESERVED_TAG_KEYS = ["circuitbreaker:role", "circuitbreaker:handler", "breaker"] as const;
/** The stack's own tags on a resource at most: project, stack, breaker, circuitbreaker:role, circuitbreaker:handler. */
export const STACK_TAG_COUNT = 5;
/** AWS allows 50 tags per resource. */
export const MAX_USER_TAGS = 50 - STACK_TAG_COUNT;

const TAG_KEY_DOC = "a tag key of 1 to 128 characters (letters, digits, spaces, _ . : / = + - @), not starting with aws: in any case";
const TAG_VALUE_DOC = "a string of up to 256 characters (letters, digits, spaces, _ . : / = + - @)";
/** Spaces only (no tabs or newlines): AWS's tag character set, which "\s" would widen. */
export const TAG_KEY_PATTERN = /^(?![aA][wW][sS]:)[\p{L}\p{N} _.:/=+@-]{1,128}$/u;
export const TAG_VALUE_PATTERN = /^[\p{L}\p{N} _.:/=+@-]{0,256}$/u;

export const tagsSchema = z
  .record(z.string(), z.string({ error: TAG_VALUE_DOC }).regex(TAG_VALUE_PATTERN, { error: TAG_VALUE_DOC }), { error: "an object of tag names to string values" })
  .superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    for (const k of keys) {
      if (!TAG_KEY_PATTERN.test(k)) ctx.addIssue({ code: "custom", path: [k], input: k, message: TAG_KEY_DOC });
      else if ((RESERVED_TAG_KEYS as readonly string[]).includes(k.toLowerCase()))
        ctx.addIssue({ code: "custom", path: [k], input: k, message: `a key other than ${RESERVED_TAG_KEYS.join(", ")} (the stack sets these itself; the policy pack reads them)` });
    }
    if (keys.length > MAX_USER_TAGS) {
      ctx.addIssue({ code: "custom", path: [], input: `${keys.length} tags`, message: `at most ${MAX_USER_TAGS} tags (AWS allows 50 per resource and the stack adds ${STACK_TAG_COUNT})` });
    }
  })
  .meta({ description: "extra tags for every taggable resource" });

/** replicaRegions: known regions, each once, never the stack's own region. */
export function replicaRegionsSchema(ownRegion: string | undefined) {
  const doc = "a known AWS region name such as eu-west-1";
  return z
    .array(z.enum(AWS_REGIONS, { error: doc }), { error: "a list of AWS region names" })
    .superRefine((regions, ctx) => {
      regions.forEach((r, i) => {
        if (r === ownRegion) ctx.addIssue({ code: "custom", path: [i], input: r, message: `a region other than the stack's own (${ownRegion}); the table is already there` });
        else if (regions.indexOf(r) !== i) ctx.addIssue({ code: "custom", path: [i], input: r, message: "each region at most once" });
      });
    })
    .meta({ description: "global-table replica regions (each region reads its local replica; replication is last-writer-wins)" });
}

// ---------------------------------------------------------------------------------------------
// The state store

export const CACHE_ENGINES = ["valkey", "redis"] as const;
export const CACHE_MODES = ["serverless", "replication-group"] as const;
export type CacheEngine = (typeof CACHE_ENGINES)[number];
export type CacheMode = (typeof CACHE_MODES)[number];

export const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8,17}$/;
export const SUBNET_ID_PATTERN = /^subnet-[0-9a-f]{8,17}$/;
export const SECURITY_GROUP_ID_PATTERN = /^sg-[0-9a-f]{8,17}$/;
export const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/[A-Za-z0-9/_-]+$/;
export const KMS_KEY_ARN_DOC = "a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)";
export const STACK_NAME_PATTERN = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/;
export const NODE_TYPE_PATTERN = /^cache\.[a-z0-9]+\.[a-z0-9]+$/;
/** An ElastiCache AUTH token: 16-128 printable ASCII characters other than space, " / @. */
export const AUTH_TOKEN_PATTERN = /^[!#-.0-?A-~]{16,128}$/;
export const AUTH_TOKEN_DOC = '16 to 128 printable ASCII characters without spaces, ", / or @';
export const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A string matching `pattern`; every failure reads `doc`. */
export function matching(pattern: RegExp, doc: string) {
  return z.string({ error: doc }).regex(pattern, { error: doc }).meta({ description: doc });
}
const bool = (doc: string) => z.boolean({ error: "true, false" }).meta({ description: doc });
const KNOWN = "a known option";

export const kmsKeyArnSchema = matching(KMS_KEY_ARN_PATTERN, KMS_KEY_ARN_DOC);
export const numCacheClustersSchema = numberIn(1, 6, true, "replication-group only: primary + replicas (default 2, for Multi-AZ failover)");
export const storeTimeoutMsSchema = numberIn(
  STORE_TIMEOUT_RANGE.min,
  STORE_TIMEOUT_RANGE.max,
  true,
  "state store request timeout in the Lambdas (STORE_TIMEOUT_MS), ms",
);
/** A store component's storeTimeoutMs argument. */
export const storeTimeoutArgs = z.object({ storeTimeoutMs: storeTimeoutMsSchema.default(STORE_TIMEOUT_DEFAULT_MS) });
export const existingEndpointsSecurityGroupIdSchema = matching(
  SECURITY_GROUP_ID_PATTERN,
  "the security group id (sg-0123456789abcdef0) of the VPC's existing interface endpoints for secretsmanager (and lambda, ssm as used), with private DNS",
);

/** `dynamodb`: the table's options. */
export function dynamoDbOptionsSchema(ownRegion?: string) {
  const shape = {
    deletionProtection: bool("refuse DeleteTable").default(false),
    kmsKeyArn: kmsKeyArnSchema.optional(),
    replicaRegions: replicaRegionsSchema(ownRegion).default(() => []),
    pointInTimeRecovery: bool("point-in-time recovery").default(true),
  };
  return strictObject(shape, KNOWN, `an object with ${Object.keys(shape).join(", ")}`).superRefine((d, ctx) => {
      if (d.kmsKeyArn && d.replicaRegions.length > 0)
        ctx.addIssue({
          code: "custom",
          path: ["kmsKeyArn"],
          input: d.kmsKeyArn,
          message: "not set together with replicaRegions (each replica would need a key in its own region; a global table uses the AWS-owned key)",
        });
    });
}
export type DynamoDbConfig = z.output<ReturnType<typeof dynamoDbOptionsSchema>>;

const elastiCacheShape = {
  mode: oneOf(CACHE_MODES, "serverless, or a replication group of nodeType nodes").default("serverless"),
  engine: oneOf(CACHE_ENGINES, "the cache engine").default("valkey"),
  vpcId: matching(VPC_ID_PATTERN, "a VPC id (vpc-0123456789abcdef0)").optional(),
  subnetIds: z
    .array(matching(SUBNET_ID_PATTERN, "a subnet id (subnet-0123456789abcdef0)"), { error: "a list of subnet ids (subnet-0123456789abcdef0)" })
    .min(1, { error: "at least one private subnet id (two or more in different AZs recommended)" })
    .optional(),
  networkStack: matching(STACK_NAME_PATTERN, "a stack name (<org>/<project>/<stack>) whose outputs include vpcId and privateSubnetIds").optional(),
  nodeType: matching(NODE_TYPE_PATTERN, "an ElastiCache node type such as cache.t4g.small").optional(),
  numCacheClusters: numCacheClustersSchema.optional(),
  kmsKeyArn: kmsKeyArnSchema.optional(),
  deletionProtection: bool("Pulumi protect on the cache and its secret").default(false),
  existingEndpointsSecurityGroupId: existingEndpointsSecurityGroupIdSchema.optional(),
};
/** `elasticache`: the cache's options (their cross-field rules: cacheNetworkProblems, cacheModeProblems). */
export const elastiCacheOptionsSchema = strictObject(
  elastiCacheShape,
  KNOWN,
  "an object with engine, mode, and vpcId + subnetIds or networkStack",
);
export type ElastiCacheConfig = z.output<typeof elastiCacheOptionsSchema>;

/** One problem found by a cross-field rule, relative to the object checked. */
export interface Problem {
  path: PropertyKey[];
  input: unknown;
  message: string;
  /** Shown as the value instead of `input` (a secret, or "set but ..."). */
  shown?: string;
}

/** Where the cache lives: vpcId + subnetIds, or networkStack (a stack reference), never both. */
export function cacheNetworkProblems(e: Pick<ElastiCacheConfig, "vpcId" | "subnetIds" | "networkStack">): Problem[] {
  const direct = e.vpcId !== undefined || e.subnetIds !== undefined;
  if (direct && e.networkStack !== undefined)
    return [{ path: ["networkStack"], input: e.networkStack, message: "not set together with vpcId/subnetIds (give either vpcId + subnetIds, or networkStack)" }];
  if (!direct && e.networkStack === undefined)
    return [{ path: ["vpcId"], input: undefined, message: "vpcId + subnetIds, or networkStack (a stack with outputs vpcId and privateSubnetIds)" }];
  if (direct && (e.vpcId === undefined || e.subnetIds === undefined))
    return [{ path: [e.vpcId === undefined ? "vpcId" : "subnetIds"], input: undefined, message: "vpcId and subnetIds together" }];
  return [];
}

/** nodeType and numCacheClusters size a replication group; a serverless cache has neither. */
export function cacheModeProblems(e: Pick<ElastiCacheConfig, "mode" | "nodeType" | "numCacheClusters">): Problem[] {
  if (e.mode !== "serverless") return [];
  return (["nodeType", "numCacheClusters"] as const)
    .filter((k) => e[k] !== undefined)
    .map((k) => ({ path: [k], input: e[k], message: "only with mode replication-group" }));
}

// ---------------------------------------------------------------------------------------------
// One breaker

export const FALLBACK_MODES = ["builtin", "none", "user"] as const;
export type FallbackMode = (typeof FALLBACK_MODES)[number];
export const LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** CloudWatch Logs retention values. */
export const RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
export const RETENTION_DOC = `one of ${RETENTION_DAYS.join(", ")}`;
export const retentionDaysSchema = z.literal(RETENTION_DAYS, { error: RETENTION_DOC }).meta({ description: "CloudWatch Logs retention, days" });
export const DEFAULT_LOGGING = Object.freeze({ level: "ERROR" as LogLevel, includeExecutionData: false, retentionDays: 30 });
export const DEFAULT_HEALTH_PROBE_SCHEDULE = "rate(1 minute)";

/** A Lambda function ARN (optionally with a version or alias). */
export const LAMBDA_ARN_PATTERN = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9_$-]{1,128})?$/;
export const LAMBDA_ARN_DOC = "a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])";

export const SCHEDULE_DOC = "rate(<n> minute[s]) or rate(<n> hour[s]) with an interval from 1 minute to 60 minutes";

/**
 * The health-probe interval in minutes, or null when the expression is not an allowed rate.
 * Only rate() between 1 and 60 minutes: the ManualStateActive alarm's period follows it.
 */
export function scheduleIntervalMinutes(expr: string): number | null {
  const m = /^rate\((\d+) (minute|minutes|hour|hours)\)$/.exec(expr);
  if (!m) return null;
  const n = Number(m[1]);
  const singular = m[2] === "minute" || m[2] === "hour";
  if (n < 1 || singular !== (n === 1)) return null;
  const minutes = m[2].startsWith("hour") ? n * 60 : n;
  return minutes <= 60 ? minutes : null;
}

/** A value known only at deploy time (a Pulumi Output): accepted as given, checked by AWS. */
export type IsDeferred = (value: unknown) => boolean;

function lambdaArn(isDeferred?: IsDeferred) {
  if (!isDeferred) return matching(LAMBDA_ARN_PATTERN, LAMBDA_ARN_DOC);
  return z.custom<string>((v) => isDeferred(v) || (typeof v === "string" && LAMBDA_ARN_PATTERN.test(v)), { error: LAMBDA_ARN_DOC });
}

function sub<Shape extends z.ZodRawShape>(shape: Shape) {
  const o = strictObject(shape, KNOWN, `an object with ${Object.keys(shape).join(", ")}`);
  return o.default(() => o.parse({}) as never);
}

const demoObject = strictObject(
  {
    failureRate: numberIn(0, 1, false, "share of calls that fail").default(DEFAULT_DEMO_CONFIG.failureRate),
    latencyMs: numberIn(0, 900_000, true, "latency added to every call, ms").default(DEFAULT_DEMO_CONFIG.latencyMs),
    errorName: errorNameSchema.default(DEFAULT_DEMO_CONFIG.errorName),
  },
  KNOWN,
  "true, or an object with failureRate, latencyMs, errorName",
);

export type DemoConfigOut = z.output<typeof demoObject>;
/** The demo downstream's options as a CircuitBreaker takes them (true = the defaults). */
export type DemoDownstreamOptions = z.input<typeof demoObject>;

/**
 * One breaker's options (stack config `breakers[i]`, or a CircuitBreaker's arguments with `isDeferred` for
 * Outputs), with the rules between them. Rules that need the stack (alarms, store): breakerContextProblems.
 */
export function breakerSchema(isDeferred?: IsDeferred) {
  const arn = lambdaArn(isDeferred);
  const shape = {
    name: breakerNameSchema,
    targetArn: arn.optional(),
    demoDownstream: z
      .union([z.boolean(), demoObject], { error: "true, or an object with failureRate, latencyMs, errorName" })
      .optional()
      .meta({ description: "deploy the demo downstream as the target (dev stacks and demos)" }),
    fallback: oneOf(FALLBACK_MODES, "what callers get when the call is not made or fails").default("builtin"),
    userFallbackArn: arn.optional(),
    settings: settingsSchema,
    settingsParameter: sub({
      enabled: bool("an SSM parameter of setting overrides applied without a redeploy").default(false),
      refreshSeconds: numberIn(SETTINGS_REFRESH_SECONDS.min, SETTINGS_REFRESH_SECONDS.max, true, "how often the Lambdas re-read it").default(
        SETTINGS_REFRESH_SECONDS.default,
      ),
    }),
    healthProbe: sub({
      enabled: bool("probe the target when an open circuit is due, without traffic").default(true),
      schedule: z
        .string({ error: SCHEDULE_DOC })
        .refine((s) => scheduleIntervalMinutes(s) !== null, { error: SCHEDULE_DOC })
        .default(DEFAULT_HEALTH_PROBE_SCHEDULE)
        .meta({ description: SCHEDULE_DOC }),
      request: z
        .record(z.string(), z.unknown(), { error: "an object (the request the probe sends to the target)" })
        .default(() => ({}))
        .meta({ description: "the request the probe sends to the target" }),
    }),
    logging: sub({
      level: oneOf(LOG_LEVELS, "the state machine's log level").default(DEFAULT_LOGGING.level),
      includeExecutionData: bool("log execution data (inputs and outputs)").default(DEFAULT_LOGGING.includeExecutionData),
      retentionDays: retentionDaysSchema.optional(),
    }),
    tracing: bool("X-Ray on the state machine and the Lambdas").default(false),
  };
  return strictObject(shape, KNOWN, `an object with ${Object.keys(shape).join(", ")}`)
    .superRefine((b, ctx) => {
      const demoGiven = b.demoDownstream !== undefined && b.demoDownstream !== false;
      if (b.targetArn !== undefined && demoGiven)
        ctx.addIssue({
          code: "custom",
          path: ["demoDownstream"],
          input: b.demoDownstream,
          params: { asWritten: true },
          message: "not set together with targetArn (give exactly one target)",
        });
      else if (b.targetArn === undefined && !demoGiven)
        ctx.addIssue({ code: "custom", path: ["targetArn"], input: undefined, message: `${LAMBDA_ARN_DOC}, or demoDownstream: true` });
      if (b.fallback === "user" && b.userFallbackArn === undefined)
        ctx.addIssue({ code: "custom", path: ["userFallbackArn"], input: undefined, message: `${LAMBDA_ARN_DOC} (required with fallback user)` });
      else if (b.fallback !== "user" && b.userFallbackArn !== undefined)
        ctx.addIssue({
          code: "custom",
          path: ["userFallbackArn"],
          input: b.userFallbackArn,
          message: `only with fallback user (fallback is ${JSON.stringify(b.fallback)})`,
        });
    })
    .transform(({ demoDownstream, healthProbe, ...b }) => {
      const minutes = scheduleIntervalMinutes(healthProbe.schedule) as number;
      return {
        ...b,
        ...(demoDownstream === true ? { demoDownstream: demoObject.parse({}) } : demoDownstream ? { demoDownstream } : {}),
        healthProbe: { ...healthProbe, intervalMinutes: healthProbe.enabled ? minutes : null },
      };
    });
}
/** One breaker as parsed, before the stack's defaults (log retention) are filled in. */
export type ParsedBreaker = z.output<ReturnType<typeof breakerSchema>>;
/** One configured breaker, checked and completed. */
export type BreakerConfig = Omit<ParsedBreaker, "logging"> & { logging: Required<ParsedBreaker["logging"]> };

export interface BreakerContext {
  /** The ManualStateActive alarm's limit: a health probe must run at least this often. */
  manualStateMaxMinutes: number;
  store: StoreContext;
}

/** The rules between a breaker and its stack (alarms, store), AWS's limits included; paths relative to the breaker. */
export function breakerContextProblems(b: ParsedBreaker, c: BreakerContext): Problem[] {
  const out: Problem[] = [];
  const hp = b.healthProbe;
  if (hp.enabled && (hp.intervalMinutes as number) > c.manualStateMaxMinutes)
    out.push({
      path: ["healthProbe", "schedule"],
      input: hp.schedule,
      message: `an interval of at most alarms.manualStateMaxMinutes (${c.manualStateMaxMinutes} minutes), which the ManualStateActive alarm is measured in`,
    });
  for (const p of breakerLimitProblems(b, c)) out.push({ path: p.path, input: p.value, message: p.allowed });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The whole stack config

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
/** Keys whose value is a YAML object or list (the Pulumi engine passes them to the program as JSON). */
export const STRUCTURED_KEYS: readonly ConfigKey[] = ["dynamodb", "elasticache", "breakers", "alarms", "tags"];

export const BREAKERS_DOC = "a list of at least one breaker ({name, targetArn | demoDownstream, ...})";
export const REDIS_AUTH_TOKEN_DOC = `an AUTH token of 16 to 128 printable characters without spaces, ", / or @, set with \`pulumi config set --secret redisAuthToken <token>\``;

/** The shape of the config values, in the order problems are reported. */
function configShape(ownRegion: string | undefined) {
  return {
    stateStore: oneOf(STORE_SERVICES, "where breaker state lives").default("dynamodb"),
    dynamodb: dynamoDbOptionsSchema(ownRegion).optional(),
    elasticache: elastiCacheOptionsSchema.optional(),
    /** Plain text here: the program wraps it with pulumi.secret() at once; its rules are in the superRefine (never echoed). */
    redisAuthToken: z.string().optional().meta({ description: REDIS_AUTH_TOKEN_DOC }),
    alarms: alarmThresholdsSchema.meta({ description: "alarm thresholds (docs/operations.md)" }),
    logRetentionDays: retentionDaysSchema.default(DEFAULT_LOGGING.retentionDays),
    storeTimeoutMs: storeTimeoutMsSchema.default(STORE_TIMEOUT_DEFAULT_MS),
    alarmEmail: matching(EMAIL_PATTERN, "an email address").optional(),
    tags: tagsSchema.default(() => ({})),
    breakers: z
      .array(breakerSchema(), { error: BREAKERS_DOC })
      .min(1, { error: BREAKERS_DOC })
      .superRefine((list, ctx) => {
        list.forEach((b, i) => {
          const dup = list.findIndex((x) => x.name === b.name);
          if (dup < i)
            ctx.addIssue({
              code: "custom",
              path: [i, "name"],
              input: b.name,
              message: `a name no other breaker has (breakers[${dup}] is also ${JSON.stringify(b.name)})`,
            });
        });
      }),
  };
}

function addProblem(ctx: z.core.$RefinementCtx, p: Problem, prefix: PropertyKey[] = []): void {
  ctx.addIssue({ code: "custom", path: [...prefix, ...p.path], input: p.input, message: p.message, ...(p.shown ? { params: { shown: p.shown } } : {}) });
}

export interface StackConfigContext {
  /** aws:region, when set: a replica region may not be the stack's own. */
  ownRegion?: string;
  /** Whether a key was set as a secret (`pulumi config set --secret`); unknown -> not checked. */
  isSecret?: (key: ConfigKey) => boolean;
}

/**
 * The stack config: the values of the `circuit-breaker:*` keys (objects and lists already parsed from JSON).
 * Unknown keys are refused; every rule between keys is in the superRefine.
 */
export function stackConfigSchema(c: StackConfigContext = {}) {
  const shape = configShape(c.ownRegion);
  const keys = Object.keys(shape) as ConfigKey[];
  const ns = (k: string) => `${CONFIG_NAMESPACE}:${k}`;
  return z
    .object(shape, {
      error: (iss) =>
        iss.code === "unrecognized_keys" ? `is not a known setting; allowed: ${CONFIG_KEYS.map(ns).join(", ")}` : "an object of stack settings",
    })
    .strict()
    .superRefine((s, ctx) => {
      // The rules between keys read completed values: only once every key is valid on its own.
      if (ctx.issues.length > 0) return;
      const other = s.stateStore === "dynamodb" ? "elasticache" : "dynamodb";
      if (s[other] !== undefined)
        addProblem(ctx, {
          path: [other],
          input: s[other],
          shown: `set but ${ns("stateStore")} is ${JSON.stringify(s.stateStore)}`,
          message: `${other} options only with stateStore ${other}`,
        });
      if (s.stateStore === "elasticache") {
        if (s.elasticache === undefined)
          addProblem(ctx, {
            path: ["elasticache"],
            input: undefined,
            message: "an object with engine, mode, and vpcId + subnetIds or networkStack (required with stateStore elasticache)",
          });
        else for (const p of [...cacheNetworkProblems(s.elasticache), ...cacheModeProblems(s.elasticache)]) addProblem(ctx, p, ["elasticache"]);
      }
      // The AUTH token: required with elasticache, a secret, never echoed in an error.
      const token = s.redisAuthToken;
      if (s.stateStore === "elasticache") {
        if (token === undefined || token === "") addProblem(ctx, { path: ["redisAuthToken"], input: undefined, message: REDIS_AUTH_TOKEN_DOC });
        else if (c.isSecret && !c.isSecret("redisAuthToken"))
          addProblem(ctx, {
            path: ["redisAuthToken"],
            input: token,
            shown: "set in plain text",
            message: "a secret, set with `pulumi config set --secret redisAuthToken <token>`",
          });
        else if (!AUTH_TOKEN_PATTERN.test(token))
          addProblem(ctx, { path: ["redisAuthToken"], input: token, shown: `[secret, ${token.length} characters]`, message: AUTH_TOKEN_DOC });
      } else if (token !== undefined)
        addProblem(ctx, {
          path: ["redisAuthToken"],
          input: token,
          shown: `set but ${ns("stateStore")} is "dynamodb"`,
          message: "only with stateStore elasticache (remove it with `pulumi config rm redisAuthToken`)",
        });
      const context: BreakerContext = {
        manualStateMaxMinutes: s.alarms.manualStateMaxMinutes,
        store: { service: s.stateStore, timeoutMs: s.storeTimeoutMs },
      };
      let storeTimeoutReported = false;
      s.breakers.forEach((b, i) => {
        for (const p of breakerContextProblems(b, context)) {
          // storeTimeoutMs is the stack's: reported once, at its own key.
          if (p.path[0] === "store") {
            if (!storeTimeoutReported) addProblem(ctx, { ...p, path: ["storeTimeoutMs"] });
            storeTimeoutReported = true;
          } else addProblem(ctx, p, ["breakers", i]);
        }
      });
    })
    .transform(({ dynamodb, elasticache, ...s }) => ({
      ...s,
      ...(s.stateStore === "dynamodb" ? { dynamodb: dynamodb ?? dynamoDbOptionsSchema(c.ownRegion).parse({}) } : {}),
      ...(s.stateStore === "elasticache" && elasticache ? { elasticache } : {}),
      breakers: s.breakers.map(
        (b): BreakerConfig => ({ ...b, logging: { ...b.logging, retentionDays: b.logging.retentionDays ?? s.logRetentionDays } }),
      ),
    }))
    .meta({ title: "circuit-breaker stack settings", description: `keys: ${keys.join(", ")}` });
}
export type StackConfig = z.output<ReturnType<typeof stackConfigSchema>>;

/**
 * Pulumi.<stack>.yaml as a whole, for editors (schema/stack-config.schema.json): the `config:` map with the
 * `circuit-breaker:*` keys as above, any other namespace's keys (aws:region, ...) left free, and the secret
 * AUTH token in its encrypted form ({secure: ...}).
 */
export function stackFileSchema() {
  const shape = configShape(undefined) as Record<string, z.ZodType>;
  const config: Record<string, z.ZodType> = {};
  for (const k of CONFIG_KEYS) {
    config[`${CONFIG_NAMESPACE}:${k}`] =
      k === "redisAuthToken"
        ? z.strictObject({ secure: z.string() }).optional().meta({ description: REDIS_AUTH_TOKEN_DOC })
        : (shape[k] as z.ZodType).optional();
  }
  return z
    .object({ config: z.object(config).catchall(z.unknown()).optional() })
    .catchall(z.unknown())
    .meta({ description: "Pulumi.<stack>.yaml of the circuit-breaker project (docs/settings.md)" });
}
