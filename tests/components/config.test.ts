// Stack configuration: the committed stack files load; every invalid case gives its documented error (naming
// the key, the value and what is allowed), all problems at once, and the program stops before creating anything.

import { strict as assert } from "node:assert";
import { ConfigError, LoadConfigOptions, loadStackConfig, StackConfig } from "../../components/config";
import { DEFAULT_ENTRY, runProgramUnderMocks, stackFileConfig } from "../support/run-under-mocks";
import { AUTH_TOKEN } from "./scenarios";
import { SETTING_NAMES } from "../../core/schema/settings";

const NS = "circuit-breaker";
type Raw = Record<string, string>;

function stackFile(stack: "dev" | "prod"): Raw {
  return stackFileConfig(DEFAULT_ENTRY, stack, NS).config;
}
const dev = () => stackFile("dev");
const prod = (): Raw => ({ ...stackFile("prod"), [`${NS}:redisAuthToken`]: AUTH_TOKEN });
const secret: LoadConfigOptions = { isSecret: (k: string): boolean => k === `${NS}:redisAuthToken` };

function problemsOf(all: Raw, opts: LoadConfigOptions = secret): string[] {
  try {
    loadStackConfig(all, opts);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

/** `base` with the first breaker changed by `patch`. */
function breaker(base: Raw, patch: (b: Record<string, any>) => void): Raw {
  const list = JSON.parse(base[`${NS}:breakers`]) as Record<string, any>[];
  patch(list[0]);
  return { ...base, [`${NS}:breakers`]: JSON.stringify(list) };
}
const set = (base: Raw, key: string, value: unknown): Raw => ({
  ...base,
  [`${NS}:${key}`]: typeof value === "string" ? value : JSON.stringify(value),
});
const unset = (base: Raw, key: string): Raw => {
  const out = { ...base };
  delete out[`${NS}:${key}`];
  return out;
};

const B0 = `${NS}:breakers[0]`;
const TOKEN_RULE =
  'an AUTH token of 16 to 128 printable characters without spaces, ", / or @, set with `pulumi config set --secret redisAuthToken <token>`';

/** [case, config, the exact problems, secret check]: the documented error of every invalid case (keys: components/config.ts). */
const INVALID: [string, () => Raw, string[], LoadConfigOptions?][] = [
  [
    "a Pulumi project name over Pulumi's 100 characters (it takes part in names sized for 100)",
    dev,
    [
      `the Pulumi project name is "${"p".repeat(101)}" (101 characters); allowed: 1 to 100 letters, digits, _ . or - (Pulumi's rule; breaker resource names are sized for it)`,
    ],
    { project: "p".repeat(101), stack: "s".repeat(100) },
  ],
  [
    "a stack name with a character Pulumi refuses",
    dev,
    [
      `the Pulumi stack name is "a/b" (3 characters); allowed: 1 to 100 letters, digits, _ . or - (Pulumi's rule; breaker resource names are sized for it)`,
    ],
    { project: "circuit-breaker", stack: "a/b" },
  ],
  [
    "a setting out of range",
    () => breaker(dev(), (b) => (b.settings.failureThreshold = 0)),
    [`${B0}.settings.failureThreshold is 0; allowed: an integer from 1 to 10000`],
  ],
  [
    "an unknown setting",
    () => breaker(dev(), (b) => (b.settings.failureTreshold = 3)),
    [`${B0}.settings.failureTreshold is not a breaker setting; allowed: ${SETTING_NAMES.join(", ")}`],
  ],
  [
    "an unknown trip rule",
    () => breaker(dev(), (b) => (b.settings.tripRule = "percent")),
    [`${B0}.settings.tripRule is "percent"; allowed: consecutive, window, rate`],
  ],
  ["an unknown store kind", () => set(dev(), "stateStore", "mysql"), [`${NS}:stateStore is "mysql"; allowed: dynamodb, elasticache`]],
  [
    "an unknown top-level key",
    () => set(dev(), "alarmMail", "a@b.c"),
    [
      `${NS}:alarmMail is not a known setting; allowed: ${["stateStore", "dynamodb", "elasticache", "redisAuthToken", "breakers", "alarmEmail", "alarms", "logRetentionDays", "storeTimeoutMs", "tags"].map((k) => `${NS}:${k}`).join(", ")}`,
    ],
  ],
  [
    "no breakers",
    () => unset(dev(), "breakers"),
    [`${NS}:breakers is not set; allowed: a list of at least one breaker ({name, targetArn | demoDownstream, ...})`],
  ],
  [
    "an empty breaker list",
    () => set(dev(), "breakers", []),
    [`${NS}:breakers is []; allowed: a list of at least one breaker ({name, targetArn | demoDownstream, ...})`],
  ],
  [
    "a value that is not JSON",
    () => set(dev(), "breakers", "[{name: demo"),
    [
      `${NS}:breakers is "[{name: demo"; allowed: a YAML object or list in the stack file (passed to the program as JSON)`,
      `${NS}:breakers is not set; allowed: a list of at least one breaker ({name, targetArn | demoDownstream, ...})`,
    ],
  ],
  [
    "a breaker without a name",
    () => breaker(dev(), (b) => delete b.name),
    [`${B0}.name is not set; allowed: a breaker name: 1 to 32 letters, digits, _ or -, starting with a letter or digit`],
  ],
  [
    "an invalid breaker name",
    () => breaker(dev(), (b) => (b.name = "orders/eu")),
    [`${B0}.name is "orders/eu"; allowed: a breaker name: 1 to 32 letters, digits, _ or -, starting with a letter or digit`],
  ],
  [
    "an unknown breaker option",
    () => breaker(dev(), (b) => (b.timeout = 3)),
    [
      `${B0}.timeout is not a known option; allowed: name, targetArn, demoDownstream, fallback, userFallbackArn, settings, settingsParameter, healthProbe, logging, tracing`,
    ],
  ],
  [
    "both targetArn and demoDownstream",
    () => breaker(dev(), (b) => (b.targetArn = "arn:aws:lambda:us-east-1:123456789012:function:x")),
    [`${B0}.demoDownstream is {"failureRate":0,"latencyMs":50}; allowed: not set together with targetArn (give exactly one target)`],
  ],
  [
    "neither targetArn nor demoDownstream",
    () => breaker(dev(), (b) => delete b.demoDownstream),
    [
      `${B0}.targetArn is not set; allowed: a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>]), or demoDownstream: true`,
    ],
  ],
  [
    "a target that is not a Lambda ARN",
    () =>
      breaker(dev(), (b) => {
        delete b.demoDownstream;
        b.targetArn = "arn:aws:states:us-east-1:123456789012:stateMachine:x";
      }),
    [
      `${B0}.targetArn is "arn:aws:states:us-east-1:123456789012:stateMachine:x"; allowed: a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])`,
    ],
  ],
  [
    "a demo failure rate above 1",
    () => breaker(dev(), (b) => (b.demoDownstream.failureRate = 1.5)),
    [`${B0}.demoDownstream.failureRate is 1.5; allowed: a number from 0 to 1`],
  ],
  ["an unknown fallback", () => breaker(dev(), (b) => (b.fallback = "cache")), [`${B0}.fallback is "cache"; allowed: builtin, none, user`]],
  [
    "fallback user without its Lambda",
    () => breaker(dev(), (b) => (b.fallback = "user")),
    [
      `${B0}.userFallbackArn is not set; allowed: a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>]) (required with fallback user)`,
    ],
  ],
  [
    "a user fallback Lambda without fallback user",
    () => breaker(dev(), (b) => (b.userFallbackArn = "arn:aws:lambda:us-east-1:123456789012:function:fb")),
    [
      `${B0}.userFallbackArn is "arn:aws:lambda:us-east-1:123456789012:function:fb"; allowed: only with fallback user (fallback is "builtin")`,
    ],
  ],
  [
    "a health-probe cron schedule",
    () => breaker(dev(), (b) => (b.healthProbe.schedule = "cron(0 * * * ? *)")),
    [
      `${B0}.healthProbe.schedule is "cron(0 * * * ? *)"; allowed: rate(<n> minute[s]) or rate(<n> hour[s]) with an interval from 1 minute to 60 minutes`,
    ],
  ],
  [
    "a health-probe rate with the wrong plural",
    () => breaker(dev(), (b) => (b.healthProbe.schedule = "rate(1 minutes)")),
    [
      `${B0}.healthProbe.schedule is "rate(1 minutes)"; allowed: rate(<n> minute[s]) or rate(<n> hour[s]) with an interval from 1 minute to 60 minutes`,
    ],
  ],
  [
    "a health probe slower than the manual-state alarm",
    () =>
      set(
        breaker(dev(), (b) => (b.healthProbe.schedule = "rate(30 minutes)")),
        "alarms",
        { manualStateMaxMinutes: 15 },
      ),
    [
      `${B0}.healthProbe.schedule is "rate(30 minutes)"; allowed: an interval of at most alarms.manualStateMaxMinutes (15 minutes), which the ManualStateActive alarm is measured in`,
    ],
  ],
  [
    "an unknown log level",
    () => breaker(dev(), (b) => (b.logging.level = "DEBUG")),
    [`${B0}.logging.level is "DEBUG"; allowed: ALL, ERROR, FATAL, OFF`],
  ],
  [
    "includeExecutionData that is not a boolean",
    () => breaker(dev(), (b) => (b.logging.includeExecutionData = "yes")),
    [`${B0}.logging.includeExecutionData is "yes"; allowed: true, false`],
  ],
  [
    "a settings refresh below 5 s",
    () => breaker(dev(), (b) => (b.settingsParameter.refreshSeconds = 1)),
    [`${B0}.settingsParameter.refreshSeconds is 1; allowed: an integer from 5 to 3600`],
  ],
  [
    "two breakers with one name",
    () => set(dev(), "breakers", [...JSON.parse(dev()[`${NS}:breakers`]), { name: "demo", demoDownstream: true }]),
    [`${NS}:breakers[1].name is "demo"; allowed: a name no other breaker has (breakers[0] is also "demo")`],
  ],
  [
    "a log retention CloudWatch does not offer",
    () => set(dev(), "logRetentionDays", 31),
    [
      `${NS}:logRetentionDays is 31; allowed: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`,
    ],
  ],
  [
    "a store timeout below 50 ms",
    () => set(dev(), "storeTimeoutMs", 10),
    [`${NS}:storeTimeoutMs is 10; allowed: an integer from 50 to 30000`],
  ],
  [
    "an alarm ratio above 1",
    () => set(dev(), "alarms", { failureRate: 2 }),
    [`${NS}:alarms.failureRate is 2; allowed: a number from 0.01 to 1`],
  ],
  [
    "an alarm period that is not whole minutes",
    () => set(dev(), "alarms", { periodSeconds: 90 }),
    [`${NS}:alarms.periodSeconds is 90; allowed: an integer from 60 to 3600 that is a multiple of 60`],
  ],
  [
    "alarms evaluated over more than a day",
    () => set(dev(), "alarms", { periodSeconds: 3600, evaluationPeriods: 30 }),
    [
      `${NS}:alarms.evaluationPeriods is 30; allowed: period × evaluationPeriods ≤ 86400 s (CloudWatch evaluates at most one day): 3600 s × 30 = 108000 s; at most 24 periods of 3600 s`,
    ],
  ],
  // issue 14: Object.prototype names and numeric strings (was "a number from undefined to undefined")
  [
    "constructor as an alarm threshold",
    () => set(dev(), "alarms", JSON.parse('{"constructor":1}')),
    [
      `${NS}:alarms.constructor is not an alarm threshold; allowed: periodSeconds, evaluationPeriods, failureRate, rejectedCalls, storeErrors, executionsFailed, executionsTimedOut, manualStateMaxMinutes`,
    ],
  ],
  [
    "a numeric string as an alarm threshold",
    () => set(dev(), "alarms", { rejectedCalls: "5" }),
    [`${NS}:alarms.rejectedCalls is "5"; allowed: an integer from 1 to 1000000`],
  ],
  [
    "toString as a breaker setting",
    () => breaker(dev(), (b) => (b.settings = { toString: 1 })),
    [`${NS}:breakers[0].settings.toString is not a breaker setting; allowed: ${SETTING_NAMES.join(", ")}`],
  ],
  [
    "a numeric string as a breaker setting",
    () => breaker(dev(), (b) => (b.settings = { failureThreshold: "7" })),
    [`${NS}:breakers[0].settings.failureThreshold is "7"; allowed: an integer from 1 to 10000`],
  ],
  [
    "a breaker name one over the AWS-derived limit",
    () => breaker(dev(), (b) => (b.name = "b".repeat(33))),
    [
      `${NS}:breakers[0].name is "${"b".repeat(33)}"; allowed: a breaker name: 1 to 32 letters, digits, _ or -, starting with a letter or digit`,
    ],
  ],
  [
    "an unknown alarm threshold",
    () => set(dev(), "alarms", { openedCircuits: 1 }),
    [
      `${NS}:alarms.openedCircuits is not an alarm threshold; allowed: periodSeconds, evaluationPeriods, failureRate, rejectedCalls, storeErrors, executionsFailed, executionsTimedOut, manualStateMaxMinutes`,
    ],
  ],
  [
    "an alarm email that is not an address",
    () => set(dev(), "alarmEmail", "oncall"),
    [`${NS}:alarmEmail is "oncall"; allowed: an email address`],
  ],
  [
    "a tag key in the aws: namespace",
    () => set(dev(), "tags", { "aws:team": "x" }),
    [
      `${NS}:tags["aws:team"] is "aws:team"; allowed: a tag key of 1 to 128 characters (letters, digits, spaces, _ . : / = + - @), not starting with aws: in any case`,
    ],
  ],
  // issue 14: tags and replica regions a strict schema refuses
  [
    "a tag key in the AWS: namespace (any case)",
    () => set(dev(), "tags", { "AWS:team": "x" }),
    [
      `${NS}:tags["AWS:team"] is "AWS:team"; allowed: a tag key of 1 to 128 characters (letters, digits, spaces, _ . : / = + - @), not starting with aws: in any case`,
    ],
  ],
  [
    "a tag key with a newline",
    () => set(dev(), "tags", { "team\nx": "x" }),
    [
      `${NS}:tags["team\\nx"] is "team\\nx"; allowed: a tag key of 1 to 128 characters (letters, digits, spaces, _ . : / = + - @), not starting with aws: in any case`,
    ],
  ],
  [
    "a tag value with a tab",
    () => set(dev(), "tags", { team: "a\tb" }),
    [`${NS}:tags.team is "a\\tb"; allowed: a string of up to 256 characters (letters, digits, spaces, _ . : / = + - @)`],
  ],
  [
    "a user tag reusing the stack's role tag",
    () => set(dev(), "tags", { "circuitbreaker:role": "x" }),
    [
      `${NS}:tags["circuitbreaker:role"] is "circuitbreaker:role"; allowed: a key other than circuitbreaker:role, circuitbreaker:handler, breaker (the stack sets these itself; the policy pack reads them)`,
    ],
  ],
  [
    "a user tag reusing the breaker tag",
    () => set(dev(), "tags", { breaker: "x" }),
    [
      `${NS}:tags.breaker is "breaker"; allowed: a key other than circuitbreaker:role, circuitbreaker:handler, breaker (the stack sets these itself; the policy pack reads them)`,
    ],
  ],
  [
    "more tags than AWS allows with the stack's own",
    () => set(dev(), "tags", Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`t${i}`, "v"]))),
    [`${NS}:tags is "46 tags"; allowed: at most 45 tags (AWS allows 50 per resource and the stack adds 5)`],
  ],
  [
    "the stack's own region as a replica",
    () => set({ ...dev(), "aws:region": "eu-west-1" }, "dynamodb", { replicaRegions: ["eu-west-1"] }),
    [
      `${NS}:dynamodb.replicaRegions[0] is "eu-west-1"; allowed: a region other than the stack's own (eu-west-1); the table is already there`,
    ],
  ],
  [
    "a replica region that does not exist",
    () => set(dev(), "dynamodb", { replicaRegions: ["eu-west-9"] }),
    [`${NS}:dynamodb.replicaRegions[0] is "eu-west-9"; allowed: a known AWS region name such as eu-west-1`],
  ],
  [
    "a tag value that is not a string",
    () => set(dev(), "tags", { team: 7 }),
    [`${NS}:tags.team is 7; allowed: a string of up to 256 characters (letters, digits, spaces, _ . : / = + - @)`],
  ],
  [
    "a customer key with replicas",
    () => set(dev(), "dynamodb", { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/abc", replicaRegions: ["eu-west-1"] }),
    [
      `${NS}:dynamodb.kmsKeyArn is "arn:aws:kms:us-east-1:123456789012:key/abc"; allowed: not set together with replicaRegions (each replica would need a key in its own region; a global table uses the AWS-owned key)`,
    ],
  ],
  [
    "a replica region that is not a region",
    () => set(dev(), "dynamodb", { replicaRegions: ["europe"] }),
    [`${NS}:dynamodb.replicaRegions[0] is "europe"; allowed: a known AWS region name such as eu-west-1`],
  ],
  [
    "a KMS key that is not an ARN",
    () => set(dev(), "dynamodb", { kmsKeyArn: "alias/breaker" }),
    [`${NS}:dynamodb.kmsKeyArn is "alias/breaker"; allowed: a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)`],
  ],
  [
    "elasticache options with the DynamoDB store",
    () => set(dev(), "elasticache", { engine: "valkey" }),
    [`${NS}:elasticache is set but ${NS}:stateStore is "dynamodb"; allowed: elasticache options only with stateStore elasticache`],
  ],
  [
    "an AUTH token with the DynamoDB store",
    () => set(dev(), "redisAuthToken", AUTH_TOKEN),
    [
      `${NS}:redisAuthToken is set but ${NS}:stateStore is "dynamodb"; allowed: only with stateStore elasticache (remove it with \`pulumi config rm redisAuthToken\`)`,
    ],
  ],
  [
    "elasticache without its options",
    () => unset(prod(), "elasticache"),
    [
      `${NS}:elasticache is not set; allowed: an object with engine, mode, and vpcId + subnetIds or networkStack (required with stateStore elasticache)`,
    ],
  ],
  ["elasticache without an AUTH token", () => unset(prod(), "redisAuthToken"), [`${NS}:redisAuthToken is not set; allowed: ${TOKEN_RULE}`]],
  [
    "an AUTH token set in plain text",
    () => prod(),
    [`${NS}:redisAuthToken is set in plain text; allowed: a secret, set with \`pulumi config set --secret redisAuthToken <token>\``],
    { isSecret: () => false },
  ],
  [
    "an AUTH token that is too short (its value is never echoed)",
    () => set(prod(), "redisAuthToken", "short"),
    [`${NS}:redisAuthToken is [secret, 5 characters]; allowed: 16 to 128 printable ASCII characters without spaces, ", / or @`],
  ],
  [
    "DynamoDB options with the ElastiCache store",
    () => set(prod(), "dynamodb", { deletionProtection: true }),
    [`${NS}:dynamodb is set but ${NS}:stateStore is "elasticache"; allowed: dynamodb options only with stateStore dynamodb`],
  ],
  [
    "both vpcId/subnetIds and networkStack",
    () => set(prod(), "elasticache", { ...JSON.parse(prod()[`${NS}:elasticache`]), networkStack: "acme/network/prod" }),
    [
      `${NS}:elasticache.networkStack is "acme/network/prod"; allowed: not set together with vpcId/subnetIds (give either vpcId + subnetIds, or networkStack)`,
    ],
  ],
  [
    "neither vpcId/subnetIds nor networkStack",
    () => set(prod(), "elasticache", { engine: "valkey" }),
    [`${NS}:elasticache.vpcId is not set; allowed: vpcId + subnetIds, or networkStack (a stack with outputs vpcId and privateSubnetIds)`],
  ],
  [
    "a vpcId without subnetIds",
    () => set(prod(), "elasticache", { vpcId: "vpc-0123456789abcdef0" }),
    [`${NS}:elasticache.subnetIds is not set; allowed: vpcId and subnetIds together`],
  ],
  [
    "a subnet id that is not one",
    () => set(prod(), "elasticache", { vpcId: "vpc-0123456789abcdef0", subnetIds: ["10.0.1.0/24"] }),
    [`${NS}:elasticache.subnetIds[0] is "10.0.1.0/24"; allowed: a subnet id (subnet-0123456789abcdef0)`],
  ],
  [
    "an unknown cache engine and mode",
    () => set(prod(), "elasticache", { ...JSON.parse(prod()[`${NS}:elasticache`]), engine: "memcached", mode: "cluster" }),
    [
      `${NS}:elasticache.mode is "cluster"; allowed: serverless, replication-group`,
      `${NS}:elasticache.engine is "memcached"; allowed: valkey, redis`,
    ],
  ],
  [
    "a node type with serverless",
    () => set(prod(), "elasticache", { ...JSON.parse(prod()[`${NS}:elasticache`]), nodeType: "cache.t4g.small" }),
    [`${NS}:elasticache.nodeType is "cache.t4g.small"; allowed: only with mode replication-group`],
  ],
];

describe("infra: stack configuration", function () {
  this.timeout(120_000);

  it("loads Pulumi.dev.yaml: DynamoDB, one demo breaker with the built-in fallback and a health probe", () => {
    const c: StackConfig = loadStackConfig(dev());
    assert.equal(c.stateStore, "dynamodb");
    assert.deepEqual(c.dynamodb, { deletionProtection: false, replicaRegions: [], pointInTimeRecovery: true });
    assert.equal(c.breakers.length, 1);
    const b = c.breakers[0];
    assert.equal(b.name, "demo");
    assert.deepEqual(b.demoDownstream, { failureRate: 0, latencyMs: 50, errorName: "ServiceUnavailable" });
    assert.equal(b.targetArn, undefined);
    assert.equal(b.fallback, "builtin");
    assert.deepEqual(b.healthProbe, { enabled: true, schedule: "rate(1 minute)", intervalMinutes: 1, request: {} });
    assert.deepEqual(b.logging, { level: "ERROR", includeExecutionData: false, retentionDays: 14 });
    assert.equal(b.settings.failureThreshold, 5);
    assert.equal(b.settings.timeoutSeconds, 5);
  });

  it("loads Pulumi.prod.yaml (with the secret token): Valkey serverless, deletion protection, tighter alarms, a target in the stack's account", () => {
    const c = loadStackConfig(prod(), secret);
    assert.equal(c.stateStore, "elasticache");
    assert.deepEqual(c.elasticache, {
      engine: "valkey",
      mode: "serverless",
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"],
      deletionProtection: true,
    });
    assert.equal(c.redisAuthToken, AUTH_TOKEN);
    assert.equal(c.breakers[0].targetArn, "arn:aws:lambda:eu-west-1:123456789012:function:payments-api");
    assert.equal(c.alarms.failureRate, 0.2);
    assert.ok(c.alarms.rejectedCalls < loadStackConfig(dev()).alarms.rejectedCalls);
    assert.equal(c.alarmEmail, "oncall@example.com");
    assert.equal(c.breakers[0].settings.tripRule, "rate");
  });

  it("defaults: stateStore dynamodb, builtin fallback, ERROR logging without execution data, 30-day retention, a health probe every minute", () => {
    const c = loadStackConfig({ [`${NS}:breakers`]: JSON.stringify([{ name: "a", demoDownstream: true }]) });
    assert.equal(c.stateStore, "dynamodb");
    const b = c.breakers[0];
    assert.equal(b.fallback, "builtin");
    assert.deepEqual(b.logging, { level: "ERROR", includeExecutionData: false, retentionDays: 30 });
    // On by default: it finds recovery without traffic (it calls the target only when an OPEN circuit is due) and
    // reports ManualStateActive, so a forced state that outlives manualStateMaxMinutes alarms on every stack.
    assert.deepEqual(b.healthProbe, { enabled: true, schedule: "rate(1 minute)", intervalMinutes: 1, request: {} });
    assert.equal(b.tracing, false);
    assert.equal(b.settingsParameter.enabled, false);
    assert.equal(c.storeTimeoutMs, 1000);
  });

  it("ignores other namespaces (aws:region) and accepts the network from a stack reference", () => {
    const c = loadStackConfig(
      {
        ...set(prod(), "elasticache", {
          networkStack: "acme/network/prod",
          engine: "redis",
          mode: "replication-group",
          nodeType: "cache.r7g.large",
        }),
        "aws:region": "eu-west-1",
      },
      secret,
    );
    assert.deepEqual(c.elasticache, {
      engine: "redis",
      mode: "replication-group",
      networkStack: "acme/network/prod",
      nodeType: "cache.r7g.large",
      deletionProtection: false,
    });
  });

  for (const [name, config, expected, opts] of INVALID) {
    it(`rejects ${name}`, () => {
      assert.deepEqual(problemsOf(config(), opts ?? secret), expected);
    });
  }

  it("reports every problem at once, one per line", () => {
    const bad = set(
      breaker(dev(), (b) => {
        b.settings.failureThreshold = 0;
        b.fallback = "cache";
      }),
      "logRetentionDays",
      2,
    );
    let err: unknown;
    try {
      loadStackConfig(bad);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof ConfigError);
    assert.equal((err as ConfigError).problems.length, 3);
    assert.equal(
      (err as ConfigError).message,
      [
        "invalid stack configuration (3 problems):",
        `  ${NS}:logRetentionDays is 2; allowed: one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`,
        `  ${B0}.fallback is "cache"; allowed: builtin, none, user`,
        `  ${B0}.settings.failureThreshold is 0; allowed: an integer from 1 to 10000`,
      ].join("\n"),
    );
  });

  describe("the program", () => {
    it("stops before creating any resource when the config is invalid", async () => {
      const r = await runProgramUnderMocks({
        stack: "dev",
        config: { breakers: JSON.parse(breaker(dev(), (b) => (b.settings.failureThreshold = 0))[`${NS}:breakers`]) },
      });
      assert.equal(
        r.error,
        `invalid stack configuration (1 problem):\n  ${B0}.settings.failureThreshold is 0; allowed: an integer from 1 to 10000`,
      );
      assert.deepEqual(
        r.resources.map((x) => x.type),
        ["pulumi:pulumi:Stack"],
      );
    });

    it('names the missing stack file for a stack without Pulumi.<stack>.yaml (not "breakers is not set")', async () => {
      const r = await runProgramUnderMocks({ stack: "qa" }).then(
        (x) => x.error ?? x.errors.join("\n"),
        (e: Error) => e.message,
      );
      assert.match(
        r,
        /stack qa: .*Pulumi\.qa\.yaml does not exist; allowed: a stack with a stack file \(Pulumi\.dev\.yaml, Pulumi\.prod\.yaml\)/,
      );
    });

    it("refuses Pulumi.prod.yaml until the AUTH token is set with --secret", async () => {
      const r = await runProgramUnderMocks({ stack: "prod" });
      assert.equal(r.error, `invalid stack configuration (1 problem):\n  ${NS}:redisAuthToken is not set; allowed: ${TOKEN_RULE}`);
      assert.deepEqual(
        r.resources.map((x) => x.type),
        ["pulumi:pulumi:Stack"],
      );
    });
  });
});
