// AWS's own limits (core/aws-limits.ts): the pure rules with their arithmetic, and for each rule a config that
// breaks it stopping the program (loadStackConfig, the CircuitBreaker component, the local runtime) with a
// message naming the field, the value and the limit.

import { strict as assert } from "node:assert";
import {
  ALARM_MAX_EVALUATION_SECONDS,
  bulkheadItemBytes,
  checkAlarmWindow,
  checkExecutionInput,
  checkExecutionName,
  checkHealthProbeDuration,
  formatProblem,
  checkIgnoredErrors,
  checkManualStateAlarm,
  DYNAMODB_ITEM_MAX_BYTES,
  HEALTH_PROBE_INPUT_MAX_BYTES,
  checkHealthProbeInput,
  EXECUTION_INPUT_MAX_BYTES,
  EXPRESS_MAX_DURATION_SECONDS,
  EXPRESS_MARGIN_SECONDS,
  LEASE_ID_PATTERN,
  maxBreakersPerDashboard,
  retryDelaysSeconds,
  showValue,
  targetCallSeconds,
} from "../../core/aws-limits";
import { breakerExecutionBudget, DYNAMODB_MAX_CONCURRENT_CALLS, healthProbeExecutionBudget } from "../../core/breaker-limit-checks";
import { PROBE_LOOP } from "../../core/definition/health-probe-branch";
import { CircuitBreakerArgs, resolveBreakerOptions } from "../../components/circuit-breaker";
import { CircuitStateStore } from "../../components/state-store";
import { ConfigError, loadStackConfig } from "../../components/config";
import { dashboardBody, dashboardPages, MAX_DASHBOARD_BREAKERS } from "../../components/dashboard";
import { buildDefinition, ERRORS } from "../../core/state-machine-definition";
import { loadSettings } from "../../core/settings";
import { createLocalStateMachine } from "../../local/sfn-runtime";
import { storeKeyPolicyStatement } from "../../core/kms-key-policy";
import { validateScenario } from "../../local/scenario";
import { runProgramUnderMocks } from "../support/run-under-mocks";
import { ofType, SCENARIOS, T } from "../components/scenarios";

const NS = "circuit-breaker";
const B0 = `${NS}:breakers[0]`;
type Raw = Record<string, string>;

const base = (breaker: Record<string, unknown> = {}, extra: Raw = {}): Raw => ({
  [`${NS}:stateStore`]: "dynamodb",
  [`${NS}:breakers`]: JSON.stringify([{ name: "orders", demoDownstream: true, ...breaker }]),
  ...extra,
});

