// The early re-probe (core/open-period.ts) through the handlers the health-probe branch calls, on both stores:
// from probeAt, acquire-probe with `early` (the branch's HealthProbeAcquireEarly) takes the lease while callers
// are still rejected; a failed early probe re-opens with the next period and a new probeAt; get-status answers
// the branch's loop view.

import assert from "node:assert/strict";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { openDurationMs } from "../../core/breaker";
import { StateStore } from "../../core/state-store";
import { describeEachStore, harness, settingsOf, tripFresh, uniqueBreaker } from "./support";

function earlyHarness(store: StateStore, overrides = {}) {
  const h = harness(
    store,
    settingsOf({ failureThreshold: 1, openDurationSeconds: 10, openDurationMultiplier: 2, earlyProbeSeconds: 3, ...overrides }),
  );
  return {
    ...h,
    acquire: acquireProbeDefinition.make(h.deps),
    record: recordOutcomeDefinition.make(h.deps),
    status: getStatusDefinition.make(h.deps),
  };
}

describeEachStore("acquire-probe: the health probe's early re-probe", (s) => {
  it("before probeAt nothing; from probeAt the early lease is granted while callers are still rejected", async () => {
    const t = earlyHarness(s.store);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(2_999);
    assert.deepEqual((await t.acquire({ breaker, leaseId: "hp-1", early: true })).admitted, false);
    t.clock.advance(1);
    const caller = await t.acquire({ breaker, leaseId: "user-1" });
    assert.deepEqual([caller.admitted, caller.reason], [false, "open"]);
    const grant = await t.acquire({ breaker, leaseId: "hp-2", early: true });
    assert.deepEqual([grant.admitted, grant.state], [true, "HALF_OPEN"]);
    const rec = await s.store.get(breaker);
    assert.equal(rec?.history.find((x) => x.to === "HALF_OPEN")?.reason, "early re-probe by the health probe");
    const done = await t.record({ breaker, gen: grant.gen, leaseId: "hp-2", outcome: "success" });
    assert.equal(done.state, "CLOSED");
  });

  it("a failed early probe re-opens with the next period and a new probeAt; the next early lease waits for it", async () => {
    const t = earlyHarness(s.store);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    const opened = await s.store.get(breaker);
    assert.equal(opened?.probeAt, t.clock.t + 3_000);
    t.clock.advance(3_000);
    const grant = await t.acquire({ breaker, leaseId: "hp-1", early: true });
    const r = await t.record({ breaker, gen: grant.gen, leaseId: "hp-1", outcome: "failure", error: "ServiceUnavailable" });
    assert.deepEqual([r.result, r.state], ["reopened", "OPEN"]);
    const rec = await s.store.get(breaker);
    assert.equal(rec?.gen, (opened?.gen ?? 0) + 2);
    assert.equal(rec?.openUntil, t.clock.t + openDurationMs(1, t.deps.settings!));
    assert.equal(rec?.probeAt, t.clock.t + 3_000);
    t.clock.advance(2_000);
    assert.equal((await t.acquire({ breaker, leaseId: "hp-2", early: true })).admitted, false);
  });

  it("halfOpenProbes 2: the early probe takes one slot, one caller the other, the next caller is refused", async () => {
    const t = earlyHarness(s.store, { halfOpenProbes: 2 });
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    t.clock.advance(3_000);
    assert.equal((await t.acquire({ breaker, leaseId: "hp-1", early: true })).admitted, true);
    const first = await t.acquire({ breaker, leaseId: "user-1" });
    const second = await t.acquire({ breaker, leaseId: "user-2" });
    assert.deepEqual([first.admitted, second.admitted, second.reason], [true, false, "all probe slots taken"]);
  });

  it("earlyProbeSeconds 0: no probeAt, and the early flag waits for the open period like any caller", async () => {
    const t = earlyHarness(s.store, { earlyProbeSeconds: 0 });
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    assert.equal((await s.store.get(breaker))?.probeAt, null);
    t.clock.advance(9_999);
    assert.equal((await t.acquire({ breaker, leaseId: "hp-1", early: true })).admitted, false);
    t.clock.advance(1);
    assert.equal((await t.acquire({ breaker, leaseId: "hp-2", early: true })).admitted, true);
  });

  it("get-status gives the loop's view: probeAtIso, early from probeAt, a wait only inside the loop's budget", async () => {
    const t = earlyHarness(s.store);
    const breaker = uniqueBreaker();
    await tripFresh(t, breaker);
    const startedAt = new Date(t.clock.t).toISOString();
    const view = async (loopSeconds: number) =>
      (await t.status({ breaker, healthProbe: true, loopStartedAt: startedAt, loopSeconds })).Probe;
    const probeAtIso = new Date(t.clock.t + 3_000).toISOString();
    assert.deepEqual(await view(55), { now: startedAt, probeAtIso, early: false, waitForProbeAt: true, expired: false });
    assert.equal((await view(3))?.waitForProbeAt, false, "probeAt at the budget's end: no wait");
    t.clock.advance(3_000);
    assert.deepEqual(await view(55), { now: probeAtIso, probeAtIso, early: true, waitForProbeAt: false, expired: false });
    assert.deepEqual([(await view(2))?.early, (await view(2))?.expired], [false, true], "the budget is spent: no early probe");
    assert.equal((await t.status({ breaker })).Probe, undefined, "callers' reads carry no loop view");
  });
});
