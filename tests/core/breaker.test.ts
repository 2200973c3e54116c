// The pure breaker module: every rule, with explicit times (no store, no clock).

import { strict as assert } from "node:assert";
import {
  acquireProbe,
  applyCount,
  applyOverride,
  BreakerRecord,
  Classified,
  classify,
  decide,
  directSuccessField,
  expiresAtSeconds,
  judgedSuccesses,
  HISTORY_LIMIT,
  newRecord,
  openDurationMs,
  openUntilIso,
  planCount,
  reportProbe,
  shouldTrip,
  trip,
} from "../../core/breaker";
import { BreakerSettings, loadSettings } from "../../core/settings";

const T0 = 1_700_000_000_000; // a whole second

/** Feeds classified outcomes through count + trip, as the service does; returns the record and the transitions. */
function feed(s: BreakerSettings, outcomes: [Classified, number][], start: BreakerRecord | null = null) {
  let rec = start;
  const transitions = [];
  for (const [c, at] of outcomes) {
    const plan = planCount(rec, c, at, s);
    if (!plan) continue;
    rec = applyCount(rec, plan, at);
    const t = trip(rec, at, s);
    if (t.record) {
      rec = t.record;
      transitions.push(t.transition!);
    }
  }
  return { rec: rec ?? newRecord(T0), transitions };
}

const fails = (n: number, at = T0): [Classified, number][] => Array.from({ length: n }, () => ["failure", at] as [Classified, number]);

function opened(s: BreakerSettings, at = T0): BreakerRecord {
  const { rec } = feed(s, fails(s.failureThreshold, at));
  assert.equal(rec.state, "OPEN");
  return rec;
}

function halfOpen(s: BreakerSettings, leaseId = "p0"): BreakerRecord {
  const o = opened(s);
  const c = acquireProbe(o, o.openUntil!, s, leaseId);
  assert.equal(c.result.admitted, true);
  return c.record!;
}

describe("breaker (pure): classify", () => {
  const s = loadSettings({ slowCallDurationMs: 100, ignoredErrors: ["ClientError", "Throttled"] });
  it("a failure counts unless its error is ignored", () => {
    assert.equal(classify({ kind: "failure", error: "Boom" }, s), "failure");
    assert.equal(classify({ kind: "failure", error: "ClientError" }, s), "ignored");
    assert.equal(classify({ kind: "failure", error: "Throttled", durationMs: 5000 }, s), "ignored");
  });
  it("a success slower than slowCallDurationMs is slow; at the limit it is not", () => {
    assert.equal(classify({ kind: "success", durationMs: 101 }, s), "slow");
    assert.equal(classify({ kind: "success", durationMs: 100 }, s), "success");
    assert.equal(classify({ kind: "success" }, s), "success");
    assert.equal(classify({ kind: "success", durationMs: 1e6 }, loadSettings({})), "success", "0 = slow-call detection off");
  });
});