function problemsOf(all: Raw): string[] {
  try {
    loadStackConfig(all);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

const store = { service: "dynamodb", storeTimeoutMs: 1000 } as unknown as CircuitStateStore;
const args = (extra: Partial<CircuitBreakerArgs>): CircuitBreakerArgs => ({
  store,
  handlers: { functionArns: {} } as unknown as CircuitBreakerArgs["handlers"],
  targetArn: "arn:aws:lambda:us-east-1:123456789012:function:orders",
  ...extra,
});

describe("AWS limits", () => {
  describe("EXPRESS runs at most 300 s", () => {
    it("adds attempts, capped retry delays and the handlers on the longest path of the real definition", () => {
      const s = loadSettings({
        timeoutSeconds: 10,
        retryAttempts: 3,
        retryIntervalSeconds: 2,
        retryBackoffRate: 3,
        retryMaxDelaySeconds: 10,
      });
      assert.deepEqual(retryDelaysSeconds(s), [2, 6, 10]);
      assert.equal(targetCallSeconds(s), 4 * 10 + 18);
      const b = breakerExecutionBudget({ name: "orders", settings: s, fallback: "builtin" }, { service: "dynamodb", timeoutMs: 1000 });
      // The breaker-aware retry loop: ReadState (direct GetItem, 2 s), four attempts (10 s each) with three waits
      // (their caps, 18 s), each failed attempt recorded (8 s), the state read before each retry (2 s), the fallback (8 s).
      assert.deepEqual(b.tasks, [
        "ReadState",
        "CallTargetNew",
        "RecordFailedAttempt1",
        "ReadStateForRetry1",
        "CallTargetRetry1",
        "RecordFailedAttempt2",
        "ReadStateForRetry2",
        "CallTargetRetry2",
        "RecordFailedAttempt3",
        "ReadStateForRetry3",
        "CallTargetRetry3",
        "RecordFailedAttempt4",
        "FallbackTargetFailed",
      ]);
      assert.equal(b.seconds, 58 + 2 + 4 * 8 + 3 * 2 + 8);
      assert.equal(b.targetSeconds, 58);
    });
    it("counts the bulkhead's and the user fallback's handlers when they are on", () => {
      const s = loadSettings({ maxConcurrentCalls: 5 });
      const plain = breakerExecutionBudget(
        { name: "a", settings: loadSettings({}), fallback: "builtin" },
        { service: "elasticache", timeoutMs: 1000 },
      );
      const full = breakerExecutionBudget({ name: "a", settings: s, fallback: "user" }, { service: "elasticache", timeoutMs: 1000 });
      assert.equal(full.handlerTasks - plain.handlerTasks, 3);
      assert.ok(full.tasks.includes("AcquireSlotForCallTargetNew") && full.tasks.includes("ReleaseSlotAfterFailure"));
    });
    it("stops the stack config when a hanging target would end the execution TIMED_OUT", () => {
      const problems = problemsOf(base({ settings: { timeoutSeconds: 120, retryAttempts: 2 } }));
      assert.equal(problems.length, 1);
      assert.match(
        problems[0],
        new RegExp(
          `^${B0.replace(/[[\]]/g, "\\$&")}\\.settings\\.timeoutSeconds is 120; allowed: an execution that fits Step Functions EXPRESS's 300 s with a 30 s margin \\(at most 270 s\\); at worst it takes \\(\\(retryAttempts 2 \\+ 1\\) × timeoutSeconds 120 s \\+ retry delays 3 s`,
        ),
      );
      // 363 s of target + 2 s GetItem + 3 failed attempts recorded and the fallback × 8 s + 2 reads before a retry × 2 s.
      assert.match(problems[0], /\+ 38 s for the 7 handler\/store calls on the longest path = 401 s/);
    });
    it("accepts the largest timeout that fits, and refuses the next", () => {
      const fits = (t: number) => problemsOf(base({ settings: { timeoutSeconds: t, retryAttempts: 0 } })).length === 0;
      // 270 - 2 (GetItem) - 3 handlers × 8 s = 244 s for the single attempt on the dynamodb path.
      assert.equal(fits(244), true);
      assert.equal(fits(245), false);
      assert.equal(EXPRESS_MAX_DURATION_SECONDS - EXPRESS_MARGIN_SECONDS, 270);
    });
    it("counts the store timeout in every handler call", () => {
      // Every failed attempt is recorded: 33 s of target + 2 s GetItem + 2 reads × 2 s + 4 handlers × (52 + 1 + 3) s = 263 s.
      assert.deepEqual(problemsOf(base({}, { [`${NS}:storeTimeoutMs`]: "13000" })), []);
      assert.equal(problemsOf(base({}, { [`${NS}:storeTimeoutMs`]: "15000" })).length, 1);
      const problems = problemsOf(base({ settings: { maxConcurrentCalls: 5 } }, { [`${NS}:storeTimeoutMs`]: "30000" }));
      assert.equal(problems.length, 2);
      // 33 s of target + 2 s GetItem + 2 reads × 2 s + 6 handlers × (120 + 1 + 3) s = 783 s: no target setting can fit, so the
      // problem names storeTimeoutMs (the stack's key), with the largest value that fits this breaker.
      assert.match(
        problems[0],
        /^circuit-breaker:storeTimeoutMs is 30000; allowed: a store timeout whose handler calls fit Step Functions EXPRESS's 300 s .*= 124 s\), 750 s before its target's own 33 s \(= 783 s\); at most 8500 ms for this breaker$/,
      );
      // And a health-probe run: one probe (10 s) + 3 handlers × 124 s = 382 s, even with no re-probe loop.
      assert.match(problems[1], /a health-probe run .* = 382 s\./);
      // 8500 ms: 6 × (ceil(34.0) + 1 + 3) + 3 × 2 + 33 = 267 s; one millisecond more costs another second per handler call.
      assert.deepEqual(problemsOf(base({ settings: { maxConcurrentCalls: 5 } }, { [`${NS}:storeTimeoutMs`]: "8500" })), []);
      assert.equal(problemsOf(base({ settings: { maxConcurrentCalls: 5 } }, { [`${NS}:storeTimeoutMs`]: "8501" })).length, 1);
    });
    it("names timeoutSeconds, not storeTimeoutMs, when the target's settings are what does not fit", () => {
      const problems = problemsOf(base({ settings: { timeoutSeconds: 200 } }, { [`${NS}:storeTimeoutMs`]: "5000" }));
      assert.equal(problems.length, 2);
      assert.match(problems[0], /^circuit-breaker:breakers\[0\]\.settings\.timeoutSeconds is 200; allowed: an execution that fits/);
      // The health probe's single probe does not fit either: 200 s + 3 handler calls × (20 + 1 + 3) s = 272 s.
      assert.match(
        problems[1],
        /^circuit-breaker:breakers\[0\]\.settings\.timeoutSeconds is 200; allowed: a health-probe run .* = 272 s\./,
      );
    });
    it("bounds a health-probe run: the early re-probe loop's budget, one more probe and the read that ends it", () => {
      const s = loadSettings({ timeoutSeconds: 10, retryAttempts: 3 });
      const { iteration, loopSeconds, budget } = healthProbeExecutionBudget(
        { name: "orders", settings: s, fallback: "builtin" },
        { service: "dynamodb", timeoutMs: 1000 },
      );
      // One iteration: get-status, the lease, one target call (10 s, never retried) and its record (8 s per handler).
      assert.deepEqual(iteration.tasks, ["HealthProbeReadState", "HealthProbeAcquire", "HealthProbeCall", "HealthProbeRecordSuccess"]);
      assert.equal(iteration.seconds, 10 + 3 * 8);
      // The full 55 s budget fits: 55 s of loop, then that iteration and the read that ends the loop.
      assert.deepEqual([loopSeconds, PROBE_LOOP.seconds], [55, 55]);
      assert.equal(budget.seconds, 55 + 10 + 4 * 8);
    });
    it("shrinks the loop's budget to fit a long target timeout; refuses only a single probe that cannot fit", () => {
      const at = (timeoutSeconds: number, timeoutMs = 1000) =>
        healthProbeExecutionBudget(
          { name: "orders", settings: loadSettings({ timeoutSeconds, retryAttempts: 0 }), fallback: "builtin" },
          { service: "dynamodb", timeoutMs },
        );
      // 270 - (200 s + 4 handlers x 8 s) = 38 s of loop; 13 s store timeouts: 270 - (10 + 4 x 56) = 36 s.
      assert.deepEqual([at(200).loopSeconds, at(200).budget.seconds], [38, 270]);
      assert.equal(at(10, 13000).loopSeconds, 36);
      // 244 s (the most a caller's execution fits): no loop, one probe run = 244 + 3 x 8 = 268 s.
      assert.deepEqual([at(244).loopSeconds, at(244).budget.seconds], [0, 268]);
      assert.deepEqual(problemsOf(base({ settings: { timeoutSeconds: 244, retryAttempts: 0 } })), []);
      // The built definition carries the budget; with none, a failed probe does not loop.
      const def = (loop: number) =>
        buildDefinition({
          breakerName: "orders",
          store: { kind: "redis" },
          functions: { recordOutcome: "r", acquireProbe: "a", fallback: "f", reportStoreError: "e", getStatus: "g" },
          targetArn: "t",
          fallback: "builtin",
          settings: loadSettings({}),
          healthProbe: true,
          probeLoopSeconds: loop,
        }).States;
      assert.equal(def(38).HealthProbeReadState.Parameters.Payload.loopSeconds, 38);
      assert.equal(def(0).HealthProbeAfterProbe.Type, "Pass");
      assert.equal(def(38).HealthProbeAfterProbe.Type, "Choice");
    });
    it("a single probe that cannot fit is refused, naming timeoutSeconds", () => {
      const problem = checkHealthProbeDuration(
        { seconds: 280, tasks: [], handlerTasks: 3, handlerSeconds: 24, targetSeconds: 256 },
        0,
        loadSettings({ timeoutSeconds: 256, retryAttempts: 0 }),
      );
      assert.match(
        formatProblem("b.settings", problem!),
        /^b\.settings\.timeoutSeconds is 256; allowed: a health-probe run that fits Step Functions EXPRESS's 300 s with a 30 s margin \(at most 270 s\); its early re-probe loop shrinks to fit \(0 s here\), but one probe alone takes timeoutSeconds 256 s \(no retries\) \+ 24 s for the 3 handler calls around it = 280 s/,
      );
      assert.equal(
        checkHealthProbeDuration({ seconds: 270, tasks: [], handlerTasks: 3, handlerSeconds: 24, targetSeconds: 246 }, 0, loadSettings({})),
        undefined,
      );
    });
    it("stops the CircuitBreaker component too", () => {
      assert.throws(
        () => resolveBreakerOptions("orders", args({ settings: { timeoutSeconds: 300 } })),
        /CircuitBreaker\(orders\)\.settings\.timeoutSeconds is 300; allowed: an execution that fits Step Functions EXPRESS's 300 s/,
      );
      const slowStore = { ...store, storeTimeoutMs: 30000 } as unknown as CircuitStateStore;
      assert.throws(
        () => resolveBreakerOptions("orders", args({ store: slowStore })),
        /^Error: CircuitBreaker\(orders\)\.store\.storeTimeoutMs is 30000; allowed: a store timeout whose handler calls fit .*; at most \d+ ms for this breaker\nCircuitBreaker\(orders\)\.settings\.timeoutSeconds is 10; allowed: a health-probe run/,
      );
    });
  });

  describe("reserved States.* error names", () => {
    it("refuses States.* in ignoredErrors, naming the entry", () => {
      assert.deepEqual(checkIgnoredErrors(["ClientError"]), []);
      assert.deepEqual(
        checkIgnoredErrors(["ClientError", "States.ALL"]).map((p) => p.field),
        ["ignoredErrors[1]"],
      );
      const problems = problemsOf(base({ settings: { ignoredErrors: ["ClientError", "States.Timeout"] } }));
      assert.equal(problems.length, 1);
      assert.match(
        problems[0],
        /^circuit-breaker:breakers\[0\]\.settings\.ignoredErrors\[1\] is "States\.Timeout"; allowed: an error name of the target, not one Step Functions reserves \(the "States\." prefix/,
      );
      assert.throws(
        () => resolveBreakerOptions("orders", args({ settings: { ignoredErrors: ["States.ALL"] } })),
        /settings\.ignoredErrors\[0\] is "States\.ALL"/,
      );
      assert.throws(
        () =>
          validateScenario({
            name: "s",
            breaker: { name: "s", settings: { ignoredErrors: ["States.TaskFailed"] } },
            traffic: { ratePerSecond: 1, maxConcurrency: 1 },
            phases: [{ name: "p", durationSeconds: 1, failureRate: 0 }],
          }),
        /^ScenarioError: scenario\.breaker\.settings\.ignoredErrors\[0\] is "States\.TaskFailed"; allowed: an error name of the target/,
      );
    });
    it("our own error names never use the reserved prefix", () => {
      for (const name of Object.values(ERRORS)) assert.ok(!name.startsWith("States."), name);
      const d = JSON.stringify(
        buildDefinition({
          breakerName: "a",
          store: { kind: "dynamodb", tableName: "t" },
          functions: { recordOutcome: "r", acquireProbe: "p", fallback: "f", reportStoreError: "e" },
          targetArn: "t",
          fallback: "none",
          settings: loadSettings({}),
        }),
      );
      const thrown = [...d.matchAll(/"Error":"([^"]+)"/g)].map((m) => m[1]);
      assert.ok(thrown.length > 0);
      for (const e of thrown) assert.ok(!e.startsWith("States."), e);
    });
  });

  describe("CloudWatch alarms evaluate at most one day", () => {
    it("checks period × evaluationPeriods", () => {
      assert.equal(checkAlarmWindow(3600, 24), undefined);
      assert.match(checkAlarmWindow(3600, 25)!.allowed, /3600 s × 25 = 90000 s; at most 24 periods/);
      assert.equal(ALARM_MAX_EVALUATION_SECONDS, 86400);
    });
    it("refuses a probe schedule whose ManualStateActive alarm would span more than a day", () => {
      // 1440 / 7 -> 206 periods of 420 s = 86,520 s.
      assert.equal(checkManualStateAlarm(1, 1440), undefined);
      assert.ok(checkManualStateAlarm(7, 1440));
      const problems = problemsOf(
        base(
          { healthProbe: { enabled: true, schedule: "rate(7 minutes)" } },
          { [`${NS}:alarms`]: JSON.stringify({ manualStateMaxMinutes: 1440 }) },
        ),
      );
      assert.equal(problems.length, 1);
      assert.match(
        problems[0],
        /^circuit-breaker:breakers\[0\]\.healthProbe\.schedule is "every 7 minutes"; allowed: .*= 206 periods × 420 s = 86520 s > 86400 s/,
      );
    });
    it("refuses the breaker alarms' window in the stack config", () => {
      const problems = problemsOf(base({}, { [`${NS}:alarms`]: JSON.stringify({ periodSeconds: 3600, evaluationPeriods: 25 }) }));
      assert.equal(problems.length, 1);
      assert.match(
        problems[0],
        /circuit-breaker:alarms\.evaluationPeriods is 25; allowed: period × evaluationPeriods ≤ 86400 s \(CloudWatch evaluates at most one day\): 3600 s × 25 = 90000 s; at most 24 periods of 3600 s$/,
      );
    });
  });

  describe("DynamoDB items are at most 400 KB", () => {
    it("sizes the bulkhead item as DynamoDB counts it", () => {
      const empty = bulkheadItemBytes("breaker", "a#bulkhead", "expiresAt", [], 1_700_000_001_123);
      assert.equal(empty, "breaker".length + "a#bulkhead".length + "expiresAt".length + 6 + "slots".length + 3);
      // one slot: its name, 1 byte of element overhead, and a 13-digit number (7 + 1 bytes).
      assert.equal(bulkheadItemBytes("breaker", "a#bulkhead", "expiresAt", ["abc"], 1_700_000_001_123) - empty, 3 + 1 + 8);
      assert.ok(
        DYNAMODB_MAX_CONCURRENT_CALLS > 100 &&
          bulkheadItemBytes(
            "breaker",
            `${"x".repeat(128)}#bulkhead`,
            "expiresAt",
            Array(DYNAMODB_MAX_CONCURRENT_CALLS).fill("\u{10000}".repeat(80)),
          ) < DYNAMODB_ITEM_MAX_BYTES,
      );
    });
    it("bounds maxConcurrentCalls on the DynamoDB store, not on ElastiCache", () => {
      const over = DYNAMODB_MAX_CONCURRENT_CALLS + 1;
      const problems = problemsOf(base({ settings: { maxConcurrentCalls: over } }));
      assert.equal(problems.length, 1);
      assert.match(
        problems[0],
        new RegExp(
          `^circuit-breaker:breakers\\[0\\]\\.settings\\.maxConcurrentCalls is ${over}; allowed: at most ${DYNAMODB_MAX_CONCURRENT_CALLS} with the DynamoDB store: .*400 KB|409600 bytes`,
        ),
      );
      assert.deepEqual(problemsOf(base({ settings: { maxConcurrentCalls: DYNAMODB_MAX_CONCURRENT_CALLS } })), []);
      const redis = { ...store, service: "elasticache" } as unknown as CircuitStateStore;
      assert.doesNotThrow(() => resolveBreakerOptions("orders", args({ store: redis, settings: { maxConcurrentCalls: over } })));
      assert.throws(
        () => resolveBreakerOptions("orders", args({ settings: { maxConcurrentCalls: over } })),
        /settings\.maxConcurrentCalls is \d+; allowed: at most/,
      );
    });
  });

  describe("execution names and lease ids", () => {
    it("accepts every character Step Functions allows, refuses the rest", () => {
      for (const ok of ["a+b@c=d!(e)'f", "ünïcødé", "x".repeat(80)]) assert.equal(checkExecutionName(ok), undefined, ok);
      for (const bad of ["a b", "a:b", "a/b", "a#b", "x".repeat(81), ""]) assert.ok(checkExecutionName(bad), bad);
      assert.ok(LEASE_ID_PATTERN.test("a+b@c=d!(e)'f") && LEASE_ID_PATTERN.test("probe:1:2"));
    });
    it("the local runtime refuses a name StartExecution would refuse, and an input over 256 KiB", async () => {
      const sm = createLocalStateMachine({ StartAt: "P", States: { P: { Type: "Pass", End: true } } } as never, {} as never);
      assert.equal((await sm.run({ a: 1 }, { executionName: "a+b@c=d!(e)'f" })).status, "SUCCEEDED");
      await assert.rejects(sm.run({}, { executionName: "a b" }), /StartExecution: execution\.name is "a b"; allowed: an execution name/);
      const big = { request: "x".repeat(EXECUTION_INPUT_MAX_BYTES) };
      assert.ok(checkExecutionInput(big));
      await assert.rejects(sm.run(big), /StartExecution: execution\.input is "\[262158 bytes\]"; allowed: at most 262144 bytes/);
    });
  });

  describe("Health-probe input (192 KiB) and dashboard widgets (500)", () => {
    it("refuses a health probe request whose probe input cannot fit StartExecution's input (with our margin)", () => {
      assert.equal(HEALTH_PROBE_INPUT_MAX_BYTES, 196_608);
      const wrapped = '{"healthProbe":{"request":{"ping":""}}}'.length;
      const fits = "x".repeat(HEALTH_PROBE_INPUT_MAX_BYTES - wrapped);
      assert.equal(checkHealthProbeInput({ ping: fits }), undefined);
      assert.ok(checkHealthProbeInput({ ping: fits + "x" }));
      assert.ok(checkHealthProbeInput({ ping: "é".repeat(HEALTH_PROBE_INPUT_MAX_BYTES / 2) }), "UTF-8 bytes, not characters");
      assert.deepEqual(problemsOf(base({ healthProbe: { request: { ping: "x".repeat(100_000) } } })), []);
      const problems = problemsOf(base({ healthProbe: { request: { ping: "x".repeat(200_000) } } }));
      assert.equal(problems.length, 1);
      assert.match(
        problems[0],
        /^circuit-breaker:breakers\[0\]\.healthProbe\.request is \{"ping":"x.*; allowed: a request whose probe input is at most 196608 bytes .*this one is 200039 bytes$/,
      );
      // A disabled probe has no schedule.
      assert.deepEqual(problemsOf(base({ healthProbe: { enabled: false, request: { ping: "x".repeat(200_000) } } })), []);
    });
    it("bounds each dashboard page to what CloudWatch shows, and pages the breakers beyond it", () => {
      assert.equal(maxBreakersPerDashboard(6), 83);
      assert.equal(MAX_DASHBOARD_BREAKERS, 83);
      const many = (n: number) => ({
        [`${NS}:stateStore`]: "dynamodb",
        [`${NS}:breakers`]: JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `b${i}`, demoDownstream: true }))),
      });
      assert.deepEqual(problemsOf(many(83)), []);
      // More breakers than one dashboard shows: the dashboard gets more pages (a platform stack may hold hundreds).
      assert.deepEqual(problemsOf(many(100)), []);
      assert.deepEqual(
        dashboardPages(Array.from({ length: 167 }, (_, i) => i)).map((p) => p.length),
        [83, 83, 1],
      );
      assert.equal(
        JSON.parse(
          dashboardBody(
            Array.from({ length: 83 }, (_, i) => ({ name: `b${i}`, stateMachineArn: "a" })),
            "us-east-1",
          ),
        ).widgets.length,
        498,
      );
      assert.throws(
        () =>
          dashboardBody(
            Array.from({ length: 84 }, (_, i) => ({ name: `b${i}`, stateMachineArn: "a" })),
            "us-east-1",
          ),
        /at most 83/,
      );
    });
    it("never echoes a long value whole", () => {
      assert.match(showValue("x".repeat(1000)), /\.\.\. \(1002 characters\)$/);
    });
  });

  describe("interface VPC endpoints (ElastiCache store)", function () {
    this.timeout(120_000);
    const SG = "sg-0bbbbbbbbbbbbbbb1";
    it("uses the VPC's existing endpoints: creates none, admits the Lambdas to their group on 443", async () => {
      const base = SCENARIOS.replicationGroup;
      const config = { ...base.config!, elasticache: { ...(base.config!.elasticache as object), existingEndpointsSecurityGroupId: SG } };
      const r = await runProgramUnderMocks({ ...base, config });
      assert.equal(r.error, undefined, r.errors.join("\n"));
      assert.equal(ofType(r, T.vpcEndpoint).length, 0);
      assert.equal(ofType(r, T.securityGroup).length, 2, "lambda and cache groups only");
      const toEndpoints = ofType(r, T.ingress).filter((x) => x.inputs.securityGroupId === SG);
      assert.equal(toEndpoints.length, 1);
      assert.deepEqual([toEndpoints[0].inputs.fromPort, toEndpoints[0].inputs.toPort], [443, 443]);
      assert.equal(ofType(r, T.egress).filter((x) => x.inputs.referencedSecurityGroupId === SG).length, 1);
    });
    it("refuses a value that is not a security group id", () => {
      const problems = problemsOf({
        [`${NS}:stateStore`]: "elasticache",
        [`${NS}:elasticache`]: JSON.stringify({
          vpcId: "vpc-0aaaaaaaaaaaaaaa1",
          subnetIds: ["subnet-0aaaaaaaaaaaaaaa1"],
          existingEndpointsSecurityGroupId: "default",
        }),
        [`${NS}:redisAuthToken`]: "s3cr3t-T0ken-for-tests-0123456789",
        [`${NS}:breakers`]: JSON.stringify([{ name: "orders", demoDownstream: true }]),
      });
      assert.deepEqual(problems, [
        `${NS}:elasticache.existingEndpointsSecurityGroupId is "default"; allowed: the security group id (sg-0123456789abcdef0) of the VPC's existing interface endpoints for secretsmanager (and lambda, ssm as used), with private DNS`,
      ]);
    });
  });
});

