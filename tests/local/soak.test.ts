// The soak (local/soak.ts, `npm run soak`): 10,000 executions through runLocal on a real redis-server with
// healthy, failing and recovering phases, the store killed and restarted, and a slow store. Asserts that
// nothing failed except through the breaker, that the counts add up, and that memory stays bounded.
// About 100 s of traffic (the schedule is fixed; a busy machine stretches it, nothing here asserts time).

import { strict as assert } from "node:assert";
import { runSoak, SOAK, SoakResult } from "../../local/soak";

/**
 * Heap the runner may keep per execution. It keeps nothing per execution (the report is built as executions
 * finish; tests/local/flat-memory.test.ts proves that deterministically); anything it forgot to let go of, such as
 * an execution's event log or its state machine run, is several KB. 4 KB per execution over the last three
 * quarters leaves room for a busy machine's timing (these samples are taken by time) and is below such a leak.
 */
const HEAP_BUDGET_PER_EXECUTION = 4 * 1024;

describe("soak: 10,000 executions through the local runtime", function () {
  this.timeout(600_000);
  let soak: SoakResult;

  before(async () => {
    soak = await runSoak("redis");
  });

  it("runs every scheduled execution, and none fails for a reason other than the breaker", () => {
    const r = soak.run.report;
    assert.equal(soak.executions, SOAK.ratePerSecond * SOAK.designSeconds);
    assert.ok(soak.executions >= 10_000);
    assert.deepEqual(r.totals.failed, {}, "no execution failed for reasons other than the breaker");
  });

  it("adds up: results per phase and in total, target attempts, store errors, the handlers' metrics", () => {
    const r = soak.run.report;
    const failed = (f: Record<string, number>) => Object.values(f).reduce((a, b) => a + b, 0);
    for (const p of [...r.phases, { ...r.totals, name: "total" }]) {
      assert.equal(p.succeeded + p.fallback + p.rejected + failed(p.failed), p.executions, `${p.name}: results add up to executions`);
    }
    for (const k of [
      "executions",
      "succeeded",
      "fallback",
      "rejected",
      "fallbackServed",
      "targetAttempts",
      "targetFailures",
      "storeErrors",
    ] as const) {
      assert.equal(
        r.phases.reduce((a, p) => a + p[k], 0),
        r.totals[k],
        `the phases' ${k} add up to the total`,
      );
    }
    assert.equal(soak.run.records, null, "the soak keeps no records: it runs what npm start runs");
    assert.equal(r.totals.targetAttempts, soak.run.tally.targetAttempts, "every target attempt is counted once");
    assert.equal(
      r.totals.targetAttempts,
      soak.run.tally.attemptsInExecutions,
      "attempts per phase equal the attempts counted per execution",
    );
    assert.equal(r.totals.storeErrors, r.metrics.StoreErrors ?? 0, "store errors are the StoreErrors the handlers emitted");
    assert.equal(r.metrics.CallsRejected, r.totals.rejected, "the rejections are the CallsRejected the handlers emitted");
  });

  it("behaves through every phase: trips in the outages, closes after them, answers through the store faults", () => {
    const r = soak.run.report;
    const phase = (name: string) => r.phases.find((p) => p.name === name)!;
    for (const name of ["outage", "outage-2"]) {
      const p = phase(name);
      assert.ok(
        r.transitions.some((t) => t.to === "OPEN" && t.at >= p.startSeconds && t.at < p.startSeconds + p.durationSeconds),
        `${name}: it opened`,
      );
      assert.ok(p.rejected > 0, `${name}: it rejected calls while open`);
    }
    for (const name of ["recovered", "recovered-2"]) {
      const p = phase(name);
      assert.ok(
        r.transitions.some((t) => t.to === "CLOSED" && t.at >= p.startSeconds),
        `${name}: it closed`,
      );
    }
    assert.equal(r.transitions[r.transitions.length - 1].to, "CLOSED", "it ends CLOSED");
    assert.deepEqual(
      r.storeFaults.map((f) => [f.action, f.phase, f.error ?? "ok"]),
      [
        ["kill", "store-down", "ok"],
        ["restart", "healthy-2", "ok"],
        ["delay", "store-slow", "ok"],
        ["delay", "outage-2", "ok"],
      ],
    );
    assert.ok(
      phase("store-down").storeErrors > 0 && phase("store-slow").storeErrors > 0,
      "store errors while the store was down and while it was slow",
    );
    // onStoreError allow: a store failure never turns a call away.
    assert.equal(phase("store-down").fallbackReasons["store error"] ?? 0, 0);
    assert.equal(phase("store-down").rejected, 0, "the circuit was CLOSED and the store's failure let the calls through");
  });

  it("keeps memory bounded: heap growth over the last three quarters stays within a small budget per execution", () => {
    const at = (label: string) => soak.samples.find((s) => s.label === label)!;
    const quarter = at("25%");
    const end = at("end");
    assert.ok(quarter && end, JSON.stringify(soak.samples));
    assert.ok(quarter.executionsDue > 0 && end.executionsDue > quarter.executionsDue);
    const grownBytes = (end.heapUsedMB - quarter.heapUsedMB) * 1024 * 1024;
    const budget = (end.executionsDue - quarter.executionsDue) * HEAP_BUDGET_PER_EXECUTION * (soak.forcedGc ? 1 : 2);
    assert.ok(
      grownBytes <= budget,
      `heap grew ${(grownBytes / 1024 / 1024).toFixed(1)} MB for ${end.executionsDue - quarter.executionsDue} executions; ` +
        `budget ${(budget / 1024 / 1024).toFixed(1)} MB (samples: ${JSON.stringify(soak.samples)})`,
    );
  });
});
