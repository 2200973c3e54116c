import assert from "node:assert/strict";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { makeHealthProbeHandler, HealthProbeDeps, probeTargetFromEnv } from "../../functions/handler-factories/health-probe";
import { makeAcquireProbeHandler } from "../../functions/handler-factories/acquire-probe";
import { METRICS } from "../../core/metric-names";
import { boundedLambdaClient, InvokeResult, lambdaInvoker } from "../../functions/shared/target-invoker";
import { BreakerService } from "../../functions/breaker/service";
import { StateStore } from "../../core/state-store";
import {
  describeEachStore,
  downStore,
  FAKE_AWS_CLIENT,
  FakeAwsEndpoint,
  fakeAwsEndpoint,
  harness,
  rejectsWith,
  settingsOf,
  tripFresh,
  uniqueBreaker,
} from "./support";

const TARGET = "arn:aws:lambda:us-east-1:123456789012:function:orders";

/** A harness whose invoker records each call and answers from `answers` in turn. */
function probeHarness(store: StateStore, answers: InvokeResult[], overrides = {}) {
  // Early re-probing off: these are the open period's own rules (health-probe-early.test.ts has the early ones).
  const h = harness(
    store,
    settingsOf({ failureThreshold: 1, openDurationSeconds: 10, openDurationMultiplier: 2, earlyProbeSeconds: 0, ...overrides }),
  );
  const calls: Record<string, unknown>[] = [];
  let n = 0;
  const deps: HealthProbeDeps = {
    ...h.deps,
    invoke: async (request) => {
      calls.push(request);
      return answers[Math.min(n++, answers.length - 1)];
    },
    probeRequest: { healthCheck: true },
    newLeaseId: () => `health-probe-${n}`,
  };
  return { ...h, deps, calls, probe: makeHealthProbeHandler(deps) };
}