describe("customer-managed KMS key: the key-policy statement", () => {
  it("is scoped to the store's service, region and account, for the given roles only", () => {
    const st = storeKeyPolicyStatement({
      store: "dynamodb",
      region: "eu-west-1",
      account: "123456789012",
      principalArns: ["arn:aws:iam::123456789012:role/b", "arn:aws:iam::123456789012:role/a"],
    });
    assert.deepEqual(st, {
      Sid: "CircuitBreakerStoreThroughService",
      Effect: "Allow",
      Principal: { AWS: ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"] },
      Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*", "kms:DescribeKey", "kms:CreateGrant"],
      Resource: "*",
      Condition: { StringEquals: { "kms:ViaService": "dynamodb.eu-west-1.amazonaws.com", "kms:CallerAccount": "123456789012" } },
    });
    const ec = storeKeyPolicyStatement({
      store: "elasticache",
      region: "us-east-1",
      account: "123456789012",
      principalArns: ["arn:aws:iam::123456789012:role/deployer"],
    });
    assert.deepEqual(ec.Action, ["kms:CreateGrant", "kms:DescribeKey"]);
    assert.equal(
      (ec.Condition as { StringEquals: Record<string, string> }).StringEquals["kms:ViaService"],
      "elasticache.us-east-1.amazonaws.com",
    );
    assert.throws(
      () => storeKeyPolicyStatement({ store: "dynamodb", region: "eu-west-1", account: "1", principalArns: ["x"] }),
      /account is "1"; allowed: a 12-digit/,
    );
    assert.throws(
      () => storeKeyPolicyStatement({ store: "dynamodb", region: "eu-west-1", account: "123456789012", principalArns: [] }),
      /principalArns is empty/,
    );
  });
});
