// The state machine definition builder: every variant is valid ASL that aws-local-stepfunctions runs as AWS
// would (JSONPath only, no JSONata / Assign / $$.State.EnteredTime), input validation, the target call's
// Retry, the payloads every Task sends (checked by the handlers' own event validators), and the IAM grants
// derived from the definition. Routing against real stored records: tests/conformance.test.ts.

import { strict as assert } from "node:assert";
import {
  AslDefinition,
  buildDefinition,
  DefinitionOptions,
  ERRORS,
  requiredPermissions,
  RESOURCES,
  successors,
  STATE_NAMES,
  TARGET_RETRY_ERRORS,
} from "../core/state-machine-definition";
import { BreakerSettings, loadSettings, NUMBER_RULES, TRIP_RULES } from "../core/settings";
import { jitterRetry, RETRY_STATES, retryStateNames, waitRetry } from "../core/definition/retry-loop";
import { StatusView } from "../core/contracts";
import {
  validateAcquireProbeEvent,
  validateAcquireSlotEvent,
  validateFallbackEvent,
  validateGetStatusEvent,
  validateRecordOutcomeEvent,
  validateReleaseSlotEvent,
  validateStoreErrorEvent,
} from "../core/schema/handler-events";
import { createLocalStateMachine, LocalExecutionResult, LocalLambda } from "../local/sfn-runtime";

const aslValidator: (def: unknown, o?: object) => { isValid: boolean; errorsText: (s?: string) => string } = require("asl-validator");

const ARN = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
const FN = {
  recordOutcome: ARN("cb-record-outcome"),
  acquireProbe: ARN("cb-acquire-probe"),
  fallback: ARN("cb-fallback"),
  reportStoreError: ARN("cb-report-store-error"),
  getStatus: ARN("cb-get-status"),
  acquireSlot: ARN("cb-acquire-slot"),
  releaseSlot: ARN("cb-release-slot"),
};
const TARGET = ARN("payments:live");
const USER_FALLBACK = ARN("payments-fallback");
const TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/breakers";

function options(over: Omit<Partial<DefinitionOptions>, "settings"> & { settings?: Partial<BreakerSettings> } = {}): DefinitionOptions {
  const { settings, ...rest } = over;
  const fallback = rest.fallback ?? "builtin";
  return {
    breakerName: "payments",
    store: { kind: "dynamodb", tableName: "breakers" },
    functions: { ...FN },
    targetArn: TARGET,
    fallback,
    ...(fallback === "user" ? { userFallbackArn: USER_FALLBACK } : {}),
    ...rest,
    settings: loadSettings(settings ?? {}),
  };
}

/** Every combination the builder branches on. */
function variants(): { label: string; o: DefinitionOptions }[] {
  const out: { label: string; o: DefinitionOptions }[] = [];
  for (const store of [{ kind: "dynamodb", tableName: "breakers" }, { kind: "redis" }] as const)
    for (const fallback of ["builtin", "none", "user"] as const)
      for (const tripRule of TRIP_RULES)
        for (const slowCallDurationMs of [0, 2000])
          for (const ignoredErrors of [[], ["ClientError", "ValidationError"]])
            for (const maxConcurrentCalls of [0, 3])
              out.push({
                label: `${store.kind}/${fallback}/${tripRule}/slow=${slowCallDurationMs}/ignored=${ignoredErrors.length}/bulkhead=${maxConcurrentCalls}`,
                o: options({ store, fallback, settings: { tripRule, slowCallDurationMs, ignoredErrors, maxConcurrentCalls } }),
              });
  return out;
}

type AnyState = Record<string, any>;

