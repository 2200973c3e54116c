// The components' own argument checks (for programs that use them directly, without the stack config) and
// the IAM document helpers every role is built with.

import { strict as assert } from "node:assert";
import * as pulumi from "@pulumi/pulumi";
import { loadAlarmThresholds } from "../../components/alarm-settings";
import { scheduleIntervalMinutes } from "../../core/schema/stack-config";
import { CircuitBreakerArgs, resolveBreakerOptions } from "../../components/circuit-breaker";
import { MAX_BREAKER_NAME_LENGTH } from "../../core/schema/names";
import { HandlerPlane, lambdaTimeoutSeconds } from "../../components/handler-plane";
import { checkDynamoDbStoreArgs } from "../../components/dynamodb-state-store";
import { checkElastiCacheStoreArgs } from "../../components/elasticache-state-store";
import { CircuitStateStore } from "../../components/state-store";
import { checkStatement, policyJson, statementsFromPermissions, trustPolicyJson, wildcardStatement } from "../../components/iam";

const store = { service: "dynamodb", storeTimeoutMs: 1000 } as unknown as CircuitStateStore;
const TARGET = "arn:aws:lambda:us-east-1:123456789012:function:orders";
const handlers = { functionArns: pulumi.output({}) } as unknown as HandlerPlane;
const args = (extra: Partial<CircuitBreakerArgs>): CircuitBreakerArgs => ({ store, handlers, targetArn: TARGET, ...extra });

