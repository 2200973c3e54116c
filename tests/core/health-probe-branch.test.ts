// The health-probe branch of the definition (core/definition/health-probe-branch.ts), run in aws-local-stepfunctions
// with the real shared handlers on both stores: the schedule's input {"healthProbe": {"request": ...}} probes the
// target once only when decide() says "probe", records the outcome as the probe's, and keeps the ManualStateActive
// gauge going (get-status emits it), so the manual-state alarm stays meaningful.

import { strict as assert } from "node:assert";
import { METRICS } from "../../core/metric-names";
import { BreakerSettings } from "../../core/settings";
import { StateStore } from "../../core/state-store";
import { buildDefinition } from "../../core/state-machine-definition";
import { HEALTH_PROBE_STATES as H } from "../../core/definition/health-probe-branch";
import { BreakerService } from "../../functions/breaker/service";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { HandlerDeps } from "../../functions/shared/runtime";
import { TaskError, createLocalStateMachine } from "../../local/sfn-runtime";
import { CapturedMetrics, describeEachStore, downStore, RecordingLog, settingsOf, uniqueBreaker } from "../functions/support";

const FN = {
  recordOutcome: "record-outcome",
  acquireProbe: "acquire-probe",
  fallback: "fallback",
  reportStoreError: "report-store-error",
  getStatus: "get-status",
};
const PROBE_REQUEST = { healthCheck: true };
const HOUR = 3_600_000;

function rig(
  store: StateStore,
  kind: "dynamodb" | "redis" | "elasticache",
  settings: BreakerSettings,
  breaker: string,
  probeLoopSeconds?: number,
) {
  const metrics = new CapturedMetrics();
  const deps: HandlerDeps = { settings: null, store: async () => store, clock: Date.now, metrics: metrics.sink, log: new RecordingLog() };
  const calls: unknown[] = [];
  let answer: () => unknown = () => ({ ok: true });
  const getStatus = getStatusDefinition.make(deps);
  const machine = createLocalStateMachine(
    buildDefinition({
      breakerName: breaker,
      store: kind === "dynamodb" ? { kind: "dynamodb", tableName: "unused-by-the-probe" } : { kind: "redis" },
      functions: FN,
      targetArn: "target",
      fallback: "builtin",
      settings,
      healthProbe: true,
      ...(probeLoopSeconds === undefined ? {} : { probeLoopSeconds }),
    }),
    {
      lambdas: {
        // The loop's budget runs at the executor's speed (as local/local-breaker.ts scales it): 55 ms here.
        [FN.getStatus]: (e: { loopSeconds?: number }) => getStatus({ ...e, loopSeconds: (e.loopSeconds ?? 0) / 1000 }),
        [FN.acquireProbe]: acquireProbeDefinition.make(deps),
        [FN.recordOutcome]: recordOutcomeDefinition.make(deps),
        target: (request) => {
          calls.push(request);
          return answer();
        },
      },
      speed: 1000,
    },
  );
  return {
    metrics,
    calls,
    fail: () => {
      answer = () => {
        throw new TaskError("ServiceUnavailable", "down");
      };
    },
    probe: () => machine.run({ healthProbe: { request: PROBE_REQUEST } }),
    run: (input: unknown) => machine.run(input),
    /** The breaker's service at a given time (to put the record in a state before the probe runs). */
    at: (t: number) => new BreakerService(store, () => t),
  };
}