describeEachStore("health-probe handler", (s) => {
  it("closes a due OPEN circuit: one target call with the probe request, recorded as the probe's outcome", async () => {
    const t = probeHarness(s.store, [{ ok: true }]);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(10_001);
    const r = await t.probe({ breaker });
    assert.deepEqual(t.calls, [{ healthCheck: true }]);
    assert.deepEqual(
      { action: r.action, state: r.state, outcome: r.outcome, result: r.result, moves: r.transitions.map((x) => `${x.from}->${x.to}`) },
      { action: "probed", state: "CLOSED", outcome: "success", result: "closed", moves: ["OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"] },
    );
    assert.equal((await s.store.get(breaker))?.state, "CLOSED");
    assert.deepEqual(t.metrics.totals(breaker), {
      [METRICS.manualStateActive]: 0,
      [METRICS.circuitHalfOpened]: 1,
      [METRICS.probeAttempts]: 1,
      [METRICS.callsSucceeded]: 1,
      [METRICS.circuitClosed]: 1,
    });
  });

  it("a failing probe re-opens the circuit with the next, longer open period", async () => {
    const t = probeHarness(s.store, [{ ok: false, error: "ServiceUnavailable", cause: "down" }]);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(10_001);
    const r = await t.probe({ breaker });
    assert.deepEqual(
      { action: r.action, state: r.state, error: r.error, result: r.result },
      { action: "probed", state: "OPEN", error: "ServiceUnavailable", result: "reopened" },
    );
    const rec = await s.store.get(breaker);
    assert.equal(rec?.openUntil, t.clock.t + 20_000);
    assert.equal(t.metrics.totals(breaker)[METRICS.circuitOpened], 1);
    assert.equal(t.metrics.totals(breaker)[METRICS.callsFailed], 1);
    // and the next run, before the longer period ends, does nothing
    t.clock.advance(15_000);
    const next = await t.probe({ breaker });
    assert.equal(next.action, "not-due");
    assert.equal(t.calls.length, 1);
  });

  it("an invoker that throws counts as a failed probe named after the error", async () => {
    const t = probeHarness(s.store, []);
    t.deps.invoke = async () => {
      throw Object.assign(new Error("socket hang up"), { name: "NetworkingError" });
    };
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(10_001);
    const r = await makeHealthProbeHandler(t.deps)({ breaker });
    assert.deepEqual({ state: r.state, error: r.error }, { state: "OPEN", error: "NetworkingError" });
  });

  it("never probes when not due: OPEN before its period ends, CLOSED, or no record; the record is untouched", async () => {
    const t = probeHarness(s.store, [{ ok: true }]);
    const open = uniqueBreaker();
    await tripFresh(t, open);
    t.clock.advance(9_000);
    const before = await s.store.get(open);
    const r = await t.probe({ breaker: open });
    assert.deepEqual({ action: r.action, state: r.state, reason: r.reason }, { action: "not-due", state: "OPEN", reason: "open" });
    assert.deepEqual(await s.store.get(open), before);

    const none = uniqueBreaker();
    assert.deepEqual((await t.probe({ breaker: none })).action, "not-due");
    assert.equal(await s.store.get(none), null);
    assert.equal(t.calls.length, 0);
    assert.deepEqual(t.metrics.names(), [METRICS.manualStateActive, METRICS.manualStateActive]);
  });

  it("HALF_OPEN with its probe slot taken by a caller: not admitted, no target call", async () => {
    const t = probeHarness(s.store, [{ ok: true }]);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(10_001);
    assert.equal((await makeAcquireProbeHandler(t.deps)({ breaker, leaseId: "exec-1" })).admitted, true);
    const r = await t.probe({ breaker });
    assert.deepEqual({ action: r.action, reason: r.reason }, { action: "not-admitted", reason: "all probe slots taken" });
    assert.equal(t.calls.length, 0);
    // once that caller's lease has expired, the health probe takes the slot and closes the circuit
    t.clock.advance(t.deps.settings.probeLeaseSeconds * 1000 + 1);
    const later = await t.probe({ breaker });
    assert.deepEqual({ action: later.action, state: later.state }, { action: "probed", state: "CLOSED" });
  });

  for (const [command, state] of [
    ["open", "FORCED_OPEN"],
    ["disable", "DISABLED"],
  ] as const) {
    it(`${state}: ManualStateActive = 1 and nothing else, even when an open period would be due`, async () => {
      const t = probeHarness(s.store, [{ ok: true }]);
      const breaker = uniqueBreaker();
      await tripFresh(t, breaker);
      await new BreakerService(s.store, t.clock.now).override(breaker, t.deps.settings, command, "oncall");
      t.clock.advance(3_600_000);
      const before = await s.store.get(breaker);
      const r = await t.probe({ breaker });
      assert.deepEqual({ action: r.action, state: r.state }, { action: "manual-state", state });
      assert.deepEqual(t.metrics.totals(breaker), { [METRICS.manualStateActive]: 1 });
      assert.deepEqual(await s.store.get(breaker), before);
      assert.equal(t.calls.length, 0);
    });
  }

  it("serves BREAKER_NAME when the scheduler sends no breaker; rejects another breaker and malformed input", async () => {
    const t = probeHarness(s.store, [{ ok: true }]);
    t.deps.breakerName = uniqueBreaker();
    const probe = makeHealthProbeHandler(t.deps);
    for (const empty of [undefined, null, {}]) assert.equal((await probe(empty)).breaker, t.deps.breakerName);
    await rejectsWith(() => probe({ breaker: "other" }), "InvalidEventError", '"other"');
    await rejectsWith(() => probe({ breaker: 3 }), "InvalidEventError", '"breaker" is 3');
    await rejectsWith(() => probe("tick"), "InvalidEventError", "health-probe event must be a JSON object");
    t.deps.breakerName = null;
    await rejectsWith(() => makeHealthProbeHandler(t.deps)({}), "InvalidEventError", '"breaker" is missing', "BREAKER_NAME");
    assert.equal(t.calls.length, 0);
  });

  it("store down: action store-error, StoreErrors, no target call, no throw", async () => {
    const t = probeHarness(await downStore(s.kind), [{ ok: true }]);
    const breaker = uniqueBreaker();
    const r = await t.probe({ breaker });
    assert.deepEqual({ action: r.action, state: r.state }, { action: "store-error", state: "UNKNOWN" });
    assert.deepEqual(t.metrics.totals(breaker), { [METRICS.storeErrors]: 1 });
    assert.equal(t.calls.length, 0);
  });
});

