import assert from "node:assert/strict";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { METRICS } from "../../core/metric-names";
import { describeEachStore, downStore, harness, Harness, rejectsWith, settingsOf, tripFresh, uniqueBreaker } from "./support";

/** Trips a fresh breaker (threshold 1) and moves the clock past its open period. */
async function openAndDue(h: Harness, breaker: string): Promise<void> {
  await tripFresh(h, breaker);
  h.clock.advance(h.deps.settings!.openDurationSeconds * 1000 + 1);
}

describeEachStore("acquire-probe handler", (s) => {
  it("OPEN and not due: not admitted, nothing written, no ProbeAttempts", async () => {
    const h = harness(s.store, settingsOf({ failureThreshold: 1, openDurationSeconds: 30 }));
    const breaker = uniqueBreaker();
    await tripFresh(h, breaker);
    const before = await s.store.get(breaker);
    h.clock.advance(29_000);
    const r = await acquireProbeDefinition.make(h.deps)({ breaker, leaseId: "exec-1" });
    assert.deepEqual(r, { admitted: false, gen: 1, state: "OPEN", leaseId: null, reason: "open" });
    assert.deepEqual(await s.store.get(breaker), before);
    assert.deepEqual(h.metrics.names(), []);
  });

  it("OPEN and due: the first caller gets the lease (CircuitHalfOpened + ProbeAttempts), the next one does not", async () => {
    const h = harness(s.store, settingsOf({ failureThreshold: 1, openDurationSeconds: 5, halfOpenProbes: 1 }));
    const breaker = uniqueBreaker();
    await openAndDue(h, breaker);
    const handle = acquireProbeDefinition.make(h.deps);
    const first = await handle({ breaker, leaseId: "exec-1" });
    assert.deepEqual(first, { admitted: true, gen: 2, state: "HALF_OPEN", leaseId: "exec-1", reason: "first probe" });
    const second = await handle({ breaker, leaseId: "exec-2" });
    assert.deepEqual(
      { admitted: second.admitted, reason: second.reason, leaseId: second.leaseId },
      { admitted: false, reason: "all probe slots taken", leaseId: null },
    );
    const rec = await s.store.get(breaker);
    assert.deepEqual(Object.keys(rec?.leases ?? {}), ["exec-1"]);
    const totals = h.metrics.totals(breaker);
    assert.deepEqual([totals[METRICS.circuitHalfOpened], totals[METRICS.probeAttempts]], [1, 1]);
    assert.deepEqual(
      h.log.withMessage("breaker transition").map((e) => [e.attributes.from, e.attributes.to, e.attributes.gen]),
      [["OPEN", "HALF_OPEN", 2]],
    );
  });

  it("30 concurrent callers on a due circuit: exactly halfOpenProbes admitted and exactly one CircuitHalfOpened", async () => {
    const h = harness(s.store, settingsOf({ failureThreshold: 1, openDurationSeconds: 5, halfOpenProbes: 3 }));
    const breaker = uniqueBreaker();
    await openAndDue(h, breaker);
    const handle = acquireProbeDefinition.make(h.deps);
    const grants = await Promise.all(Array.from({ length: 30 }, (_, i) => handle({ breaker, leaseId: `exec-${i}` })));
    assert.equal(grants.filter((g) => g.admitted).length, 3);
    const names = h.metrics.names();
    assert.equal(names.filter((n) => n === METRICS.circuitHalfOpened).length, 1);
    assert.equal(h.metrics.totals(breaker)[METRICS.probeAttempts], 3);
    assert.equal(Object.keys((await s.store.get(breaker))?.leases ?? {}).length, 3);
  });

  it("rejects malformed events with InvalidEventError and takes no lease", async () => {
    const h = harness(s.store, settingsOf({ failureThreshold: 1, openDurationSeconds: 5 }));
    const breaker = uniqueBreaker();
    await openAndDue(h, breaker);
    const before = await s.store.get(breaker);
    const handle = acquireProbeDefinition.make(h.deps);
    await rejectsWith(() => handle({ breaker }), "InvalidEventError", ".leaseId is missing");
    await rejectsWith(() => handle({ breaker, leaseId: 42 }), "InvalidEventError", ".leaseId is 42", "a lease id");
    await rejectsWith(
      () => handle({ breaker, leaseId: "x", extra: 1 }),
      "InvalidEventError",
      ".extra is not a field of this event",
      "breaker, settings, settingsParameter, leaseId",
    );
    await rejectsWith(() => handle([breaker]), "InvalidEventError", "allowed: a JSON object with fields");
    assert.deepEqual(await s.store.get(breaker), before);
    assert.equal(before?.state, "OPEN");
    assert.deepEqual(h.metrics.names(), []);
  });

  for (const onStoreError of ["reject", "allow"] as const) {
    it(`store down, onStoreError=${onStoreError}: ${onStoreError === "allow" ? "admitted without a lease" : "not admitted"}, StoreErrors`, async () => {
      const h = harness(await downStore(s.kind), settingsOf({ onStoreError }));
      const breaker = uniqueBreaker();
      const r = await acquireProbeDefinition.make(h.deps)({ breaker, leaseId: "exec-1" });
      assert.deepEqual(r, { admitted: onStoreError === "allow", gen: 0, state: "UNKNOWN", leaseId: null, reason: "store error" });
      assert.deepEqual(h.metrics.totals(breaker), { [METRICS.storeErrors]: 1 });
      assert.equal(h.log.entries.filter((e) => e.level === "error" && e.attributes.onStoreError === onStoreError).length, 1);
    });
  }
});