describe("breaker (pure): trip rules", () => {
  it("consecutive: N failures in a row trip, N-1 do not; a success resets", () => {
    const s = loadSettings({ tripRule: "consecutive", failureThreshold: 3 });
    assert.equal(feed(s, fails(2)).rec.state, "CLOSED");
    const { rec, transitions } = feed(s, [...fails(2), ["success", T0], ...fails(2)]);
    assert.deepEqual([rec.state, rec.counters.cf, transitions.length], ["CLOSED", 2, 0]);
    const tripped = feed(s, fails(3));
    assert.equal(tripped.rec.state, "OPEN");
    assert.deepEqual(
      tripped.transitions.map((t) => [t.from, t.to, t.gen]),
      [["CLOSED", "OPEN", 1]],
    );
  });

  it("consecutive: a success is recorded only while failures are on the count", () => {
    const s = loadSettings({ tripRule: "consecutive" });
    assert.equal(planCount(null, "success", T0, s), null);
    const one = feed(s, fails(1)).rec;
    assert.equal(one.recordSuccess, true);
    assert.equal(decide(one, T0, s).recordSuccess, true);
    const reset = feed(s, [["success", T0]], one).rec;
    assert.deepEqual([reset.counters.cf, reset.recordSuccess], [0, false]);
    assert.equal(decide(reset, T0, s).recordSuccess, false);
  });

  it("window: N failures within T seconds trip; failures that slid out do not count", () => {
    const s = loadSettings({ tripRule: "window", failureThreshold: 3, windowSeconds: 10 });
    const spread = feed(s, [
      ["failure", T0],
      ["failure", T0 + 1_000],
      ["failure", T0 + 10_500],
    ]);
    assert.equal(spread.rec.state, "CLOSED", "the first failure slid out of the window");
    assert.equal(Object.keys(spread.rec.counters).length, 2, "its bucket was removed");
    assert.equal(
      feed(s, [
        ["failure", T0],
        ["failure", T0 + 5_000],
        ["failure", T0 + 9_999],
      ]).rec.state,
      "OPEN",
    );
    assert.equal(planCount(null, "success", T0, s), null, "successes are not counted by the window rule");
  });

  it("rate: trips at ratio >= r once minimumCalls were seen", () => {
    const s = loadSettings({ tripRule: "rate", failureRateThreshold: 0.5, minimumCalls: 4, windowSeconds: 10 });
    assert.equal(feed(s, fails(3)).rec.state, "CLOSED", "3 calls < minimumCalls");
    assert.equal(feed(s, fails(4)).rec.state, "OPEN");
    const mixed: [Classified, number][] = [
      ["success", T0],
      ["success", T0],
      ["success", T0],
      ["failure", T0],
      ["failure", T0],
    ];
    assert.equal(feed(s, mixed).rec.state, "CLOSED", "2/5 < 0.5");
    assert.equal(feed(s, [...mixed, ["failure", T0]]).rec.state, "OPEN", "3/6 = 0.5");
    assert.equal(feed(s, [...fails(3), ["success", T0 + 11_000]]).rec.state, "CLOSED", "old failures slid out");
    assert.equal(decide(null, T0, s).recordSuccess, true, "the rate rule needs every success");
  });

  it("rate: a counted outcome sets the current success bucket; a success is counted directly only while it is current", () => {
    const s = loadSettings({ tripRule: "rate", windowSeconds: 10, minimumCalls: 1000 });
    const at = T0 + 2_500; // bucket width 1 s: bucket T0/1000 + 2, which ends at T0 + 3 s
    const rec = applyCount(null, planCount(null, "failure", at, s)!, at);
    assert.deepEqual(rec.successBucket, {
      field: `s_${T0 / 1000 + 2}`,
      until: T0 + 3_000,
      nextField: `s_${T0 / 1000 + 3}`,
      nextUntil: T0 + 4_000,
    });
    assert.equal(directSuccessField(rec, T0 + 2_999, s), `s_${T0 / 1000 + 2}`);
    assert.equal(directSuccessField(rec, T0 + 3_000, s), `s_${T0 / 1000 + 3}`, "the prepared next bucket");
    assert.equal(directSuccessField(rec, T0 + 4_000, s), null, "both expired: through record-outcome");
    assert.equal(
      directSuccessField(rec, T0, loadSettings({ tripRule: "rate", slowCallDurationMs: 100 })),
      null,
      "slow-call timing needs the Lambda",
    );
    assert.equal(directSuccessField(trip({ ...rec, counters: { [`f_${T0 / 1000 + 2}`]: 5000 } }, at, s).record, at, s), null, "not CLOSED");
    assert.equal(trip({ ...rec, counters: { [`f_${T0 / 1000 + 2}`]: 5000 } }, at, s).record!.successBucket, null, "a transition clears it");
    // The bucket is never used past half the idle TTL after the write that set it (a direct ADD refreshes no TTL).
    const long = loadSettings({ tripRule: "rate", windowSeconds: 86400, idleTtlSeconds: 60 });
    const capped = applyCount(null, planCount(null, "success", T0, long)!, T0).successBucket!;
    assert.deepEqual([capped.until, capped.nextUntil], [T0 + 30_000, T0 + 30_000]);
    // A sampled success adds its weight.
    assert.deepEqual(planCount(null, "success", at, s, 10)!.add, { [`s_${T0 / 1000 + 2}`]: 10 });
  });

  it("rate, sampled successes: the ratio is judged against the weighted count plus two standard errors", () => {
    const exact = loadSettings({ tripRule: "rate", failureRateThreshold: 0.5, minimumCalls: 20, windowSeconds: 10 });
    assert.equal(judgedSuccesses(140, exact), 140, "exact counting is judged as counted");
    const s = loadSettings({ tripRule: "rate", successSampleRate: 0.1, failureRateThreshold: 0.5, minimumCalls: 20, windowSeconds: 10 });
    assert.equal(judgedSuccesses(0, s), 36, "no sample yet: Z^2 (1 - p) / p");
    assert.equal(judgedSuccesses(90, s), 90 + 2 * Math.sqrt(90 * 9) + 36);
    const at = T0 + 500;
    const bucket = `s_${T0 / 1000}`;
    const withCounts = (f: number, succ: number) => ({ ...newRecord(at), counters: { [`f_${T0 / 1000}`]: f, [bucket]: succ } });
    // 60 failures against 6 sampled successes (60 weighted) would trip on the plain ratio; not on the judged one.
    assert.equal(shouldTrip(withCounts(60, 60), at, exact), true);
    assert.equal(shouldTrip(withCounts(60, 60), at, s), false);
    // A real outage does: 140 failures against 5 sampled successes.
    assert.equal(shouldTrip(withCounts(140, 50), at, s), true);
    // minimumCalls counts weighted calls: 10 failures and one sampled success are 20 calls.
    assert.equal(shouldTrip(withCounts(10, 0), at, s), false, "10 calls < minimumCalls");
  });

  it("slow calls count as failures; ignored errors do not count", () => {
    const s = loadSettings({ tripRule: "consecutive", failureThreshold: 2 });
    assert.equal(
      feed(s, [
        ["slow", T0],
        ["slow", T0],
      ]).rec.state,
      "OPEN",
    );
    assert.equal(planCount(null, "ignored", T0, s), null);
    assert.equal(
      feed(s, [
        ["failure", T0],
        ["ignored", T0],
        ["failure", T0],
      ]).rec.state,
      "OPEN",
      "an ignored error does not reset the run",
    );
  });

  it("counts only in CLOSED", () => {
    const s = loadSettings({ failureThreshold: 1 });
    assert.equal(planCount(opened(s), "failure", T0, s), null);
    assert.equal(shouldTrip(opened(s), T0, s), false);
  });
});