describeEachStore("health-probe branch", (s) => {
  const settings = settingsOf({ failureThreshold: 1, openDurationSeconds: 30, openDurationMultiplier: 2 });

  it("closes a due OPEN circuit: one target call with the probe request, recorded as the probe's outcome", async () => {
    const breaker = uniqueBreaker();
    const r = rig(s.store, s.kind, settings, breaker);
    await r.at(Date.now() - HOUR).recordOutcome(breaker, settings, 0, { kind: "failure", error: "Boom" }, null);
    const run = await r.probe();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.deepEqual(
      run.states.filter((x) => x.startsWith("HealthProbe")),
      [H.validate, H.startLoop, H.readState, H.decide, H.acquire, H.route, H.call, H.recordSuccess, H.afterProbe, H.probed],
    );
    assert.deepEqual(r.calls, [PROBE_REQUEST]);
    assert.equal((run.output as { healthProbe: string }).healthProbe, "probed");
    assert.equal((await s.store.get(breaker))?.state, "CLOSED");
    const totals = r.metrics.totals(breaker);
    assert.equal(totals[METRICS.manualStateActive], 0);
    assert.equal(totals[METRICS.probeAttempts], 1);
    assert.equal(totals[METRICS.circuitClosed], 1);
  });

  it("a failing probe re-opens the circuit with the next, longer open period; the target is called once (no retries)", async () => {
    const breaker = uniqueBreaker();
    const r = rig(
      s.store,
      s.kind,
      settingsOf({ failureThreshold: 1, openDurationSeconds: 30, openDurationMultiplier: 2, retryAttempts: 3 }),
      breaker,
    );
    await r.at(Date.now() - HOUR).recordOutcome(breaker, settings, 0, { kind: "failure", error: "Boom" }, null);
    r.fail();
    const before = Date.now();
    const run = await r.probe();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.equal(r.calls.length, 1);
    const rec = (await s.store.get(breaker))!;
    assert.equal(rec.state, "OPEN");
    assert.equal(rec.reopens, 1);
    assert.ok(rec.openUntil! >= before + 60_000, "the second open period is twice the first");
  });

  it("never probes when not due: OPEN before its period ends, CLOSED, or no record; the record is untouched", async () => {
    const open = uniqueBreaker();
    const closed = uniqueBreaker();
    const fresh = uniqueBreaker();
    const long = settingsOf({ failureThreshold: 1, openDurationSeconds: 3600, maxOpenDurationSeconds: 3600 });
    await new BreakerService(s.store, Date.now).recordOutcome(open, long, 0, { kind: "failure", error: "Boom" }, null);
    await new BreakerService(s.store, Date.now).recordOutcome(closed, long, 0, { kind: "success" }, null);
    for (const breaker of [open, closed, fresh]) {
      const r = rig(s.store, s.kind, long, breaker);
      const before = await s.store.get(breaker);
      const run = await r.probe();
      assert.equal(run.status, "SUCCEEDED", run.cause);
      assert.equal((run.output as { healthProbe: string }).healthProbe, "not-due", breaker);
      assert.deepEqual(r.calls, []);
      assert.deepEqual(await s.store.get(breaker), before);
      assert.equal(r.metrics.totals(breaker)[METRICS.manualStateActive], 0);
    }
  });

  for (const command of ["open", "disable"] as const) {
    it(`${command}: ManualStateActive = 1 and nothing else, even when an open period would be due`, async () => {
      const breaker = uniqueBreaker();
      const r = rig(s.store, s.kind, settings, breaker);
      await r.at(Date.now() - HOUR).recordOutcome(breaker, settings, 0, { kind: "failure", error: "Boom" }, null);
      await r.at(Date.now() - HOUR).override(breaker, settings, command, "oncall");
      const run = await r.probe();
      assert.equal((run.output as { healthProbe: string }).healthProbe, "manual-state");
      assert.deepEqual(r.calls, []);
      assert.deepEqual(r.metrics.totals(breaker), { [METRICS.manualStateActive]: 1 });
    });
  }

  it("HALF_OPEN with its probe slot taken by a caller: not admitted, no target call; the loop rechecks until its bound", async () => {
    const breaker = uniqueBreaker();
    const r = rig(s.store, s.kind, settings, breaker);
    await r.at(Date.now() - HOUR).recordOutcome(breaker, settings, 0, { kind: "failure", error: "Boom" }, null);
    assert.equal((await r.at(Date.now()).acquireProbe(breaker, settings, "caller")).grant.admitted, true);
    const run = await r.probe();
    assert.equal((run.output as { healthProbe: string }).healthProbe, "loop-bound");
    assert.ok(run.states.includes(H.waitLease), "refused, it waited and read again");
    assert.deepEqual(r.calls, []);
  });

  it("HALF_OPEN with its probe slot taken, no loop budget (probeLoopSeconds 0): not admitted, no target call", async () => {
    const breaker = uniqueBreaker();
    const r = rig(s.store, s.kind, settings, breaker, 0);
    await r.at(Date.now() - HOUR).recordOutcome(breaker, settings, 0, { kind: "failure", error: "Boom" }, null);
    assert.equal((await r.at(Date.now()).acquireProbe(breaker, settings, "caller")).grant.admitted, true);
    const run = await r.probe();
    assert.equal((run.output as { healthProbe: string }).healthProbe, "not-admitted");
    assert.deepEqual(r.calls, []);
  });

  it("refuses a malformed probe input with InvalidInput, and an input that is both a call and a probe", async () => {
    const r = rig(s.store, s.kind, settings, uniqueBreaker());
    for (const input of [
      { healthProbe: {} },
      { healthProbe: { request: null } },
      { healthProbe: { request: "x" } },
      { healthProbe: { request: [1] } },
    ]) {
      const run = await r.run(input);
      assert.deepEqual([run.status, run.error], ["FAILED", "InvalidInput"], JSON.stringify(input));
      assert.match(run.cause!, /"healthProbe": \{"request": <JSON object sent to the target as the probe>\}/);
    }
    const both = await r.run({ request: {}, healthProbe: { request: {} } });
    assert.deepEqual([both.status, both.error], ["FAILED", "InvalidInput"]);
    assert.match(both.cause!, /has both "request" and "healthProbe"/);
    assert.deepEqual(r.calls, []);
  });

  it("store down: store-error, StoreErrors counted, no target call, no failed execution", async () => {
    const breaker = uniqueBreaker();
    const r = rig(await downStore(s.kind), s.kind, settings, breaker);
    const run = await r.probe();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.equal((run.output as { healthProbe: string }).healthProbe, "store-error");
    assert.deepEqual(r.calls, []);
    assert.equal(r.metrics.totals(breaker)[METRICS.storeErrors], 1);
  });
});
