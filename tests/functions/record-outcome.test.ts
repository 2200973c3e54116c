import assert from "node:assert/strict";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { METRICS } from "../../core/metric-names";
import { describeEachStore, downStore, silentStore, harness, rejectsWith, settingsOf, uniqueBreaker } from "./support";

describeEachStore("record-outcome handler", (s) => {
  it("counts failures, trips at the threshold with exactly one CircuitOpened and one transition log line", async () => {
    const h = harness(s.store, settingsOf({ tripRule: "consecutive", failureThreshold: 3 }));
    const handle = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await handle({ breaker, gen: 0, outcome: "failure", error: "ServiceUnavailable" }));
    assert.deepEqual(
      results.map((r) => r.result),
      ["counted", "counted", "tripped"],
    );
    assert.equal(results[2].state, "OPEN");
    assert.deepEqual(
      { from: results[2].transition?.from, to: results[2].transition?.to, gen: results[2].transition?.gen },
      { from: "CLOSED", to: "OPEN", gen: 1 },
    );

    const rec = await s.store.get(breaker);
    assert.equal(rec?.state, "OPEN");
    assert.equal(rec?.gen, 1);

    const totals = h.metrics.totals(breaker);
    assert.equal(totals[METRICS.callsFailed], 3);
    assert.equal(totals[METRICS.circuitOpened], 1);
    assert.equal(h.metrics.names().filter((n) => n === METRICS.circuitOpened).length, 1);
    const lines = h.log.withMessage("breaker transition");
    assert.equal(lines.length, 1);
    assert.deepEqual(
      { from: lines[0].attributes.from, to: lines[0].attributes.to, gen: lines[0].attributes.gen, breaker: lines[0].attributes.breaker },
      { from: "CLOSED", to: "OPEN", gen: 1, breaker },
    );
    assert.match(String(lines[0].attributes.reason), /consecutive/);

    // a later outcome of a call admitted in generation 0 is stale and changes nothing
    const stale = await handle({ breaker, gen: "0", outcome: "failure", error: "ServiceUnavailable" });
    assert.equal(stale.result, "stale");
    assert.equal((await s.store.get(breaker))?.ver, rec?.ver);
  });

  it("a success clears the consecutive count; an ignored client error counts nothing", async () => {
    const h = harness(s.store, settingsOf({ tripRule: "consecutive", failureThreshold: 2 }));
    const handle = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    await handle({ breaker, gen: 0, outcome: "failure", error: "com.acme.Client$Unavailable" }); // any runtime's error name
    assert.equal((await s.store.get(breaker))?.counters.cf, 1);
    const ok = await handle({ breaker, gen: 0, outcome: "success" });
    assert.equal(ok.result, "counted");
    assert.equal((await s.store.get(breaker))?.counters.cf, 0);
    const ignored = await handle({ breaker, gen: 0, outcome: "failure", error: "ClientError", cause: "400 bad request" });
    assert.deepEqual({ result: ignored.result, classified: ignored.classified }, { result: "ignored", classified: "ignored" });
    await handle({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    const rec = await s.store.get(breaker);
    assert.equal(rec?.state, "CLOSED");
    assert.equal(rec?.counters.cf, 1);
    const totals = h.metrics.totals(breaker);
    assert.deepEqual(
      [totals[METRICS.callsFailed], totals[METRICS.callsSucceeded], totals[METRICS.callsIgnored], totals[METRICS.circuitOpened]],
      [2, 1, 1, undefined],
    );
  });

  it("measures the duration from startedAt when durationMs is absent, and a slow success counts as a failure", async () => {
    const h = harness(s.store, settingsOf({ tripRule: "consecutive", failureThreshold: 5, slowCallDurationMs: 2000 }));
    const handle = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    const slow = await handle({ breaker, gen: 0, outcome: "success", startedAt: new Date(h.clock.t - 5000).toISOString() });
    assert.deepEqual({ result: slow.result, classified: slow.classified }, { result: "counted", classified: "slow" });
    const fast = await handle({ breaker, gen: 0, outcome: "success", startedAt: new Date(h.clock.t - 100).toISOString() });
    assert.equal(fast.classified, "success");
    // durationMs, when given, wins over startedAt
    const given = await handle({ breaker, gen: 0, outcome: "success", durationMs: 2500, startedAt: new Date(h.clock.t).toISOString() });
    assert.equal(given.classified, "slow");
    assert.equal((await s.store.get(breaker))?.counters.cf, 1);
    const totals = h.metrics.totals(breaker);
    assert.equal(totals[METRICS.callsSlow], 2);
    assert.equal(totals[METRICS.callsSucceeded], 1);
  });

  it("a probe's success closes HALF_OPEN (CircuitClosed), a probe's failure re-opens it for longer", async () => {
    const settings = settingsOf({ tripRule: "consecutive", failureThreshold: 1, openDurationSeconds: 10, openDurationMultiplier: 2 });
    const h = harness(s.store, settings);
    const record = recordOutcomeDefinition.make(h.deps);
    const acquire = acquireProbeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    await record({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    h.clock.advance(10_001);
    const grant = await acquire({ breaker, leaseId: "exec-1" });
    assert.equal(grant.admitted, true);
    const failed = await record({ breaker, gen: grant.gen, leaseId: "exec-1", outcome: "failure", error: "Boom" });
    assert.deepEqual(
      { result: failed.result, state: failed.state, to: failed.transition?.to },
      { result: "reopened", state: "OPEN", to: "OPEN" },
    );
    const reopened = await s.store.get(breaker);
    assert.equal(reopened?.openUntil, h.clock.t + 20_000);

    h.clock.advance(20_001);
    const again = await acquire({ breaker, leaseId: "exec-2" });
    assert.equal(again.admitted, true);
    const closed = await record({ breaker, gen: String(again.gen), leaseId: "exec-2", outcome: "success" });
    assert.deepEqual({ result: closed.result, state: closed.state }, { result: "closed", state: "CLOSED" });
    assert.equal((await s.store.get(breaker))?.state, "CLOSED");
    const totals = h.metrics.totals(breaker);
    assert.deepEqual([totals[METRICS.circuitOpened], totals[METRICS.circuitHalfOpened], totals[METRICS.circuitClosed]], [2, 2, 1]);
    assert.deepEqual(
      h.log.withMessage("breaker transition").map((e) => `${e.attributes.from}->${e.attributes.to}`),
      ["CLOSED->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->OPEN", "OPEN->HALF_OPEN", "HALF_OPEN->CLOSED"],
    );
  });

  it("a probe outcome whose lease is gone answers the record's real state (stale), never one it is not in", async () => {
    const settings = settingsOf({ tripRule: "consecutive", failureThreshold: 1, openDurationSeconds: 10 });
    const h = harness(s.store, settings);
    const record = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    // No record at all: the breaker is CLOSED.
    const none = await record({ breaker, gen: 0, leaseId: "exec-0", outcome: "success" });
    assert.deepEqual({ result: none.result, state: none.state }, { result: "stale", state: "CLOSED" });
    assert.equal(await s.store.get(breaker), null, "nothing was written");
    // A CLOSED record (counted once, then cleared by a success).
    await record({ breaker, gen: 0, outcome: "success" });
    const closedBefore = await s.store.get(breaker);
    const closed = await record({ breaker, gen: 0, leaseId: "exec-1", outcome: "success" });
    assert.deepEqual(
      { result: closed.result, state: closed.state, transition: closed.transition },
      { result: "stale", state: "CLOSED", transition: null },
    );
    assert.deepEqual(await s.store.get(breaker), closedBefore, "the record is unchanged and CLOSED");
    // An OPEN record: a lease the breaker never granted.
    await record({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    const openBefore = await s.store.get(breaker);
    assert.equal(openBefore?.state, "OPEN");
    const open = await record({ breaker, gen: openBefore!.gen, leaseId: "exec-2", outcome: "failure", error: "Boom" });
    assert.deepEqual({ result: open.result, state: open.state }, { result: "stale", state: "OPEN" });
    assert.deepEqual(await s.store.get(breaker), openBefore);
  });

  it("rate rule: a sampled success adds its weight to the current bucket and sets the bucket the state machine adds to", async () => {
    const settings = settingsOf({ tripRule: "rate", successSampleRate: 0.1, windowSeconds: 60, minimumCalls: 1000 });
    const h = harness(s.store, settings);
    const handle = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    await handle({ breaker, gen: 0, outcome: "success", weight: 10 });
    await handle({ breaker, gen: 0, outcome: "success", weight: 10 });
    await handle({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    const rec = (await s.store.get(breaker))!;
    const bucket = Math.floor(h.clock.t / 6000);
    assert.deepEqual(rec.counters, { [`s_${bucket}`]: 20, [`f_${bucket}`]: 1 });
    assert.deepEqual(rec.successBucket, {
      field: `s_${bucket}`,
      until: (bucket + 1) * 6000,
      nextField: `s_${bucket + 1}`,
      nextUntil: (bucket + 2) * 6000,
    });
  });

  it("rejects malformed events with InvalidEventError naming the field, and changes no stored state", async () => {
    const h = harness(s.store, settingsOf({ tripRule: "consecutive", failureThreshold: 1 }));
    const handle = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    await handle({ breaker, gen: 0, outcome: "success", durationMs: 1 }); // nothing to write yet
    await handle({ breaker, gen: 0, outcome: "failure", error: "Boom" }); // trips: OPEN gen 1
    const before = await s.store.get(breaker);
    const fresh = uniqueBreaker();
    h.metrics.clear();
    const cases: [unknown, ...string[]][] = [
      [null, "record-outcome event is null; allowed: a JSON object with fields"],
      ["failure", 'record-outcome event is "failure"; allowed: a JSON object'],
      [{ gen: 1, outcome: "failure", error: "Boom" }, ".breaker is missing", "a breaker name"],
      [{ breaker: "bad name!", gen: 1, outcome: "success" }, ".breaker is ", "letters, digits"],
      [{ breaker, gen: -1, outcome: "success" }, ".gen is -1", "non-negative integer"],
      [{ breaker, gen: "1x", outcome: "success" }, '.gen is "1x"'],
      [{ breaker, gen: 1, outcome: "failed", error: "Boom" }, '.outcome is "failed"', "allowed: success, failure"],
      [{ breaker, gen: 1, outcome: "failure" }, ".error is missing", 'required when outcome is "failure"'],
      [{ breaker, gen: 1, outcome: "success", durationMs: -5 }, ".durationMs is -5", "a number from 0"],
      [{ breaker, gen: 1, outcome: "success", startedAt: "yesterday" }, '.startedAt is "yesterday"', "ISO-8601"],
      [{ breaker, gen: 1, outcome: "success", leaseID: "x" }, ".leaseID is not a field of this event", "leaseId"],
      [{ breaker, gen: 1, outcome: "success", leaseId: "" }, '.leaseId is ""', "a lease id"],
      [{ breaker, gen: 1, outcome: "success", weight: 0.5 }, ".weight is 0.5", "a number from 1"],
      [{ breaker, gen: 1, outcome: "failure", error: "Boom", weight: 10 }, ".weight is 10", 'only with outcome "success"'],
      [{ breaker: fresh, gen: 0, outcome: "failure" }, ".error is missing"],
      [{ breaker: fresh, gen: 0, outcome: "failure", error: "two\nlines" }, '.error is "two\\nlines"', "no control characters"],
    ];
    for (const [event, ...fragments] of cases) {
      await rejectsWith(() => handle(event), "InvalidEventError", ...fragments);
    }
    assert.deepEqual(await s.store.get(breaker), before);
    assert.equal(await s.store.get(fresh), null);
    assert.deepEqual(h.metrics.names(), []);
  });

  for (const [what, broken] of [
    ["store down", downStore],
    ["store hung (accepts, never answers)", silentStore],
  ] as const) {
    it(`${what}: result store-error with StoreErrors and the call's own metric, an error log line, no throw`, async () => {
      const h = harness(await broken(s.kind), settingsOf());
      const breaker = uniqueBreaker();
      const r = await recordOutcomeDefinition.make(h.deps)({ breaker, gen: 0, outcome: "failure", error: "Boom" });
      assert.deepEqual(r, { breaker, result: "store-error", classified: "failure", state: "UNKNOWN", transition: null });
      const totals = h.metrics.totals(breaker);
      assert.equal(totals[METRICS.storeErrors], 1);
      assert.equal(totals[METRICS.callsFailed], 1);
      const errors = h.log.entries.filter((e) => e.level === "error");
      assert.equal(errors.length, 1);
      assert.equal(errors[0].attributes.errorName, "StoreError");
      assert.equal(errors[0].attributes.operation, "record-outcome");
    });
  }
});