describe("breaker (pure): OPEN and HALF_OPEN", () => {
  const s = loadSettings({
    failureThreshold: 1,
    openDurationSeconds: 10,
    openDurationMultiplier: 3,
    maxOpenDurationSeconds: 60,
    halfOpenProbes: 2,
    probeLeaseSeconds: 5,
  });

  it("OPEN rejects until openUntil, then routes to a probe", () => {
    const o = opened(s);
    assert.equal(o.openUntil, T0 + 10_000);
    assert.equal(decide(o, T0 + 9_999, s).route, "reject");
    assert.equal(decide(o, T0 + 10_000, s).route, "probe");
    assert.equal(acquireProbe(o, T0 + 9_999, s, "early").result.admitted, false);
  });

  it("open duration: base x multiplier^reopens, capped", () => {
    assert.deepEqual(
      [0, 1, 2, 3].map((k) => openDurationMs(k, s)),
      [10_000, 30_000, 60_000, 60_000],
    );
  });

  it("HALF_OPEN admits exactly P probes; P successes close and reset the backoff", () => {
    let rec = halfOpen(s, "a");
    const at = rec.updatedAt;
    const b = acquireProbe(rec, at, s, "b");
    assert.equal(b.result.admitted, true);
    rec = b.record!;
    assert.deepEqual(acquireProbe(rec, at, s, "c").result, {
      admitted: false,
      gen: rec.gen,
      state: "HALF_OPEN",
      leaseId: null,
      reason: "all probe slots taken",
    });
    const first = reportProbe(rec, rec.gen, "a", "success", at, s);
    assert.deepEqual([first.result, first.transition], ["counted", null]);
    assert.equal(acquireProbe(first.record!, at, s, "c").result.admitted, false, "a success still holds its slot");
    const second = reportProbe(first.record!, rec.gen, "b", "success", at, s);
    assert.equal(second.result, "closed");
    assert.deepEqual([second.transition!.from, second.transition!.to], ["HALF_OPEN", "CLOSED"]);
    assert.deepEqual([second.record!.state, second.record!.reopens], ["CLOSED", 0]);
  });

  it("a probe failure re-opens with the next, longer period; an ignored error frees the slot", () => {
    const rec = halfOpen(s, "a");
    const at = rec.updatedAt;
    const failed = reportProbe(rec, rec.gen, "a", "failure", at, s);
    assert.equal(failed.result, "reopened");
    assert.deepEqual([failed.record!.state, failed.record!.reopens, failed.record!.openUntil], ["OPEN", 1, at + 30_000]);
    const slow = reportProbe(rec, rec.gen, "a", "slow", at, s);
    assert.equal(slow.transition!.reason, "probe was slow");
    const ignored = reportProbe(rec, rec.gen, "a", "ignored", at, s);
    assert.deepEqual([ignored.result, ignored.transition, ignored.record!.leases], ["released", null, {}]);
  });

  it("an expired lease is reclaimed by the next caller; the silent probe's late report is stale", () => {
    const one = loadSettings({ failureThreshold: 1, halfOpenProbes: 1, probeLeaseSeconds: 5 });
    const rec = halfOpen(one, "silent");
    const at = rec.updatedAt;
    assert.equal(acquireProbe(rec, at + 4_999, one, "next").result.admitted, false);
    const next = acquireProbe(rec, at + 5_000, one, "next");
    assert.equal(next.result.admitted, true);
    assert.deepEqual(Object.keys(next.record!.leases), ["next"]);
    assert.equal(reportProbe(next.record!, rec.gen, "silent", "failure", at + 6_000, one).result, "stale");
  });

  it("outcomes of another generation are stale", () => {
    const rec = halfOpen(s, "a");
    assert.equal(reportProbe(rec, rec.gen - 1, "a", "success", T0, s).result, "stale");
    assert.equal(reportProbe(null, 0, "a", "success", T0, s).result, "stale");
  });

  it("keeps the last HISTORY_LIMIT transitions, newest first", () => {
    let rec: BreakerRecord | null = null;
    for (let i = 0; i < HISTORY_LIMIT + 3; i++) rec = applyOverride(rec, i % 2 ? "close" : "open", T0 + i, { by: "t", reason: "" }).record;
    assert.equal(rec!.history.length, HISTORY_LIMIT);
    assert.equal(rec!.history[0].gen, rec!.gen);
    assert.deepEqual(
      rec!.history.map((t) => t.gen),
      Array.from({ length: HISTORY_LIMIT }, (_, i) => rec!.gen - i),
    );
  });
});