function walk(value: unknown, visit: (key: string, v: unknown) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

describe("state machine definition: every variant", function () {
  const all = variants();

  it("is valid ASL (asl-validator, with path and ARN checks) for all 144 variants (bulkhead off and on)", function () {
    assert.equal(all.length, 144);
    for (const { label, o } of all) {
      const r = aslValidator(buildDefinition(o), { checkPaths: true, checkArn: true });
      assert.ok(r.isValid, `${label}: ${r.errorsText("\n")}`);
    }
  });

  it("uses JSONPath only: no JSONata, no Assign, no $$.State.EnteredTime, no variables", function () {
    for (const { label, o } of all) {
      const def = buildDefinition(o);
      walk(def, (k, v) => {
        assert.ok(!["QueryLanguage", "Assign", "Arguments", "Output", "Condition", "Items"].includes(k), `${label}: field ${k}`);
        if (typeof v === "string") {
          assert.ok(!v.includes("{%"), `${label}: JSONata expression ${v}`);
          assert.ok(!v.includes("EnteredTime"), `${label}: ${v}`);
          assert.ok(!/^\$[A-Za-z]/.test(v), `${label}: variable reference ${v}`);
        }
      });
    }
  });

  it("names only states listed in STATE_NAMES, and every one it names is reachable", function () {
    const known = new Set<string>([...Object.values(STATE_NAMES), ...retryStateNames(NUMBER_RULES.retryAttempts.max)]);
    for (const { label, o } of all) {
      const def = buildDefinition(o);
      for (const name of Object.keys(def.States)) assert.ok(known.has(name), `${label}: ${name}`);
    }
  });

  it("calls the target with TimeoutSeconds; only an unrecorded call keeps a Task Retry, the others retry through the loop with capped full jitter", function () {
    const o = options({
      settings: {
        ignoredErrors: ["ClientError"],
        retryAttempts: 3,
        retryIntervalSeconds: 2,
        retryBackoffRate: 1.5,
        retryMaxDelaySeconds: 7,
        timeoutSeconds: 9,
      },
    });
    const def = buildDefinition(o);
    const calls = Object.entries(def.States).filter(
      ([, s]: [string, AnyState]) => s.Type === "Task" && s.Parameters.FunctionName === TARGET,
    );
    assert.ok(calls.length >= 3 + 3);
    for (const [name, s] of calls) {
      assert.deepEqual(s.Parameters, { FunctionName: TARGET, "Payload.$": "$.request" });
      assert.equal(s.TimeoutSeconds, 9);
      assert.deepEqual(s.Catch[0].ErrorEquals, ["ClientError"]);
      assert.deepEqual(s.Catch.at(-1).ErrorEquals, ["States.ALL"]);
      if (name !== STATE_NAMES.callUnrecorded) {
        assert.equal(s.Retry, undefined, name);
        continue;
      }
      assert.deepEqual(s.Retry, [
        { ErrorEquals: ["ClientError"], MaxAttempts: 0 },
        {
          ErrorEquals: [...TARGET_RETRY_ERRORS],
          IntervalSeconds: 2,
          MaxAttempts: 3,
          BackoffRate: 1.5,
          MaxDelaySeconds: 7,
          JitterStrategy: "FULL",
        },
      ]);
    }
    // Retry r waits a whole number of seconds drawn from 0 to min(ceil(2 × 1.5^(r-1)), 7): 2, 3, 5 (end exclusive on AWS).
    for (const [r, cap] of [2, 3, 5].entries()) {
      assert.deepEqual(def.States[jitterRetry(r + 1)].Parameters, {
        "gen.$": "$.retry.gen",
        "waitSeconds.$": `States.MathRandom(0, ${cap + 1})`,
      });
      assert.deepEqual(def.States[waitRetry(r + 1)], {
        Type: "Wait",
        SecondsPath: "$.retry.waitSeconds",
        Next: `ReadStateForRetry${r + 1}`,
      });
    }
    assert.equal(jitterRetry(4) in def.States, false);
    const none = buildDefinition(options({ settings: { ignoredErrors: [] } }));
    for (const [name, s] of Object.entries(none.States).filter(([, s]: [string, AnyState]) => s.Parameters?.FunctionName === TARGET)) {
      assert.equal(s.Retry?.length ?? 0, name === STATE_NAMES.callUnrecorded ? 1 : 0, name);
      assert.equal(s.Catch.length, 1);
    }
    // Without retries there is no loop: a failure is recorded once and the call ends.
    const once = buildDefinition(options({ settings: { retryAttempts: 0 } }));
    assert.equal(RETRY_STATES.startRetries in once.States, false);
    assert.equal(once.States[STATE_NAMES.callTarget].Catch.at(-1).Next, STATE_NAMES.recordFailure);
  });

  it("gives every retrier that retries FULL jitter and MaxDelaySeconds", function () {
    for (const { label, o } of all) {
      for (const [name, s] of Object.entries(buildDefinition(o).States)) {
        for (const r of (s as AnyState).Retry ?? []) {
          if (r.MaxAttempts === 0) continue;
          assert.equal(r.JitterStrategy, "FULL", `${label}: ${name}`);
          assert.ok(typeof r.MaxDelaySeconds === "number" && r.MaxDelaySeconds >= 1, `${label}: ${name}`);
        }
      }
    }
  });

  it("reads DynamoDB directly with a consistent GetItem of only the attributes the Choice reads", function () {
    const s = buildDefinition(options()).States[STATE_NAMES.readState];
    assert.equal(s.Resource, RESOURCES.dynamodbGetItem);
    assert.deepEqual(s.Parameters, {
      TableName: "breakers",
      Key: { breaker: { S: "payments" } },
      ConsistentRead: true,
      ProjectionExpression: "#state, #gen, #until, #rs",
      ExpressionAttributeNames: { "#state": "state", "#gen": "gen", "#until": "openUntilIso", "#rs": "recordSuccess" },
    });
    const redis = buildDefinition(options({ store: { kind: "redis" } })).States[STATE_NAMES.readState];
    assert.deepEqual(redis.Parameters, { FunctionName: FN.getStatus, Payload: { breaker: "payments", settings: loadSettings({}) } });
  });

  it("rejects options it cannot build from, naming what is wrong", function () {
    assert.throws(
      () => buildDefinition(options({ store: { kind: "redis" }, functions: { ...FN, getStatus: undefined } })),
      /getStatus is missing/,
    );
    assert.throws(() => buildDefinition({ ...options({ fallback: "user" }), userFallbackArn: undefined }), /userFallbackArn is missing/);
    assert.throws(() => buildDefinition({ ...options(), userFallbackArn: USER_FALLBACK }), /set fallback "user"/);
    assert.throws(() => buildDefinition({ ...options(), breakerName: "a#b" }), /breakerName is "a#b"; allowed/);
    assert.throws(
      () => buildDefinition({ ...options(), settings: { ...options().settings, timeoutSeconds: 0.5 } }),
      /settings.timeoutSeconds is 0.5; allowed: a whole number/,
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe("state machine definition: IAM grants derived from it", function () {
  const invoke = (resource: string) => ({ action: "lambda:InvokeFunction", resource });
  const sorted = (l: { action: string; resource: string }[]) =>
    [...l].sort((a, b) => (a.action + a.resource).localeCompare(b.action + b.resource));

  it("DynamoDB store: GetItem on the table and InvokeFunction on exactly the functions its Tasks invoke", function () {
    for (const fallback of ["builtin", "none"] as const) {
      const def = buildDefinition(options({ fallback }));
      assert.deepEqual(
        requiredPermissions(def, { tableArn: TABLE_ARN }),
        sorted([
          { action: "dynamodb:GetItem", resource: TABLE_ARN },
          invoke(FN.recordOutcome),
          invoke(FN.acquireProbe),
          invoke(FN.fallback),
          invoke(FN.reportStoreError),
          invoke(TARGET),
        ]),
      );
    }
  });

  it("user fallback adds only the user fallback; the Redis store swaps GetItem for get-status", function () {
    const user = requiredPermissions(buildDefinition(options({ fallback: "user" })), { tableArn: TABLE_ARN });
    assert.ok(user.some((p) => p.action === "lambda:InvokeFunction" && p.resource === USER_FALLBACK));
    assert.equal(user.length, 7);
    const redis = requiredPermissions(buildDefinition(options({ store: { kind: "redis" } })), {});
    assert.deepEqual(
      redis,
      sorted([
        invoke(FN.getStatus),
        invoke(FN.recordOutcome),
        invoke(FN.acquireProbe),
        invoke(FN.fallback),
        invoke(FN.reportStoreError),
        invoke(TARGET),
      ]),
    );
  });

  it("matches every Task state one to one: each grant is used by a Task and each Task is covered", function () {
    for (const { label, o } of variants()) {
      const def = buildDefinition(o);
      const perms = requiredPermissions(def, { tableArn: TABLE_ARN });
      const tasks = Object.values(def.States).filter((s: AnyState) => s.Type === "Task") as AnyState[];
      const needed = new Set(
        tasks.map((t) =>
          t.Resource === RESOURCES.lambdaInvoke ? `lambda:InvokeFunction ${t.Parameters.FunctionName}` : `dynamodb:GetItem ${TABLE_ARN}`,
        ),
      );
      assert.deepEqual(new Set(perms.map((p) => `${p.action} ${p.resource}`)), needed, label);
      assert.ok(
        perms.every((p) => !p.resource.includes("*") && !p.action.includes("*")),
        label,
      );
    }
  });

  it("refuses to guess: a DynamoDB Task without a table ARN, a dynamic FunctionName, an unknown resource", function () {
    const def = buildDefinition(options());
    assert.throws(() => requiredPermissions(def, {}), /no tableArn/);
    const dynamic: AslDefinition = {
      StartAt: "A",
      States: { A: { Type: "Task", Resource: RESOURCES.lambdaInvoke, Parameters: { "FunctionName.$": "$.fn" }, End: true } },
    };
    assert.throws(() => requiredPermissions(dynamic, {}), /no literal Parameters.FunctionName/);
    const sqs: AslDefinition = {
      StartAt: "A",
      States: { A: { Type: "Task", Resource: "arn:aws:states:::sqs:sendMessage", Parameters: {}, End: true } },
    };
    assert.throws(() => requiredPermissions(sqs, {}), /no known IAM mapping/);
  });
});

// ---------------------------------------------------------------------------------------------
// Executions without a store process: the Redis variant reads state through get-status, scripted here;
// every handler event is checked by the handler's own validator, so a Parameters shape that drifts from
// contracts.ts fails.

type Script = {
  view: StatusView;
  target: () => unknown;
  probe?: { admitted: boolean; state: string; gen?: number; leaseId?: string | null };
  /** acquire-slot's answer (default: admitted), or "throw". */
  slot?: { admitted: boolean; reason: string } | "throw";
  /** release-slot / record-outcome fail. */
  release?: "throw";
  record?: "throw";
};

const thrower = (name: string) => () => {
  throw Object.assign(new Error(`${name} is broken`), { name });
};

function scripted(o: DefinitionOptions, script: Script, speed = 1000) {
  const seen: Record<string, unknown[]> = {};
  // Every handler event carries the breaker's deployed settings (the shared handler plane); a user fallback and the
  // target never do. The rest of each event is what the assertions below compare.
  const log = (name: string, e: unknown) => {
    if (name !== "target") {
      const { settings, settingsParameter, ...rest } = e as Record<string, unknown>;
      if (name === "userFallback") assert.equal(settings, undefined, "a user fallback gets the FallbackEvent only");
      else assert.deepEqual(settings, o.settings, `${name} carries the breaker's settings`);
      assert.deepEqual(settingsParameter, name === "userFallback" ? undefined : o.settingsParameter);
      e = rest;
    }
    (seen[name] ??= []).push(e);
  };
  const lambdas: Record<string, LocalLambda> = {
    [FN.getStatus]: (e) => (log("getStatus", validateGetStatusEvent(e)), script.view),
    [FN.acquireProbe]: (e) => {
      const ev = validateAcquireProbeEvent(e);
      log("acquireProbe", ev);
      const p = script.probe ?? { admitted: true, state: "HALF_OPEN" };
      return {
        admitted: p.admitted,
        gen: p.gen ?? 4,
        state: p.state,
        leaseId: p.leaseId !== undefined ? p.leaseId : p.admitted ? ev.leaseId : null,
        reason: "scripted",
      };
    },
    [FN.recordOutcome]: (e) => {
      log("recordOutcome", validateRecordOutcomeEvent(e));
      if (script.record === "throw") thrower("RecordBroken")();
      return { breaker: "payments", result: "counted", classified: "success", state: "CLOSED", transition: null };
    },
    [FN.acquireSlot]: (e) => {
      const ev = validateAcquireSlotEvent(e);
      log("acquireSlot", ev);
      const a = script.slot ?? { admitted: true, reason: "slot free" };
      if (a === "throw") return thrower("SlotBroken")();
      return { admitted: a.admitted, slotId: a.admitted ? ev.slotId : null, reason: a.reason, limit: 3, leaseMs: 60_000 };
    },
    [FN.releaseSlot]: (e) => {
      const ev = validateReleaseSlotEvent(e);
      log("releaseSlot", ev);
      if (script.release === "throw") thrower("ReleaseBroken")();
      return { breaker: ev.breaker, slotId: ev.slotId, released: true };
    },
    [FN.reportStoreError]: (e) => (log("reportStoreError", validateStoreErrorEvent(e)), { allow: o.settings.onStoreError === "allow" }),
    [FN.fallback]: (e) => {
      const ev = validateFallbackEvent(e);
      log("fallback", ev);
      return { fallback: true, breaker: ev.breaker, state: ev.state ?? "UNKNOWN", reason: ev.reason, message: "builtin" };
    },
    [USER_FALLBACK]: (e) => (log("userFallback", validateFallbackEvent(e)), { from: "user", reason: (e as { reason: string }).reason }),
    [TARGET]: (e) => (log("target", e), script.target()),
  };
  return { machine: createLocalStateMachine(buildDefinition(o), { lambdas, speed }), seen };
}

const item = (state: string, extra: Record<string, unknown> = {}): StatusView => ({
  Item: { state: { S: state }, gen: { N: "7" }, recordSuccess: { BOOL: false }, ...extra } as StatusView["Item"],
});
const fail =
  (name: string, message = "it broke") =>
  () => {
    throw Object.assign(new Error(message), { name });
  };
const ok = () => ({ answer: 42 });

describe("state machine definition: input validation", function () {
  const o = options({ store: { kind: "redis" } });

  const cases: [string, unknown, RegExp][] = [
    ["no request", { other: 1 }, /no "request" field/],
    ["an empty input", {}, /no "request" field/],
    ["input that is not an object", "hello", /no "request" field/],
    ["a null request", { request: null }, /"request" is null/],
    ["a string request", { request: "GET /" }, /string, number, boolean or array; allowed: a JSON object/],
    ["a number request", { request: 12 }, /string, number, boolean or array/],
    ["a boolean request", { request: false }, /string, number, boolean or array/],
    ["an array request", { request: [{ path: "/pay" }] }, /string, number, boolean or array/],
  ];
  for (const [what, input, cause] of cases) {
    it(`fails ${what} with InvalidInput, a cause naming what is allowed, and no Task run`, async function () {
      const { machine, seen } = scripted(o, { view: {}, target: ok });
      const r = await machine.run(input);
      assert.equal(r.status, "FAILED");
      assert.equal(r.error, ERRORS.invalidInput);
      assert.match(r.cause!, cause);
      assert.deepEqual(r.calls, []);
      assert.deepEqual(seen, {});
      assert.equal(r.states[0], STATE_NAMES.validateInput);
      assert.equal(r.states.length, 2);
    });
  }

  it("passes an object request to the target unchanged", async function () {
    const { machine, seen } = scripted(o, { view: {}, target: ok });
    const request = { path: "/pay", amount: 12.5, tags: ["a"], nested: { x: null } };
    const r = await machine.run({ request });
    assert.equal(r.status, "SUCCEEDED");
    assert.deepEqual(r.output, { breaker: "payments", fallback: false, response: { answer: 42 } });
    assert.deepEqual(seen.target, [request]);
  });
});

describe("state machine definition: what each path sends and answers", function () {
  const redis = (over: Parameters<typeof options>[0] = {}) => options({ store: { kind: "redis" }, ...over });
  const names = (r: LocalExecutionResult) => r.calls.map((c) => c.target);

  it("retries a failing target retryAttempts times, never an ignored error, and passes the ignored error through", async function () {
    const o = redis({ settings: { retryAttempts: 2, ignoredErrors: ["ClientError"] } });
    const failing = scripted(o, { view: {}, target: fail("Boom") });
    const r1 = await failing.machine.run({ request: {} });
    assert.equal(names(r1).filter((n) => n === TARGET).length, 3);
    const ignored = scripted(o, { view: {}, target: fail("ClientError", "amount must be positive") });
    const r2 = await ignored.machine.run({ request: {} });
    assert.equal(names(r2).filter((n) => n === TARGET).length, 1);
    assert.equal(r2.status, "FAILED");
    assert.equal(r2.error, "ClientError");
    assert.equal(JSON.parse(r2.cause!).errorMessage, "amount must be positive");
    assert.equal(ignored.seen.recordOutcome, undefined, "an ignored error in CLOSED is not reported");
  });

  it("at design speed a retry waits the whole seconds States.MathRandom drew (the Wait's SecondsPath), then asks the circuit", async function () {
    const o = redis({ settings: { retryAttempts: 1, retryIntervalSeconds: 1 } });
    const { machine, seen } = scripted(o, { view: item("CLOSED"), target: fail("Boom") }, 1);
    const r = await machine.run({ request: {} }, { history: true });
    const waited = (r.history as { type: string; state?: { name: string; input: { retry: { gen: string; waitSeconds: number } } } }[]).find(
      (ev) => ev.type === "StateEntered" && ev.state?.name === waitRetry(1),
    )!.state!.input.retry;
    assert.equal(waited.gen, "7");
    assert.ok(Number.isInteger(waited.waitSeconds) && waited.waitSeconds >= 0 && waited.waitSeconds <= 2, JSON.stringify(waited));
    // Retry 1 read the state again (get-status) before the second attempt; both failures were counted in generation 7.
    assert.equal((seen.getStatus as unknown[]).length, 2);
    assert.deepEqual(
      (seen.recordOutcome as { gen: number }[]).map((e) => e.gen),
      [7, 7],
    );
    assert.equal(names(r).filter((n) => n === TARGET).length, 2);
  });

  it("records a CLOSED failure with the generation read, the error, its cause and the start time", async function () {
    const { machine, seen } = scripted(redis(), { view: item("CLOSED"), target: fail("Boom") });
    const r = await machine.run({ request: {} });
    const [ev] = seen.recordOutcome as ReturnType<typeof validateRecordOutcomeEvent>[];
    assert.equal(ev.gen, 7);
    assert.equal(ev.outcome, "failure");
    assert.equal(ev.error, "Boom");
    assert.equal(JSON.parse(ev.cause!).errorType, "Boom");
    assert.ok(ev.startedAt && Math.abs(Date.parse(ev.startedAt) - r.startDate) < 1000);
    assert.equal(ev.leaseId, undefined, "not a probe: no lease");
    assert.deepEqual(r.output, {
      breaker: "payments",
      fallback: true,
      response: { fallback: true, breaker: "payments", state: "UNKNOWN", reason: "target failed", message: "builtin" },
    });
    assert.equal((seen.fallback as { error: string }[])[0].error, "Boom");
  });

  it("a failure whose cause is longer than 32768 characters is still reported (the cause truncated)", async function () {
    const { machine, seen } = scripted(redis(), { view: item("CLOSED"), target: fail("Boom", "z".repeat(40_000)) });
    const r = await machine.run({ request: {} });
    const [ev] = seen.recordOutcome as { cause: string; error: string }[];
    assert.equal(ev.error, "Boom");
    assert.equal(ev.cause.length, 32768);
    assert.match(ev.cause, /\[truncated: \d+ characters\]$/);
    assert.equal((r.output as { response: { reason: string } }).response.reason, "target failed");
  });

  it("a first failure of a breaker without an item is recorded against generation 0", async function () {
    const { machine, seen } = scripted(redis(), { view: {}, target: fail("Boom") });
    await machine.run({ request: {} });
    assert.equal((seen.recordOutcome as { gen: number }[])[0].gen, 0);
  });

  it("reports a success only when needed: recordSuccess set, or always under the rate rule / slow-call detection", async function () {
    const plain = scripted(redis(), { view: item("CLOSED"), target: ok });
    await plain.machine.run({ request: {} });
    assert.equal(plain.seen.recordOutcome, undefined);
    const flagged = scripted(redis(), { view: item("CLOSED", { recordSuccess: { BOOL: true } }), target: ok });
    const r = await flagged.machine.run({ request: {} });
    assert.deepEqual(r.output, { breaker: "payments", fallback: false, response: { answer: 42 } });
    assert.equal((flagged.seen.recordOutcome as { outcome: string; gen: number }[])[0].outcome, "success");
    for (const settings of [{ tripRule: "rate" as const }, { slowCallDurationMs: 500 }]) {
      for (const view of [{}, item("CLOSED")]) {
        const always = scripted(redis({ settings }), { view, target: ok });
        await always.machine.run({ request: {} });
        assert.equal((always.seen.recordOutcome as { gen: number }[]).length, 1, JSON.stringify(settings));
        assert.equal((always.seen.recordOutcome as { gen: number }[])[0].gen, "Item" in view ? 7 : 0);
      }
    }
  });

  it("a probe asks for a lease named after the execution and reports back with it", async function () {
    const { machine, seen } = scripted(redis(), { view: item("HALF_OPEN"), target: ok });
    const r = await machine.run({ request: {} }, { executionName: "exec-123" });
    assert.deepEqual(seen.acquireProbe, [{ breaker: "payments", leaseId: "exec-123" }]);
    const [ev] = seen.recordOutcome as { leaseId: string; gen: number; outcome: string }[];
    assert.deepEqual([ev.leaseId, ev.gen, ev.outcome], ["exec-123", 4, "success"]);
    assert.deepEqual(r.output, { breaker: "payments", fallback: false, response: { answer: 42 } });
  });

  it("a probe's ignored error releases the lease (reported with its name) and passes through", async function () {
    const { machine, seen } = scripted(redis(), { view: item("HALF_OPEN"), target: fail("ClientError") });
    const r = await machine.run({ request: {} }, { executionName: "exec-9" });
    assert.equal(r.error, "ClientError");
    const [ev] = seen.recordOutcome as { leaseId: string; error: string }[];
    assert.deepEqual([ev.leaseId, ev.error], ["exec-9", "ClientError"]);
  });

  it("rejections: the built-in fallback always runs; none ends in CircuitOpen naming the breaker; user answers with the user fallback", async function () {
    const open = item("OPEN", { openUntilIso: { S: new Date(Date.now() + 60_000).toISOString() } });
    const builtin = scripted(redis(), { view: open, target: ok });
    const r1 = await builtin.machine.run({ request: { id: 1 } });
    assert.deepEqual(r1.output, {
      breaker: "payments",
      fallback: true,
      response: { fallback: true, breaker: "payments", state: "OPEN", reason: "open", message: "builtin" },
    });
    assert.deepEqual(builtin.seen.fallback, [{ breaker: "payments", reason: "open", state: "OPEN", request: { id: 1 } }]);
    assert.equal(builtin.seen.target, undefined);

    const none = scripted(redis({ fallback: "none" }), { view: open, target: ok });
    const r2 = await none.machine.run({ request: {} });
    assert.deepEqual([r2.status, r2.error, r2.cause], ["FAILED", "CircuitOpen", "Circuit breaker 'payments' is open"]);
    assert.equal(none.seen.fallback!.length, 1);

    const user = scripted(redis({ fallback: "user" }), { view: item("FORCED_OPEN"), target: ok });
    const r3 = await user.machine.run({ request: { id: 3 } });
    assert.deepEqual(r3.output, { breaker: "payments", fallback: true, response: { from: "user", reason: "forced open" } });
    assert.deepEqual(user.seen.userFallback, user.seen.fallback);
  });

  it("a failed target with fallback none fails with TargetFailed and the target's cause, without the fallback handler", async function () {
    const { machine, seen } = scripted(redis({ fallback: "none" }), { view: item("CLOSED"), target: fail("Boom", "down") });
    const r = await machine.run({ request: {} });
    assert.equal(r.error, "TargetFailed");
    assert.equal(JSON.parse(r.cause!).errorMessage, "down");
    assert.equal(seen.fallback, undefined);
    // Every failed attempt is recorded (retryAttempts 2 by default: three attempts).
    assert.equal(seen.recordOutcome!.length, 3);
  });

  it("probe not admitted: slots taken, re-opened and forced open are rejected with their reason; closed meanwhile is served unrecorded", async function () {
    const cases: [string, string | null][] = [
      ["HALF_OPEN", "probe slots taken"],
      ["OPEN", "open"],
      ["FORCED_OPEN", "forced open"],
      ["UNKNOWN", "store error"],
      ["CLOSED", null],
      ["DISABLED", null],
    ];
    for (const [state, reason] of cases) {
      const { machine, seen } = scripted(redis(), { view: item("HALF_OPEN"), target: ok, probe: { admitted: false, state } });
      const r = await machine.run({ request: {} });
      if (reason) {
        assert.equal((seen.fallback as { reason: string }[])[0].reason, reason, state);
        assert.equal(seen.target, undefined, state);
      } else {
        assert.equal(seen.fallback, undefined, state);
        assert.equal(seen.target!.length, 1, state);
        assert.equal(r.states.at(-1), STATE_NAMES.callUnrecorded);
      }
      assert.equal(seen.recordOutcome, undefined, state);
    }
  });

  it("store errors: get-status StoreError and an unreadable item follow onStoreError", async function () {
    const allow = scripted(redis(), { view: { StoreError: { allow: true } }, target: ok });
    const r1 = await allow.machine.run({ request: {} });
    assert.deepEqual(r1.output, { breaker: "payments", fallback: false, response: { answer: 42 } });
    const reject = scripted(redis({ settings: { onStoreError: "reject" } }), { view: { StoreError: { allow: false } }, target: ok });
    const r2 = await reject.machine.run({ request: {} });
    assert.equal((r2.output as { response: { reason: string } }).response.reason, "store error");
    for (const onStoreError of ["allow", "reject"] as const) {
      const bad = scripted(redis({ settings: { onStoreError } }), { view: item("SIDEWAYS"), target: ok });
      const r = await bad.machine.run({ request: {} });
      assert.equal((bad.seen.reportStoreError as { error: string }[])[0].error, ERRORS.unreadableState);
      assert.equal(bad.seen.target?.length ?? 0, onStoreError === "allow" ? 1 : 0);
      assert.equal(r.status, "SUCCEEDED");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Bulkhead (settings.maxConcurrentCalls > 0): the graph, then executions with scripted handlers.

const BULKHEAD = {
  acquire: Object.values(STATE_NAMES).filter((n) => n.startsWith("AcquireSlotFor")) as string[],
  release: [
    STATE_NAMES.releaseSlotAfterSuccess,
    STATE_NAMES.releaseSlotAfterIgnoredError,
    STATE_NAMES.releaseSlotAfterFailure,
    RETRY_STATES.releaseSlotAfterOpen,
    RETRY_STATES.releaseSlotAfterForcedOpen,
  ] as string[],
};

/** States reachable from `from`, not entering (nor passing) the states `stop` accepts. */
function reach(def: AslDefinition, from: string[], stop: (name: string) => boolean): Set<string> {
  const seen = new Set<string>();
  const todo = from.filter((n) => !stop(n));
  while (todo.length) {
    const name = todo.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    for (const next of successors(def.States[name])) if (!stop(next)) todo.push(next);
  }
  return seen;
}

const isCall = (def: AslDefinition) => (name: string) => def.States[name]?.Parameters?.FunctionName === TARGET;
const isTerminal = (st: AnyState) => st.Type === "Succeed" || st.Type === "Fail" || st.End === true;

describe("state machine definition: bulkhead graph", function () {
  const on = variants().filter((v) => v.o.settings.maxConcurrentCalls > 0);
  const off = variants().filter((v) => v.o.settings.maxConcurrentCalls === 0);

  it("off (maxConcurrentCalls 0): exactly the definition built without the slot functions; no slot state or function in it", function () {
    assert.equal(off.length, 72);
    for (const { label, o } of off) {
      const def = buildDefinition(o);
      const { acquireSlot: _a, releaseSlot: _r, ...without } = o.functions;
      assert.equal(JSON.stringify(def), JSON.stringify(buildDefinition({ ...o, functions: without })), label);
      const text = JSON.stringify(def);
      for (const name of [...BULKHEAD.acquire, ...BULKHEAD.release, STATE_NAMES.fallbackBulkheadFull, STATE_NAMES.bulkheadFull])
        assert.ok(!(name in def.States), `${label}: ${name}`);
      assert.ok(!text.includes(FN.acquireSlot) && !text.includes(FN.releaseSlot) && !text.includes("$.slot"), label);
    }
  });

  it("on: every path to a target call passes an AcquireSlot gate first, and none passes a release before a call", function () {
    for (const { label, o } of on) {
      const def = buildDefinition(o);
      const beforeAcquire = reach(def, [def.StartAt], (n) => BULKHEAD.acquire.includes(n));
      const calls = Object.keys(def.States).filter(isCall(def));
      assert.ok(calls.length >= 4, label);
      for (const c of calls) assert.ok(!beforeAcquire.has(c), `${label}: ${c} is reachable without a slot`);
      const beforeCall = reach(def, [def.StartAt], isCall(def));
      for (const r of BULKHEAD.release) assert.ok(!beforeCall.has(r), `${label}: ${r} before any call`);
    }
  });

  it("on: from every target call, every way out (success, failure, ignored error, failed reports) passes a release", function () {
    for (const { label, o } of on) {
      const def = buildDefinition(o);
      for (const c of Object.keys(def.States).filter(isCall(def))) {
        assert.ok(!isTerminal(def.States[c]), `${label}: ${c} ends the execution`);
        const afterCall = reach(def, successors(def.States[c]), (n) => BULKHEAD.release.includes(n));
        const unreleased = [...afterCall].filter((n) => isTerminal(def.States[n]));
        assert.deepEqual(unreleased, [], `${label}: ${c} can end without a release`);
        // And a release is really on the way: the three exits are all reachable from the call states together.
        assert.ok(successors(def.States[c]).length >= 2, label);
      }
      assert.ok(STATE_NAMES.releaseSlotAfterSuccess in def.States && STATE_NAMES.releaseSlotAfterFailure in def.States, label);
      for (const r of BULKHEAD.release.filter((n) => n in def.States)) {
        const st = def.States[r];
        assert.equal(st.Parameters.FunctionName, FN.releaseSlot, label);
        assert.deepEqual(st.Parameters.Payload, { breaker: "payments", "slotId.$": "$$.Execution.Name", settings: o.settings }, label);
        // A failed release never fails the caller: it is caught and goes on to the same state.
        assert.deepEqual(st.Catch, [{ ErrorEquals: ["States.ALL"], ResultPath: "$.recorded", Next: st.Next }], `${label}: ${r}`);
        assert.equal(st.ResultPath, null, label);
      }
    }
  });

  it("on: the circuit decides first: an open, forced-open or half-open rejection and the probe lease come before any slot", function () {
    for (const { label, o } of on) {
      const def = buildDefinition(o);
      const beforeAcquire = reach(def, [def.StartAt], (n) => BULKHEAD.acquire.includes(n));
      for (const n of [
        STATE_NAMES.fallbackOpen,
        STATE_NAMES.fallbackForcedOpen,
        STATE_NAMES.fallbackProbeSlotsTaken,
        STATE_NAMES.acquireProbe,
      ])
        assert.ok(beforeAcquire.has(n), `${label}: ${n}`);
      const gates = BULKHEAD.acquire.filter((n) => n in def.States);
      assert.ok(gates.length >= 4, label);
      // A retry the circuit stops ends in the open fallback, but only after its slot is released.
      const afterAcquire = reach(def, gates, (n) => BULKHEAD.release.includes(n));
      for (const n of [
        STATE_NAMES.acquireProbe,
        STATE_NAMES.fallbackOpen,
        STATE_NAMES.fallbackForcedOpen,
        STATE_NAMES.fallbackProbeSlotsTaken,
      ])
        assert.ok(!afterAcquire.has(n), `${label}: ${n} after a slot`);
      for (const a of gates) {
        const st = def.States[a];
        const allow = o.settings.onStoreError === "allow";
        assert.equal(
          def.States[st.Catch[0].Next].Parameters?.FunctionName ?? st.Catch[0].Next,
          allow ? TARGET : STATE_NAMES.fallbackStoreError,
          `${label}: ${a}`,
        );
      }
    }
  });

  it('on: a full bulkhead ends in the built-in fallback with reason "bulkhead full"; fallback none then fails with BulkheadFull', function () {
    const none = buildDefinition(options({ fallback: "none", settings: { maxConcurrentCalls: 4 } }));
    assert.deepEqual(none.States[STATE_NAMES.fallbackBulkheadFull].Parameters.Payload, {
      breaker: "payments",
      reason: "bulkhead full",
      "request.$": "$.request",
      settings: loadSettings({ maxConcurrentCalls: 4 }),
    });
    assert.equal(none.States[STATE_NAMES.fallbackBulkheadFull].Next, STATE_NAMES.bulkheadFull);
    assert.deepEqual(none.States[STATE_NAMES.bulkheadFull], {
      Type: "Fail",
      Error: ERRORS.bulkheadFull,
      Cause: "Circuit breaker 'payments' rejected the call: its limit of 4 concurrent calls (maxConcurrentCalls) is reached",
    });
    assert.equal(ERRORS.bulkheadFull, "BulkheadFull");
  });

  it("requiredPermissions picks up acquire-slot and release-slot from the definition, and nothing else new", function () {
    const def = buildDefinition(options({ settings: { maxConcurrentCalls: 3 } }));
    const perms = requiredPermissions(def, { tableArn: TABLE_ARN }).map((p) => `${p.action} ${p.resource}`);
    const offPerms = requiredPermissions(buildDefinition(options()), { tableArn: TABLE_ARN }).map((p) => `${p.action} ${p.resource}`);
    assert.deepEqual(
      perms.filter((p) => !offPerms.includes(p)).sort(),
      [`lambda:InvokeFunction ${FN.acquireSlot}`, `lambda:InvokeFunction ${FN.releaseSlot}`].sort(),
    );
    assert.ok(offPerms.every((p) => perms.includes(p)));
  });

  it("refuses maxConcurrentCalls > 0 without the slot functions, naming the missing one", function () {
    const { acquireSlot: _a, ...noAcquire } = FN;
    const { releaseSlot: _r, ...noRelease } = FN;
    assert.throws(
      () => buildDefinition(options({ functions: noAcquire, settings: { maxConcurrentCalls: 2 } })),
      /functions.acquireSlot is missing; it is required when settings.maxConcurrentCalls > 0/,
    );
    assert.throws(
      () => buildDefinition(options({ functions: noRelease, settings: { maxConcurrentCalls: 2 } })),
      /functions.releaseSlot is missing/,
    );
    assert.throws(
      () => buildDefinition(options({ functions: { ...FN, acquireSlot: "" }, settings: { maxConcurrentCalls: 2 } })),
      /acquireSlot is ""; allowed: a Lambda function ARN or name/,
    );
    assert.doesNotThrow(() => buildDefinition(options({ functions: noAcquire, settings: { maxConcurrentCalls: 0 } })));
  });
});

describe("state machine definition: bulkhead executions (scripted handlers)", function () {
  const redis = (over: Parameters<typeof options>[0] = {}) => options({ store: { kind: "redis" }, ...over });
  const open = () => item("OPEN", { openUntilIso: { S: new Date(Date.now() + 60_000).toISOString() } });
  const countOf = (seen: Record<string, unknown[]>, name: string) => seen[name]?.length ?? 0;
  /** What the caller gets; a Lambda error's cause without its stack trace (which names the calling test line). */
  const answer = (r: LocalExecutionResult) => {
    let cause: unknown = r.cause;
    try {
      const { trace: _trace, ...rest } = JSON.parse(r.cause ?? "");
      cause = rest;
    } catch {
      // not a Lambda error payload: compared as it is
    }
    return [r.status, r.output, r.error, cause];
  };

  type Case = { name: string; script: Omit<Script, "slot" | "release">; settings?: Partial<BreakerSettings> };
  const CASES: Case[] = [
    { name: "new breaker, success", script: { view: {}, target: ok } },
    { name: "CLOSED, failure (recorded, then fallback)", script: { view: item("CLOSED"), target: fail("Boom") } },
    { name: "CLOSED, ignored error passed through", script: { view: item("CLOSED"), target: fail("ClientError") } },
    { name: "CLOSED, success reported", script: { view: item("CLOSED", { recordSuccess: { BOOL: true } }), target: ok } },
    {
      name: "CLOSED, success whose report fails",
      script: { view: item("CLOSED", { recordSuccess: { BOOL: true } }), target: ok, record: "throw" },
    },
    { name: "CLOSED, failure whose report fails", script: { view: item("CLOSED"), target: fail("Boom"), record: "throw" } },
    { name: "rate rule, new breaker, success", script: { view: {}, target: ok }, settings: { tripRule: "rate" } },
    { name: "probe, success", script: { view: item("HALF_OPEN"), target: ok } },
    { name: "probe, failure", script: { view: item("HALF_OPEN"), target: fail("Boom") } },
    { name: "probe, ignored error", script: { view: item("HALF_OPEN"), target: fail("ClientError") } },
    {
      name: "probe not admitted, closed meanwhile",
      script: { view: item("HALF_OPEN"), target: ok, probe: { admitted: false, state: "CLOSED" } },
    },
    {
      name: "probe slots taken (rejected)",
      script: { view: item("HALF_OPEN"), target: ok, probe: { admitted: false, state: "HALF_OPEN" } },
    },
    { name: "DISABLED, failure", script: { view: item("DISABLED"), target: fail("Boom") } },
    { name: "OPEN (rejected)", script: { view: open(), target: ok } },
    { name: "FORCED_OPEN (rejected)", script: { view: item("FORCED_OPEN"), target: ok } },
    { name: "store error, allow", script: { view: { StoreError: { allow: true } }, target: fail("Boom") } },
  ];

  for (const fallback of ["builtin", "none", "user"] as const) {
    it(`${fallback}: with a free slot every path answers as without a bulkhead; a call takes one slot and releases it once, a rejection takes none`, async function () {
      for (const c of CASES) {
        const plain = scripted(redis({ fallback, settings: c.settings }), { ...c.script });
        const guarded = scripted(redis({ fallback, settings: { ...c.settings, maxConcurrentCalls: 3 } }), { ...c.script });
        const a = await plain.machine.run({ request: { id: 1 } }, { executionName: "exec-1" });
        const b = await guarded.machine.run({ request: { id: 1 } }, { executionName: "exec-1" });
        const where = `${fallback}/${c.name}: ${b.states.join(" -> ")}`;
        assert.deepEqual(answer(b), answer(a), where);
        const called = countOf(guarded.seen, "target") > 0;
        assert.equal(countOf(plain.seen, "target") > 0, called, where);
        assert.equal(countOf(guarded.seen, "acquireSlot"), called ? 1 : 0, where);
        assert.deepEqual(guarded.seen.releaseSlot ?? [], called ? [{ breaker: "payments", slotId: "exec-1" }] : [], where);
        if (called) {
          const acquired = guarded.seen.acquireSlot![0] as { slotId: string; probeLeaseId?: string; probeGen?: number };
          assert.equal(acquired.slotId, "exec-1", where);
          const probe = b.states.includes(STATE_NAMES.callProbe);
          assert.deepEqual([acquired.probeLeaseId, acquired.probeGen], probe ? ["exec-1", 4] : [undefined, undefined], where);
          // The release comes after every target attempt and every report.
          const lastTarget = b.calls.map((x) => x.target).lastIndexOf(TARGET);
          const release = b.calls.findIndex((x) => x.target === FN.releaseSlot);
          assert.ok(release > lastTarget && b.calls.slice(release + 1).every((x) => x.target !== FN.recordOutcome), where);
        }
      }
    });
  }

  it("a release that fails does not change what the caller gets", async function () {
    for (const c of CASES.filter((x) => !x.name.includes("rejected"))) {
      const plain = scripted(redis({ settings: c.settings }), { ...c.script });
      const guarded = scripted(redis({ settings: { ...c.settings, maxConcurrentCalls: 3 } }), { ...c.script, release: "throw" });
      const a = await plain.machine.run({ request: {} });
      const b = await guarded.machine.run({ request: {} });
      assert.deepEqual(answer(b), answer(a), c.name);
      assert.equal(b.calls.filter((x) => x.target === FN.releaseSlot && !x.ok).length, countOf(guarded.seen, "target") > 0 ? 1 : 0, c.name);
    }
  });

  it('full: no call, no release; builtin answers with reason "bulkhead full", none fails with BulkheadFull, user answers with the user fallback', async function () {
    const full = { admitted: false, reason: "bulkhead full" };
    const builtin = scripted(redis({ settings: { maxConcurrentCalls: 3 } }), { view: item("CLOSED"), target: ok, slot: full });
    const r1 = await builtin.machine.run({ request: { id: 7 } });
    assert.deepEqual(r1.output, {
      breaker: "payments",
      fallback: true,
      response: { fallback: true, breaker: "payments", state: "UNKNOWN", reason: "bulkhead full", message: "builtin" },
    });
    assert.deepEqual(builtin.seen.fallback, [{ breaker: "payments", reason: "bulkhead full", request: { id: 7 } }]);
    assert.deepEqual(r1.states.slice(3), [
      STATE_NAMES.acquireSlotForCallTarget,
      STATE_NAMES.slotRouteForCallTarget,
      STATE_NAMES.fallbackBulkheadFull,
    ]);

    const none = scripted(redis({ fallback: "none", settings: { maxConcurrentCalls: 3 } }), { view: {}, target: ok, slot: full });
    const r2 = await none.machine.run({ request: {} });
    assert.deepEqual([r2.status, r2.error], ["FAILED", "BulkheadFull"]);
    assert.match(r2.cause!, /limit of 3 concurrent calls/);
    assert.equal(countOf(none.seen, "fallback"), 1, "the built-in fallback still counts the rejection");

    const user = scripted(redis({ fallback: "user", settings: { maxConcurrentCalls: 3 } }), {
      view: item("HALF_OPEN"),
      target: ok,
      slot: full,
    });
    const r3 = await user.machine.run({ request: {} });
    assert.deepEqual(r3.output, { breaker: "payments", fallback: true, response: { from: "user", reason: "bulkhead full" } });
    for (const s of [builtin.seen, none.seen, user.seen]) {
      assert.equal(countOf(s, "target"), 0);
      assert.equal(countOf(s, "releaseSlot"), 0);
      assert.equal(countOf(s, "acquireSlot"), 1);
    }
  });

  it('store trouble at the gate follows onStoreError: acquire-slot answering "store error" or failing', async function () {
    const refused = scripted(redis({ settings: { maxConcurrentCalls: 3, onStoreError: "reject" } }), {
      view: item("CLOSED"),
      target: ok,
      slot: { admitted: false, reason: "store error" },
    });
    const r1 = await refused.machine.run({ request: {} });
    assert.equal((r1.output as { response: { reason: string } }).response.reason, "store error");
    for (const onStoreError of ["allow", "reject"] as const) {
      const broken = scripted(redis({ settings: { maxConcurrentCalls: 3, onStoreError } }), {
        view: item("CLOSED"),
        target: ok,
        slot: "throw",
      });
      const r = await broken.machine.run({ request: {} });
      assert.equal(r.status, "SUCCEEDED");
      if (onStoreError === "allow") {
        assert.deepEqual(r.output, { breaker: "payments", fallback: false, response: { answer: 42 } });
        assert.equal(countOf(broken.seen, "releaseSlot"), 1, "a call without a slot still releases (a no-op)");
      } else {
        assert.equal((r.output as { response: { reason: string } }).response.reason, "store error");
        assert.equal(countOf(broken.seen, "target"), 0);
        assert.equal(countOf(broken.seen, "releaseSlot"), 0);
      }
    }
  });

  it("the healthy path with a bulkhead: gate, call, release, Succeeded", async function () {
    const { machine } = scripted(redis({ settings: { maxConcurrentCalls: 3 } }), { view: item("CLOSED"), target: ok });
    const r = await machine.run({ request: {} });
    assert.deepEqual(r.states, [
      STATE_NAMES.validateInput,
      STATE_NAMES.readState,
      STATE_NAMES.decide,
      STATE_NAMES.acquireSlotForCallTarget,
      STATE_NAMES.slotRouteForCallTarget,
      STATE_NAMES.callTarget,
      STATE_NAMES.releaseSlotAfterSuccess,
      STATE_NAMES.succeeded,
    ]);
  });
});

describe("state machine definition: the breaker context of the shared handler plane", () => {
  it("every handler Task carries the breaker's settings and settings parameter; the target and a user fallback never do", () => {
    const settingsParameter = { name: "/circuit-breaker/dev/payments/settings", refreshSeconds: 60 };
    for (const o of [
      options({ settingsParameter, healthProbe: true, settings: { maxConcurrentCalls: 2 } }),
      options({ fallback: "user", store: { kind: "redis" } }),
    ]) {
      const def = buildDefinition(o);
      const handlers = new Set(Object.values(FN));
      let tasks = 0;
      for (const [name, st] of Object.entries(def.States)) {
        if (st.Type !== "Task" || st.Resource !== RESOURCES.lambdaInvoke) continue;
        const payload = st.Parameters.Payload ?? {};
        if (handlers.has(st.Parameters.FunctionName)) {
          tasks++;
          assert.deepEqual(payload.settings, o.settings, name);
          assert.deepEqual(payload.settingsParameter, o.settingsParameter, name);
        } else {
          assert.equal(payload.settings, undefined, `${name} (target or user fallback) must not get the settings`);
        }
      }
      assert.ok(tasks > 5);
    }
  });

  it("the health-probe branch is reachable only with healthProbe, needs get-status, and takes the probe input first", () => {
    assert.ok(!("HealthProbeValidate" in buildDefinition(options()).States));
    const def = buildDefinition(options({ healthProbe: true }));
    const v = aslValidator(def, { checkArn: true, checkPaths: true });
    assert.ok(v.isValid, v.errorsText("\n"));
    assert.deepEqual(def.States[STATE_NAMES.validateInput].Choices[0], {
      Variable: "$.healthProbe",
      IsPresent: true,
      Next: "HealthProbeValidate",
    });
    const { getStatus: _unused, ...withoutGetStatus } = FN;
    void _unused;
    assert.throws(
      () => buildDefinition(options({ healthProbe: true, functions: withoutGetStatus })),
      /functions\.getStatus is missing; it is required with healthProbe/,
    );
    // The probe calls the target once: no Retry on its call.
    assert.equal(def.States.HealthProbeCall.Retry, undefined);
    assert.equal(def.States.HealthProbeCall.Parameters["Payload.$"], "$.healthProbe.request");
  });
});