describe("infra: component arguments", () => {
  describe("state store components", () => {
    const D = "DynamoDbStateStore\\(s\\)";
    const E = "ElastiCacheStateStore\\(s\\)";
    const TOKEN = "x".repeat(20);
    const net = { vpcId: "vpc-0123456789abcdef0", subnetIds: ["subnet-0123456789abcdef0"] };
    it("DynamoDB: defaults as the stack config's", () =>
      assert.deepEqual(checkDynamoDbStoreArgs("s", {}), {
        deletionProtection: false,
        replicaRegions: [],
        pointInTimeRecovery: true,
        storeTimeoutMs: 1000,
      }));
    it("ElastiCache: defaults as the stack config's; Inputs known at deploy time are AWS's to check", () => {
      const o = checkElastiCacheStoreArgs("s", {
        vpcId: pulumi.output("vpc-x"),
        subnetIds: pulumi.output(["s"]),
        authToken: pulumi.secret(TOKEN),
      });
      assert.equal(o.engine, "valkey");
      assert.equal(o.mode, "serverless");
      assert.deepEqual(o.interfaceEndpoints, []);
    });
    const dynamo: [string, Parameters<typeof checkDynamoDbStoreArgs>[1], RegExp][] = [
      [
        "a KMS key with replicas",
        { kmsKeyArn: "arn:aws:kms:us-east-1:123456789012:key/x", replicaRegions: ["eu-west-1"] },
        new RegExp(`^${D}.kmsKeyArn is "arn:aws:kms:us-east-1:123456789012:key/x"; allowed: not set together with replicaRegions`),
      ],
      [
        "a region that is not one",
        { replicaRegions: ["europe"] },
        new RegExp(`^${D}.replicaRegions\\[0\\] is "europe"; allowed: a known AWS region`),
      ],
      ["a timeout out of range", { storeTimeoutMs: 5 }, new RegExp(`^${D}.storeTimeoutMs is 5; allowed: an integer from 50 to 30000$`)],
    ];
    for (const [name, a, message] of dynamo)
      it(`DynamoDB: rejects ${name}`, () =>
        assert.throws(
          () => checkDynamoDbStoreArgs("DynamoDbStateStore(s)", a),
          (e: Error) => message.test(e.message),
        ));
    const cache: [string, Parameters<typeof checkElastiCacheStoreArgs>[1], RegExp][] = [
      [
        "an unknown engine",
        { ...net, authToken: TOKEN, engine: "memcached" as never },
        new RegExp(`^${E}.engine is "memcached"; allowed: valkey, redis$`),
      ],
      ["no token", { ...net, authToken: "" }, new RegExp(`^${E}.authToken is not set; allowed: an AUTH token \\(required\\)$`)],
      [
        "a bad token (never echoed)",
        { ...net, authToken: "has space in it 123" },
        new RegExp(`^${E}.authToken is \\[secret, 19 characters\\]; allowed: 16 to 128`),
      ],
      [
        "nodeType with serverless",
        { ...net, authToken: TOKEN, nodeType: "cache.t4g.small" },
        new RegExp(`^${E}.nodeType is "cache.t4g.small"; allowed: only with mode replication-group$`),
      ],
      [
        "a bad security group",
        { ...net, authToken: TOKEN, existingEndpointsSecurityGroupId: "default" },
        new RegExp(`^${E}.existingEndpointsSecurityGroupId is "default"`),
      ],
      [
        "an unknown endpoint service",
        { ...net, authToken: TOKEN, interfaceEndpoints: ["s3" as never] },
        new RegExp(`^${E}.interfaceEndpoints\\[0\\] is "s3"; allowed: secretsmanager, lambda, ssm$`),
      ],
      [
        "a timeout out of range",
        { ...net, authToken: TOKEN, storeTimeoutMs: 5 },
        new RegExp(`^${E}.storeTimeoutMs is 5; allowed: an integer from 50 to 30000$`),
      ],
    ];
    for (const [name, a, message] of cache)
      it(`ElastiCache: rejects ${name}`, () =>
        assert.throws(
          () => checkElastiCacheStoreArgs("ElastiCacheStateStore(s)", a),
          (e: Error) => message.test(e.message),
        ));
  });

  describe("CircuitBreaker", () => {
    it("completes the defaults", () => {
      const o = resolveBreakerOptions("orders", args({}));
      assert.equal(o.breakerName, "orders");
      assert.equal(o.fallback, "builtin");
      assert.deepEqual(o.logging, { level: "ERROR", includeExecutionData: false, retentionDays: 30 });
      assert.deepEqual(o.healthProbe, { enabled: true, schedule: "rate(1 minute)", intervalMinutes: 1, request: {} });
      assert.equal(o.tracing, false);
      assert.equal(o.settings.failureThreshold, 5);
    });
    const W = "^Error: CircuitBreaker\\(orders\\)";
    const cases: [string, Partial<CircuitBreakerArgs>, RegExp][] = [
      ["neither target", { targetArn: undefined }, new RegExp(`${W}.targetArn is not set; allowed: a Lambda function ARN .*`)],
      [
        "a target that is not a Lambda ARN",
        { targetArn: "orders" },
        new RegExp(`${W}.targetArn is "orders"; allowed: a Lambda function ARN`),
      ],
      [
        "fallback user without its ARN",
        { fallback: "user" },
        new RegExp(`${W}.userFallbackArn is not set; allowed: .*\\(required with fallback user\\)$`),
      ],
      [
        "a user fallback ARN without fallback user",
        { userFallbackArn: TARGET },
        new RegExp(`${W}.userFallbackArn is "${TARGET}"; allowed: only with fallback user \\(fallback is "builtin"\\)$`),
      ],
      [
        "an invalid setting",
        { settings: { halfOpenProbes: 0 } },
        new RegExp(`${W}.settings.halfOpenProbes is 0; allowed: an integer from 1 to 100$`),
      ],
      [
        "an invalid schedule",
        { healthProbe: { enabled: true, schedule: "rate(2 days)" } },
        new RegExp(`${W}.healthProbe.schedule is "rate\\(2 days\\)"; allowed: rate`),
      ],
      [
        "an invalid log level",
        { logging: { level: "DEBUG" as never } },
        new RegExp(`${W}.logging.level is "DEBUG"; allowed: ALL, ERROR, FATAL, OFF$`),
      ],
      ["an invalid retention", { logging: { retentionDays: 10 } }, new RegExp(`${W}.logging.retentionDays is 10; allowed: one of 1, 3, 5`)],
      [
        "topicArn with email",
        { alarms: { topicArn: "arn:aws:sns:us-east-1:123456789012:t", email: "a@b.c" } },
        new RegExp(`${W}.alarms.email is "a@b.c"; allowed: not set together with alarms.topicArn`),
      ],
      [
        "an invalid alarm threshold",
        { alarms: { thresholds: { storeErrors: 0 } } },
        new RegExp(`${W}.alarms.thresholds.storeErrors is 0; allowed: an integer from 1 to 1000000$`),
      ],
      ["an invalid breaker name", { breakerName: "a b" }, new RegExp(`${W}.name is "a b"; allowed: a breaker name: 1 to 32 letters`)],
      ["no store", { store: undefined as never }, new RegExp(`${W}.store is not set; allowed: a CircuitStateStore$`)],
      [
        "an invalid settings refresh",
        { settingsParameter: { enabled: true, refreshSeconds: 0 } },
        new RegExp(`${W}.settingsParameter.refreshSeconds is 0; allowed: an integer from 5 to 3600$`),
      ],
    ];
    for (const [name, extra, message] of cases)
      it(`rejects ${name}`, () => assert.throws(() => resolveBreakerOptions("orders", args(extra)), message));

    it("holds a component name that differs from breakerName to the breaker-name rule (it prefixes the children's names)", () => {
      const long = "c".repeat(MAX_BREAKER_NAME_LENGTH + 1);
      assert.throws(
        () => resolveBreakerOptions(long, args({ breakerName: "orders" })),
        new RegExp(
          `CircuitBreaker\\(${long}\\): the component name is "${long}"; allowed: a breaker name: 1 to ${MAX_BREAKER_NAME_LENGTH} letters`,
        ),
      );
      assert.equal(resolveBreakerOptions("c".repeat(MAX_BREAKER_NAME_LENGTH), args({ breakerName: "orders" })).breakerName, "orders");
    });

    it("lists every problem at once, in the stack config's words", () => {
      assert.throws(
        () => resolveBreakerOptions("orders", args({ fallback: "cache" as never, logging: { level: "DEBUG" as never } })),
        (e: Error) =>
          e.message ===
          'CircuitBreaker(orders).fallback is "cache"; allowed: builtin, none, user\nCircuitBreaker(orders).logging.level is "DEBUG"; allowed: ALL, ERROR, FATAL, OFF',
      );
    });

    it("accepts ARNs known only at deploy time (Outputs) as given", () => {
      const o = resolveBreakerOptions("orders", args({ targetArn: pulumi.output("not checked until deploy") }));
      assert.ok(pulumi.Output.isInstance(o.targetArn));
    });

    it("the plane's Lambda timeouts leave room for the store calls (no handler waits for a target)", () => {
      assert.equal(lambdaTimeoutSeconds("record-outcome", 1000), 14);
      assert.equal(lambdaTimeoutSeconds("record-outcome", 30000), 130);
      assert.equal(lambdaTimeoutSeconds("fallback", 30000), 10);
    });

    it("needs the stack's handler plane", () =>
      assert.throws(
        () => resolveBreakerOptions("orders", args({ handlers: undefined as never })),
        /CircuitBreaker\(orders\)\.handlers is not set; allowed: the stack's HandlerPlane/,
      ));

    it("health-probe intervals: rate() from 1 to 60 minutes, singular only for 1", () => {
      assert.equal(scheduleIntervalMinutes("rate(1 minute)"), 1);
      assert.equal(scheduleIntervalMinutes("rate(15 minutes)"), 15);
      assert.equal(scheduleIntervalMinutes("rate(1 hour)"), 60);
      for (const bad of [
        "rate(2 hours)",
        "rate(1 minutes)",
        "rate(5 minute)",
        "rate(0 minutes)",
        "cron(0/5 * * * ? *)",
        "rate(61 minutes)",
      ])
        assert.equal(scheduleIntervalMinutes(bad), null, bad);
    });

    it("alarm thresholds: defaults, overrides, errors naming the key", () => {
      assert.equal(loadAlarmThresholds({ failureRate: 0.1 }, "t").failureRate, 0.1);
      assert.throws(
        () => loadAlarmThresholds({ storeErrors: 0 }, "t"),
        /^Error: t.storeErrors is 0; allowed: an integer from 1 to 1000000$/,
      );
    });
  });

  describe("IAM documents", () => {
    it("refuse * and svc:* actions, * resources for scoped actions, and non-ARN resources", () => {
      const st = (Action: string[], Resource: string[]) => ({ Effect: "Allow" as const, Action, Resource });
      assert.throws(() => checkStatement(st(["*"], ["arn:aws:s3:::b"])), /IAM action "\*" is not allowed/);
      assert.throws(
        () => checkStatement(st(["dynamodb:*"], ["arn:aws:dynamodb:us-east-1:123456789012:table/t"])),
        /IAM action "dynamodb:\*" is not allowed/,
      );
      assert.throws(() => checkStatement(st(["dynamodb:Get*"], ["arn:aws:dynamodb:us-east-1:123456789012:table/t"])), /not allowed/);
      assert.throws(() => checkStatement(st(["lambda:InvokeFunction"], ["*"])), /lambda:InvokeFunction are granted on "\*"/);
      assert.throws(() => checkStatement(st(["lambda:InvokeFunction"], ["my-function"])), /is not an ARN/);
      assert.throws(() => wildcardStatement("X", ["logs:CreateLogDelivery", "s3:GetObject"]), /s3:GetObject are granted on "\*"/);
      assert.doesNotThrow(() => checkStatement(st(["logs:CreateLogDelivery", "xray:PutTraceSegments"], ["*"])));
      assert.throws(() => policyJson([]), /at least one statement/);
    });

    it("group permissions deterministically: resources with the same actions share a statement", () => {
      const perms = [
        { action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:b" },
        { action: "dynamodb:GetItem", resource: "arn:aws:dynamodb:us-east-1:123456789012:table/t" },
        { action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:a" },
        { action: "lambda:InvokeFunction", resource: "arn:aws:lambda:us-east-1:123456789012:function:a" },
      ];
      const one = statementsFromPermissions(perms, "Task");
      assert.deepEqual(one, statementsFromPermissions([...perms].reverse(), "Task"));
      assert.deepEqual(one, [
        { Sid: "Task1", Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: ["arn:aws:dynamodb:us-east-1:123456789012:table/t"] },
        {
          Sid: "Task2",
          Effect: "Allow",
          Action: ["lambda:InvokeFunction"],
          Resource: ["arn:aws:lambda:us-east-1:123456789012:function:a", "arn:aws:lambda:us-east-1:123456789012:function:b"],
        },
      ]);
    });

    it("trust one service principal, only from this account", () => {
      assert.deepEqual(JSON.parse(trustPolicyJson("states.amazonaws.com", "123456789012")).Statement, [
        {
          Effect: "Allow",
          Principal: { Service: "states.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } },
        },
      ]);
      assert.throws(() => trustPolicyJson("lambda.amazonaws.com", "12"), /not a 12-digit AWS account id/);
      const machine = "arn:aws:states:us-east-1:123456789012:stateMachine:cb";
      assert.deepEqual(JSON.parse(trustPolicyJson("states.amazonaws.com", "123456789012", machine)).Statement[0].Condition, {
        StringEquals: { "aws:SourceAccount": "123456789012" },
        ArnEquals: { "aws:SourceArn": machine },
      });
      assert.throws(
        () => trustPolicyJson("states.amazonaws.com", "123456789012", "arn:aws:states:us-east-1:123456789012:stateMachine:*"),
        /not one concrete ARN/,
      );
    });
  });
});