describe("breaker (pure): overrides", () => {
  const s = loadSettings({ failureThreshold: 1 });
  const who = { by: "ops", reason: "drill" };

  it("open -> FORCED_OPEN rejects everything, with no probes, whatever the time", () => {
    const f = applyOverride(null, "open", T0, who);
    assert.equal(f.result, "FORCED_OPEN");
    assert.deepEqual(f.record!.override, { by: "ops", at: T0, reason: "drill" });
    assert.equal(decide(f.record, T0 + 1e9, s).route, "reject");
    assert.equal(acquireProbe(f.record, T0, s, "x").result.admitted, false);
    assert.equal(planCount(f.record, "failure", T0, s), null);
    assert.equal(applyOverride(f.record, "open", T0, who).record, null, "already forced open: nothing to write");
  });

  it("disable -> DISABLED passes everything and records nothing; enable -> CLOSED", () => {
    const d = applyOverride(null, "disable", T0, who).record!;
    assert.equal(decide(d, T0, s).route, "passthrough");
    assert.equal(planCount(d, "failure", T0, s), null);
    assert.equal(applyOverride(d, "open", T0, who).result, "FORCED_OPEN");
    assert.equal(applyOverride(opened(s), "enable", T0, who).record, null, "enable only leaves DISABLED");
    assert.equal(applyOverride(d, "enable", T0, who).result, "CLOSED");
  });

  it("close leaves any state for CLOSED and resets the backoff; reset also clears counters in CLOSED", () => {
    const o = { ...opened(s), reopens: 4 };
    const c = applyOverride(o, "close", T0, who);
    assert.deepEqual([c.record!.state, c.record!.reopens, c.record!.gen], ["CLOSED", 0, o.gen + 1]);
    const counted = feed(loadSettings({ failureThreshold: 5 }), fails(2)).rec;
    assert.equal(applyOverride(counted, "close", T0, who).record, null);
    const r = applyOverride(counted, "reset", T0, who);
    assert.deepEqual([r.record!.counters, r.record!.gen, r.transition], [{}, counted.gen + 1, null]);
  });
});

describe("breaker (pure): what stores write", () => {
  const s = loadSettings({ failureThreshold: 1, idleTtlSeconds: 600, openDurationSeconds: 30 });
  it("expiresAtSeconds: idle TTL after the last useful moment; none for manual states", () => {
    assert.equal(expiresAtSeconds({ ...newRecord(T0), updatedAt: T0 + 1 }, s), T0 / 1000 + 1 + 600);
    const o = opened(s);
    assert.equal(expiresAtSeconds(o, s), (T0 + 30_000) / 1000 + 600);
    assert.equal(expiresAtSeconds(applyOverride(o, "open", T0, { by: "x", reason: "" }).record!, s), null);
    assert.equal(expiresAtSeconds(applyOverride(o, "disable", T0, { by: "x", reason: "" }).record!, s), null);
  });
  it("openUntilIso: ISO-8601 UTC, comparable as text", () => {
    const o = opened(s);
    assert.equal(openUntilIso(o), new Date(T0 + 30_000).toISOString());
    assert.equal(openUntilIso(newRecord(T0)), null);
    const earlier = new Date(T0 + 29_999).toISOString();
    assert.ok(earlier < openUntilIso(o)!);
  });
});
