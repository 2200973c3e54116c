// The health-probe branch's early re-probe loop (core/definition/health-probe-branch.ts), run in
// aws-local-stepfunctions with the real shared handlers on both stores, at 20x (design seconds / 20, as the local
// runtime runs them): an OPEN circuit past its probeAt is probed early; a failed early probe re-opens and the loop
// probes again at the next probeAt; a success closes it and the loop ends; the loop ends within its budget; each
// open period admits at most halfOpenProbes probes. Assertions are on records and counts, never on durations.

import { strict as assert } from "node:assert";
import { BreakerRecord } from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { StateStore } from "../../core/state-store";
import { buildDefinition } from "../../core/state-machine-definition";
import { HEALTH_PROBE_STATES as H, PROBE_LOOP } from "../../core/definition/health-probe-branch";
import { BreakerService } from "../../functions/breaker/service";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { HandlerDeps } from "../../functions/shared/runtime";
import { TaskError, createLocalStateMachine } from "../../local/sfn-runtime";
import { scaleSettings } from "../../local/speed";
import { CapturedMetrics, describeEachStore, RecordingLog, settingsOf, uniqueBreaker } from "../functions/support";

const SPEED = 20;
const FN = {
  recordOutcome: "record-outcome",
  acquireProbe: "acquire-probe",
  fallback: "fallback",
  reportStoreError: "report-store-error",
  getStatus: "get-status",
};
/** Design settings: open 60 s (3 s real), early probe 2 s after each (re-)open (0.1 s real), loop budget 55 s (2.75 s real). */
const DESIGN = settingsOf({ failureThreshold: 1, openDurationSeconds: 60, maxOpenDurationSeconds: 300, earlyProbeSeconds: 2 });

function rig(store: StateStore, kind: "dynamodb" | "redis", design: BreakerSettings, breaker: string, answers: boolean[]) {
  const deps: HandlerDeps = {
    settings: null,
    adjustSettings: (s) => scaleSettings(s, SPEED),
    store: async () => store,
    clock: Date.now,
    metrics: new CapturedMetrics().sink,
    log: new RecordingLog(),
  };
  const getStatus = getStatusDefinition.make(deps);
  let calls = 0;
  const machine = createLocalStateMachine(
    buildDefinition({
      breakerName: breaker,
      store: kind === "dynamodb" ? { kind: "dynamodb", tableName: "unused-by-the-probe" } : { kind: "redis" },
      functions: FN,
      targetArn: "target",
      fallback: "builtin",
      settings: design,
      healthProbe: true,
    }),
    {
      lambdas: {
        [FN.getStatus]: (e: { loopSeconds?: number }) => getStatus({ ...e, loopSeconds: (e.loopSeconds ?? 0) / SPEED }),
        [FN.acquireProbe]: acquireProbeDefinition.make(deps),
        [FN.recordOutcome]: recordOutcomeDefinition.make(deps),
        target: () => {
          const ok = answers[Math.min(calls++, answers.length - 1)];
          if (!ok) throw new TaskError("ServiceUnavailable", "down");
          return { ok: true };
        },
      },
      speed: SPEED,
    },
  );
  return {
    calls: () => calls,
    probe: () => machine.run({ healthProbe: { request: { healthCheck: true } } }),
    /** Trips the breaker `agoMs` real ms ago (with the run's scaled settings). */
    trip: (agoMs: number) =>
      new BreakerService(store, () => Date.now() - agoMs).recordOutcome(breaker, scaleSettings(design, SPEED), 0, {
        kind: "failure",
        error: "Boom",
      }),
  };
}

/** HALF_OPEN entries per open period: the transitions after each move to OPEN, until the next one. */
function probesPerOpenPeriod(rec: BreakerRecord): number[] {
  const moves = [...rec.history].sort((a, b) => a.at - b.at);
  const out: number[] = [];
  for (const m of moves) {
    if (m.to === "OPEN") out.push(0);
    else if (m.to === "HALF_OPEN") out[out.length - 1] += 1;
  }
  return out;
}

