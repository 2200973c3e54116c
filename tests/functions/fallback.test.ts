import assert from "node:assert/strict";
import { fallbackDefinition } from "../../functions/handlers/fallback";
import { METRICS } from "../../core/metric-names";
import { FALLBACK_REASONS } from "../../core/schema/handler-events";
import { closeStores, downStore, harness, rejectsWith, settingsOf, uniqueBreaker } from "./support";

describe("fallback handler", () => {
  after(closeStores);

  it("a degraded response with breaker, state and reason; CallsRejected only when the call never reached the target", async () => {
    // a store that is down: the fallback must not need it
    const h = harness(await downStore("redis"), settingsOf());
    const handle = fallbackDefinition.make(h.deps);
    const expected: Record<string, string[]> = {
      open: [METRICS.callsRejected, METRICS.fallbacksServed],
      "forced open": [METRICS.callsRejected, METRICS.fallbacksServed],
      "probe slots taken": [METRICS.callsRejected, METRICS.fallbacksServed],
      "bulkhead full": [METRICS.callsRejected, METRICS.bulkheadRejected, METRICS.fallbacksServed],
      "target failed": [METRICS.fallbacksServed],
      "store error": [METRICS.fallbacksServed],
    };
    assert.deepEqual(Object.keys(expected).sort(), [...FALLBACK_REASONS].sort());
    for (const reason of FALLBACK_REASONS) {
      const breaker = uniqueBreaker();
      h.metrics.clear();
      const r = await handle({ breaker, reason, state: "OPEN", request: { orderId: 7 } });
      assert.equal(r.fallback, true);
      assert.equal(r.breaker, breaker);
      assert.equal(r.state, "OPEN");
      assert.equal(r.reason, reason);
      assert.ok(r.message.includes(breaker), r.message);
      assert.ok(!JSON.stringify(r).includes("orderId"), "the request is not echoed");
      assert.deepEqual(h.metrics.names().sort(), [...expected[reason]].sort(), reason);
      assert.deepEqual(h.metrics.documents()[0]._aws.CloudWatchMetrics[0].Dimensions, [["Breaker"]]);
    }
    assert.equal(h.log.entries.filter((e) => e.level === "error").length, 0);
  });

  it("open or forced open with the failed attempt's error (a retry the circuit stopped): no CallsRejected, the error named", async () => {
    const h = harness(await downStore("redis"), settingsOf());
    const handle = fallbackDefinition.make(h.deps);
    for (const reason of ["open", "forced open"] as const) {
      h.metrics.clear();
      const r = await handle({ breaker: "orders", reason, state: "OPEN", error: "ServiceUnavailable", cause: "down" });
      assert.deepEqual(h.metrics.names(), [METRICS.fallbacksServed], reason);
      assert.equal(r.error, "ServiceUnavailable");
      assert.match(r.message, /while the call was failing \(ServiceUnavailable\): it was not retried/);
    }
  });

  it("target failed: carries the error name; an unknown state reads UNKNOWN", async () => {
    const h = harness(await downStore("redis"), settingsOf());
    const r = await fallbackDefinition.make(h.deps)({
      breaker: "orders",
      reason: "target failed",
      error: "States.Timeout",
      cause: "took too long",
    });
    assert.deepEqual({ state: r.state, error: r.error }, { state: "UNKNOWN", error: "States.Timeout" });
    assert.match(r.message, /States\.Timeout/);
  });

  it("rejects malformed events with InvalidEventError and emits nothing", async () => {
    const h = harness(await downStore("redis"), settingsOf());
    const handle = fallbackDefinition.make(h.deps);
    await rejectsWith(
      () => handle({ breaker: "orders" }),
      "InvalidEventError",
      ".reason is missing",
      "allowed: open, forced open",
      "store error",
    );
    await rejectsWith(() => handle({ breaker: "orders", reason: "closed" }), "InvalidEventError", '.reason is "closed"');
    await rejectsWith(
      () => handle({ breaker: "orders", reason: "open", state: "AJAR" }),
      "InvalidEventError",
      '.state is "AJAR"',
      "CLOSED, OPEN, HALF_OPEN",
    );
    await rejectsWith(() => handle({ breaker: "orders", reason: "open", error: 5 }), "InvalidEventError", ".error is 5");
    assert.deepEqual(h.metrics.names(), []);
  });
});