describe("health-probe configuration and the Lambda invoker", () => {
  it("TARGET_ARN and PROBE_REQUEST are validated at cold start", () => {
    assert.deepEqual(probeTargetFromEnv({ TARGET_ARN: TARGET }), { targetArn: TARGET, probeRequest: {} });
    assert.deepEqual(probeTargetFromEnv({ TARGET_ARN: `${TARGET}:live`, PROBE_REQUEST: '{"ping":1}' }).probeRequest, { ping: 1 });
    assert.throws(
      () => probeTargetFromEnv({}),
      (e: Error) => e.name === "SettingsError" && /TARGET_ARN is ""; allowed: a Lambda function ARN/.test(e.message),
    );
    assert.throws(() => probeTargetFromEnv({ TARGET_ARN: "orders" }), /TARGET_ARN is "orders"/);
    assert.throws(
      () => probeTargetFromEnv({ TARGET_ARN: TARGET, PROBE_REQUEST: "[1]" }),
      /PROBE_REQUEST is "\[1\]"; allowed: a JSON object/,
    );
    assert.throws(() => probeTargetFromEnv({ TARGET_ARN: TARGET, PROBE_REQUEST: "{" }), /PROBE_REQUEST/);
  });

  describe("lambdaInvoker against a local HTTP endpoint speaking the Lambda Invoke API", () => {
    let endpoint: FakeAwsEndpoint;
    let client: LambdaClient;

    before(async () => {
      endpoint = await fakeAwsEndpoint();
      client = boundedLambdaClient(500, { endpoint: endpoint.url, ...FAKE_AWS_CLIENT });
    });
    after(async () => {
      client.destroy();
      await endpoint.close();
    });

    it("sends one RequestResponse Invoke to the target with the probe request; a plain answer is a success", async () => {
      endpoint.respond = (res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      const { seen } = endpoint;
      seen.length = 0;
      assert.deepEqual(await lambdaInvoker(TARGET, 500, client)({ healthCheck: true }), { ok: true });
      assert.equal(seen.length, 1);
      assert.equal(seen[0].method, "POST");
      assert.equal(decodeURIComponent(seen[0].url ?? ""), `/2015-03-31/functions/${TARGET}/invocations`);
      assert.equal(seen[0].headers["x-amz-invocation-type"], "RequestResponse");
      assert.deepEqual(JSON.parse(seen[0].body), { healthCheck: true });
    });

    it("a function error is named by its errorType, as Step Functions names it", async () => {
      endpoint.respond = (res) =>
        res
          .writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" })
          .end(JSON.stringify({ errorType: "ServiceUnavailable", errorMessage: "down" }));
      assert.deepEqual(await lambdaInvoker(TARGET, 500, client)({}), { ok: false, error: "ServiceUnavailable", cause: "down" });
    });

    it("an API error is Lambda.<Exception>; no answer within the timeout is States.Timeout", async () => {
      endpoint.respond = (res) =>
        res
          .writeHead(429, { "content-type": "application/json", "x-amzn-errortype": "TooManyRequestsException" })
          .end('{"message":"Rate exceeded"}');
      const throttled = await lambdaInvoker(TARGET, 500, client)({});
      assert.equal(throttled.ok === false && throttled.error, "Lambda.TooManyRequestsException");
      endpoint.respond = () => undefined; // never answers
      const slow = await lambdaInvoker(TARGET, 500, client)({});
      assert.equal(slow.ok === false && slow.error, "States.Timeout");
    });
  });
});
