// The scheduled health probe as the waste bench simulates it (local/health-probe-loop.ts), on both stores: one
// run keeps re-probing an OPEN circuit at each probeAt until the target answers, then stops; callers never probe.

import { strict as assert } from "node:assert";
import { BreakerService } from "../../functions/breaker/service";
import { startHealthProbeLoop } from "../../local/health-probe-loop";
import { Timebase, scaleSettings } from "../../local/speed";
import { describeEachStore, harness, settingsOf, uniqueBreaker } from "../handlers/support";

const SPEED = 20;

describeEachStore("local health-probe loop", (s) => {
  it("re-probes at each probeAt while the target fails, closes at its first success, then probes no more", async () => {
    const design = settingsOf({ failureThreshold: 1, openDurationSeconds: 60, maxOpenDurationSeconds: 300, earlyProbeSeconds: 2 });
    const settings = scaleSettings(design, SPEED);
    const h = harness(s.store, settings);
    h.deps.clock = Date.now;
    const breaker = uniqueBreaker("loop");
    const svc = new BreakerService(s.store);
    assert.equal((await svc.recordOutcome(breaker, settings, 0, { kind: "failure", error: "Boom" })).result, "tripped");
    let answers = 0;
    const target = async () => {
      answers += 1;
      if (answers <= 3) throw Object.assign(new Error("down"), { name: "ServiceUnavailable" });
      return { ok: true };
    };
    const tb = new Timebase(SPEED, Date.now());
    const loop = startHealthProbeLoop({ offsetSeconds: 0, breaker, deps: h.deps, store: s.store, tb, target });
    try {
      let rec = await s.store.get(breaker);
      for (let i = 0; i < 400 && rec?.state !== "CLOSED"; i++) {
        await new Promise((r) => setTimeout(r, 25));
        rec = await s.store.get(breaker);
      }
      assert.equal(rec?.state, "CLOSED");
      // Three failed early probes re-opened it (each with a new generation), the fourth closed it.
      assert.deepEqual(
        loop.calls.map((c) => c.ok),
        [false, false, false, true],
      );
      const reasons = rec!.history.filter((t) => t.to === "HALF_OPEN").map((t) => t.reason);
      assert.deepEqual(reasons, Array(4).fill("early re-probe by the health probe"));
      // Each early probe waited for its probeAt: 2 design seconds after the (re-)open before it.
      const opens = rec!.history.filter((t) => t.to === "OPEN").map((t) => t.at);
      const halfOpens = rec!.history.filter((t) => t.to === "HALF_OPEN").map((t) => t.at);
      for (let i = 0; i < halfOpens.length; i++) assert.ok(halfOpens[i] - opens[i] >= (2 * 1000) / SPEED);
    } finally {
      await loop.stop();
    }
    assert.equal(answers, 4);
  });
});