describeEachStore("health-probe branch: the early re-probe loop", (s) => {
  it("probes an OPEN circuit past its probeAt early; failures re-open and it probes again at each probeAt; a success closes it and ends the loop", async () => {
    const breaker = uniqueBreaker("loop");
    const r = rig(s.store, s.kind, DESIGN, breaker, [false, false, true]);
    await r.trip(200); // probeAt (100 ms real after the trip) has passed; the open period (3 s real) has not
    const run = await r.probe();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.equal((run.output as { healthProbe: string }).healthProbe, "probed");
    assert.equal(r.calls(), 3);
    const rec = (await s.store.get(breaker))!;
    assert.equal(rec.state, "CLOSED");
    const reasons = rec.history.filter((t) => t.to === "HALF_OPEN").map((t) => t.reason);
    assert.deepEqual(reasons, Array(3).fill("early re-probe by the health probe"));
    assert.deepEqual(probesPerOpenPeriod(rec), [1, 1, 1]);
    // Each failed probe was followed by a wait for the new probeAt, then a read and an early lease.
    assert.deepEqual(
      run.states.filter((x) => x === H.acquireEarly || x === H.waitProbeAt || x === H.acquire),
      [H.acquireEarly, H.waitProbeAt, H.acquireEarly, H.waitProbeAt, H.acquireEarly],
    );
  });

  it("waits for a probeAt still ahead inside its budget, then probes early", async () => {
    const breaker = uniqueBreaker("loop");
    const r = rig(s.store, s.kind, DESIGN, breaker, [true]);
    await r.trip(0);
    const run = await r.probe();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.deepEqual(
      run.states.filter((x) => x === H.acquireEarly || x === H.waitProbeAt),
      [H.waitProbeAt, H.acquireEarly],
    );
    assert.equal(r.calls(), 1);
    assert.equal((await s.store.get(breaker))?.state, "CLOSED");
  });

  it("a target that stays down: the loop ends within its bounds, the circuit OPEN, one probe per open period", async () => {
    const breaker = uniqueBreaker("loop");
    const r = rig(s.store, s.kind, DESIGN, breaker, [false]);
    await r.trip(200);
    const run = await r.probe();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    const out = run.output as { healthProbe: string; reads: number };
    // The budget spent, the next probeAt lies beyond it: the last read ends the loop (or the read count does).
    assert.ok(["not-due", "loop-bound"].includes(out.healthProbe), out.healthProbe);
    assert.ok(out.reads <= PROBE_LOOP.reads + 1, String(out.reads));
    assert.ok(r.calls() >= 2, `re-probed at the next probeAt (${r.calls()} probes)`);
    const rec = (await s.store.get(breaker))!;
    assert.equal(rec.state, "OPEN");
    // Every probe failed and re-opened once (a new open period each); the history kept shows one probe per period.
    assert.equal(rec.reopens, r.calls());
    const perPeriod = probesPerOpenPeriod(rec);
    assert.ok(
      perPeriod.every((n) => n <= 1),
      JSON.stringify(perPeriod),
    );
    // A run started now (as the next schedule would) still probes: the budget is per execution.
    const again = await r.probe();
    assert.equal(again.status, "SUCCEEDED", again.cause);
  });

  it("halfOpenProbes 2: the early probe takes one slot; its success leaves HALF_OPEN and the loop ends after one probe", async () => {
    const breaker = uniqueBreaker("loop");
    const r = rig(s.store, s.kind, { ...DESIGN, halfOpenProbes: 2 }, breaker, [true]);
    await r.trip(200);
    const run = await r.probe();
    assert.equal((run.output as { healthProbe: string }).healthProbe, "probed");
    assert.equal(r.calls(), 1);
    const rec = (await s.store.get(breaker))!;
    assert.equal(rec.state, "HALF_OPEN");
    assert.ok(probesPerOpenPeriod(rec).every((n) => n <= 2));
  });

  it("earlyProbeSeconds 0: no early probe and no wait; an OPEN circuit before its period ends is not due", async () => {
    const breaker = uniqueBreaker("loop");
    const r = rig(s.store, s.kind, { ...DESIGN, earlyProbeSeconds: 0 }, breaker, [true]);
    await r.trip(200);
    const run = await r.probe();
    assert.equal((run.output as { healthProbe: string }).healthProbe, "not-due");
    assert.equal(r.calls(), 0);
  });
});
