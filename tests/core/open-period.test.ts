// The open-period policy's early re-probe (core/open-period.ts, docs/semantics.md "Open period"), on the pure
// module: user calls wait for the open period; only the health probe may probe from probeAt; a failed early
// probe re-opens with the next period; never more than halfOpenProbes probes per open period.

import { strict as assert } from "node:assert";
import { acquireProbe, BreakerRecord, decide, newRecord, openDurationMs, reportProbe, trip } from "../../core/breaker";
import { earlyProbeDue, probeAtFor } from "../../core/open-period";
import { DEFAULT_SETTINGS, loadSettings } from "../../core/settings";

const T0 = 1_700_000_000_000;

function opened(now: number, overrides = {}): { rec: BreakerRecord; s: ReturnType<typeof loadSettings> } {
  const s = loadSettings({ failureThreshold: 1, openDurationSeconds: 10, openDurationMultiplier: 2, earlyProbeSeconds: 2, ...overrides });
  const closed = { ...newRecord(now), counters: { cf: 1 } };
  const t = trip(closed, now, s);
  assert.ok(t.record);
  return { rec: t.record, s };
}

describe("open period: early re-probe by the health probe", () => {
  it("the defaults: a short first period with backoff toward the cap, and early re-probing every 2 s", () => {
    assert.deepEqual(
      [
        DEFAULT_SETTINGS.openDurationSeconds,
        DEFAULT_SETTINGS.openDurationMultiplier,
        DEFAULT_SETTINGS.maxOpenDurationSeconds,
        DEFAULT_SETTINGS.earlyProbeSeconds,
      ],
      [2, 1.25, 300, 2],
    );
  });

  it("a trip sets probeAt earlyProbeSeconds after it; 0 turns early re-probing off", () => {
    const { rec } = opened(T0);
    assert.equal(rec.state, "OPEN");
    assert.equal(rec.openUntil, T0 + 10_000);
    assert.equal(rec.probeAt, T0 + 2_000);
    assert.equal(opened(T0, { earlyProbeSeconds: 0 }).rec.probeAt, null);
    assert.equal(probeAtFor(T0, loadSettings({ earlyProbeSeconds: 0 })), null);
  });

  it("user calls are rejected for the whole open period, probeAt or not", () => {
    const { rec, s } = opened(T0);
    assert.equal(decide(rec, T0 + 5_000, s).route, "reject");
    assert.equal(acquireProbe(rec, T0 + 5_000, s, "user").result.admitted, false);
    assert.equal(decide(rec, T0 + 10_000, s).route, "probe");
  });

  it("the health probe may take the lease from probeAt, not before", () => {
    const { rec, s } = opened(T0);
    assert.equal(earlyProbeDue(rec, T0 + 1_999), false);
    assert.equal(acquireProbe(rec, T0 + 1_999, s, "hp", true).result.admitted, false);
    assert.equal(earlyProbeDue(rec, T0 + 2_000), true);
    const g = acquireProbe(rec, T0 + 2_000, s, "hp", true);
    assert.equal(g.result.admitted, true);
    assert.deepEqual(
      [g.record?.state, g.record?.gen, g.transition?.reason],
      ["HALF_OPEN", rec.gen + 1, "early re-probe by the health probe"],
    );
    assert.equal(g.record?.reopens, rec.reopens);
  });

  it("a failed early probe re-opens: new generation, the next (longer) open period, a new probeAt", () => {
    const { rec, s } = opened(T0);
    const g = acquireProbe(rec, T0 + 2_000, s, "hp", true);
    const r = reportProbe(g.record, g.result.gen, "hp", "failure", T0 + 2_100, s);
    assert.equal(r.result, "reopened");
    assert.equal(r.record?.state, "OPEN");
    assert.equal(r.record?.gen, g.result.gen + 1);
    assert.equal(r.record?.reopens, 1);
    assert.equal(r.record?.openUntil, T0 + 2_100 + openDurationMs(1, s));
    assert.equal(r.record?.probeAt, T0 + 2_100 + 2_000);
    // a late report from the early probe's generation changes nothing
    assert.equal(reportProbe(r.record, g.result.gen, "hp", "success", T0 + 2_200, s).result, "stale");
  });

  it("a successful early probe closes (halfOpenProbes 1) and clears probeAt", () => {
    const { rec, s } = opened(T0);
    const g = acquireProbe(rec, T0 + 2_000, s, "hp", true);
    const r = reportProbe(g.record, g.result.gen, "hp", "success", T0 + 2_050, s);
    assert.deepEqual([r.result, r.record?.state, r.record?.probeAt, r.record?.reopens], ["closed", "CLOSED", null, 0]);
  });

  it("keeps exactly halfOpenProbes probes: the early probe holds one slot, callers the rest, the next is refused", () => {
    const { rec, s } = opened(T0, { halfOpenProbes: 2 });
    const g = acquireProbe(rec, T0 + 2_000, s, "hp", true);
    assert.equal(decide(g.record, T0 + 2_001, s).route, "probe");
    const second = acquireProbe(g.record, T0 + 2_001, s, "user-1");
    assert.equal(second.result.admitted, true);
    const third = acquireProbe(second.record, T0 + 2_002, s, "user-2");
    assert.deepEqual([third.result.admitted, third.result.reason], [false, "all probe slots taken"]);
    const again = acquireProbe(second.record, T0 + 2_002, s, "hp-2", true);
    assert.equal(again.result.admitted, false);
  });

  it("never more than one probe per slot per open period, whatever the callers and health probes do", () => {
    // Random interleavings of user calls and health probes, each probe failing: count leases per generation.
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const halfOpenProbes of [1, 2, 3]) {
      // Leases that never expire here: a slot comes free only by a report.
      const o = opened(T0, { halfOpenProbes, probeLeaseSeconds: 3600 });
      const s = o.s;
      let rec = o.rec;
      let now = T0;
      const perGen = new Map<number, number>();
      const freed = new Map<number, number>();
      const holders: { id: string; gen: number }[] = [];
      for (let i = 0; i < 2_000; i++) {
        now += Math.floor(rnd() * 700);
        const roll = rnd();
        if (roll < 0.5) {
          const id = `p${i}`;
          const g = acquireProbe(rec, now, s, id, rnd() < 0.5);
          if (g.result.admitted) {
            perGen.set(g.result.gen, (perGen.get(g.result.gen) ?? 0) + 1);
            holders.push({ id, gen: g.result.gen });
          }
          if (g.record) rec = g.record;
        } else if (holders.length) {
          const h = holders.splice(Math.floor(rnd() * holders.length), 1)[0];
          const r = reportProbe(rec, h.gen, h.id, rnd() < 0.8 ? "failure" : "ignored", now, s);
          if (r.result === "released") freed.set(h.gen, (freed.get(h.gen) ?? 0) + 1);
          if (r.record) rec = r.record;
        }
        if (rec.state === "HALF_OPEN") assert.ok(Object.keys(rec.leases).length <= halfOpenProbes);
      }
      assert.ok(perGen.size > 10, "many open periods were probed");
      // A slot freed by an ignored error (it never counted) may be taken again in the same period; nothing else may.
      for (const [gen, n] of perGen) assert.ok(n - (freed.get(gen) ?? 0) <= halfOpenProbes, `generation ${gen}: ${n} probes`);
    }
  });

  it("with early re-probing off, the health probe waits for the open period like everyone", () => {
    const { rec, s } = opened(T0, { earlyProbeSeconds: 0 });
    assert.equal(acquireProbe(rec, T0 + 9_999, s, "hp", true).result.admitted, false);
    assert.equal(acquireProbe(rec, T0 + 10_000, s, "hp", true).result.admitted, true);
  });
});
