// The health probe's early re-probe (core/open-period.ts) through the handlers, on both stores: only the health
// probe probes between probeAt and the end of the open period; a failure re-opens with the next period.

import assert from "node:assert/strict";
import { makeHealthProbeHandler, HealthProbeDeps } from "../../functions/handler-factories/health-probe";
import { makeAcquireProbeHandler } from "../../functions/handler-factories/acquire-probe";
import { openDurationMs } from "../../core/breaker";
import { StateStore } from "../../core/state-store";
import { InvokeResult } from "../../functions/shared/target-invoker";
import { describeEachStore, harness, settingsOf, tripFresh, uniqueBreaker } from "./support";

function earlyHarness(store: StateStore, answers: InvokeResult[], overrides = {}) {
  const h = harness(
    store,
    settingsOf({ failureThreshold: 1, openDurationSeconds: 10, openDurationMultiplier: 2, earlyProbeSeconds: 3, ...overrides }),
  );
  let n = 0;
  const deps: HealthProbeDeps = {
    ...h.deps,
    invoke: async () => answers[Math.min(n++, answers.length - 1)],
    probeRequest: {},
    newLeaseId: () => `health-probe-${n}`,
  };
  return { ...h, deps, calls: () => n, probe: makeHealthProbeHandler(deps), acquire: makeAcquireProbeHandler(h.deps) };
}

describeEachStore("health-probe handler: early re-probe", (s) => {
  it("before probeAt nothing; from probeAt the health probe probes while callers are still rejected", async () => {
    const t = earlyHarness(s.store, [{ ok: true }]);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(2_999);
    assert.equal((await t.probe({ breaker })).action, "not-due");
    t.clock.advance(1);
    const caller = await t.acquire({ breaker, leaseId: "user-1" });
    assert.deepEqual([caller.admitted, caller.reason], [false, "open"]);
    const r = await t.probe({ breaker });
    assert.deepEqual(
      { action: r.action, state: r.state, result: r.result, moves: r.transitions.map((x) => `${x.from}->${x.to}`) },
      { action: "probed", state: "CLOSED", result: "closed", moves: ["OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"] },
    );
    assert.equal(t.calls(), 1);
    const rec = await s.store.get(breaker);
    assert.deepEqual([rec?.state, rec?.probeAt, rec?.reopens], ["CLOSED", null, 0]);
  });

  it("a failed early probe re-opens with the next period and a new probeAt; the next early probe waits for it", async () => {
    const t = earlyHarness(s.store, [{ ok: false, error: "ServiceUnavailable" }]);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    const opened = await s.store.get(breaker);
    assert.equal(opened?.probeAt, t.clock.t + 3_000);
    t.clock.advance(3_000);
    const r = await t.probe({ breaker });
    assert.deepEqual([r.action, r.state, r.result], ["probed", "OPEN", "reopened"]);
    const rec = await s.store.get(breaker);
    assert.equal(rec?.gen, (opened?.gen ?? 0) + 2);
    assert.equal(rec?.reopens, 1);
    assert.equal(rec?.openUntil, t.clock.t + openDurationMs(1, t.deps.settings));
    assert.equal(rec?.probeAt, t.clock.t + 3_000);
    t.clock.advance(2_000);
    assert.equal((await t.probe({ breaker })).action, "not-due");
    assert.equal(t.calls(), 1);
  });

  it("halfOpenProbes 2: the early probe takes one slot, one caller the other, the next caller is refused", async () => {
    const t = earlyHarness(s.store, [{ ok: true }], { halfOpenProbes: 2 });
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(3_000);
    // The health probe's target call is held open while the callers ask: the slot stays taken.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    t.deps.invoke = async () => {
      await held;
      return { ok: true };
    };
    const probing = makeHealthProbeHandler(t.deps)({ breaker });
    let rec = await s.store.get(breaker);
    for (let i = 0; i < 50 && rec?.state !== "HALF_OPEN"; i++) {
      await new Promise((r) => setTimeout(r, 10));
      rec = await s.store.get(breaker);
    }
    assert.equal(rec?.state, "HALF_OPEN");
    const first = await t.acquire({ breaker, leaseId: "user-1" });
    const second = await t.acquire({ breaker, leaseId: "user-2" });
    assert.deepEqual([first.admitted, second.admitted, second.reason], [true, false, "all probe slots taken"]);
    release();
    const r = await probing;
    assert.deepEqual([r.action, r.result], ["probed", "counted"]);
  });

  it("earlyProbeSeconds 0: no probeAt, and the health probe waits for the open period", async () => {
    const t = earlyHarness(s.store, [{ ok: true }], { earlyProbeSeconds: 0 });
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    assert.equal((await s.store.get(breaker))?.probeAt, null);
    t.clock.advance(9_999);
    assert.equal((await t.probe({ breaker })).action, "not-due");
    t.clock.advance(1);
    assert.equal((await t.probe({ breaker })).action, "probed");
  });
});
