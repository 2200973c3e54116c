// Flat memory for a run of any length (issue 14): the runner hands each execution and target attempt to the
// report as it finishes (local/runner.ts streamScenario, local/report/report.ts ReportBuilder), and keeps none.
// The soak's heap check, made deterministic: the heap is read after a forced GC when the N-th and the 10N-th
// execution finish (counted, not timed), on the largest scenario the schema allows. The executions are stand-ins
// that call the seeded target and nothing else, so 10N of them take seconds; the full path with a real store is
// the soak's (tests/local/soak.test.ts) and the Ctrl-C test's (tests/local/large-scenario.test.ts).

import { strict as assert } from "node:assert";
import { LATENCY_SAMPLE_SIZE, percentiles, Report, ReportBuilder } from "../../local/report/report";
import { LatencySample } from "../../local/report/latency";
import { ExecutionRecord, TargetCall } from "../../local/report/records";
import { streamScenario } from "../../local/runner";
import { LIMITS, Scenario, validateScenario } from "../../local/scenario";
import { LocalExecutionResult } from "../../local/sfn-runtime";
import { forcedGc } from "../../local/soak";
import { Timebase } from "../../local/speed";
import { localTarget, SEQUENCE_KEPT } from "../../local/target";
import { fastScenarioJson } from "./support";

/** Executions before the first heap reading: past the latency samples' size, so every bounded buffer is full. */
const N = 2 * LATENCY_SAMPLE_SIZE;
/**
 * Heap growth allowed between execution N and 10N. Keeping anything per execution (a 60-byte TargetCall, an
 * ExecutionRecord of several hundred bytes) would grow it by 10 MB to 100 MB over those 9N = 180,000 executions;
 * 4 MB is 23 bytes per execution, room for the in-flight executions and GC noise only.
 */
const BUDGET_BYTES = 4 * 2 ** 20;

function largest(): Scenario {
  return validateScenario({
    ...fastScenarioJson({ store: "redis", speed: LIMITS.speed.max }),
    name: "largest",
    traffic: { ratePerSecond: LIMITS.ratePerSecond.max, maxConcurrency: 100 },
    phases: [{ name: "day", durationSeconds: LIMITS.durationSeconds.max, failureRate: 0.3, latencyMs: 0, errorType: "ServiceUnavailable" }],
  });
}

/** A stand-in execution: one target attempt; the fallback answers a failure (no store, no state machine). */
function standIn(handler: (event: unknown) => Promise<unknown>) {
  return async (input: unknown, executionName: string): Promise<LocalExecutionResult> => {
    const startDate = Date.now();
    const base = { executionName, startDate, states: ["CallTarget"], calls: [] };
    try {
      const response = await handler((input as { request: unknown }).request);
      return { ...base, stopDate: Date.now(), status: "SUCCEEDED", output: { fallback: false, response } };
    } catch (e) {
      const output = { fallback: true, response: { reason: "target failed", error: (e as Error).name } };
      return { ...base, stopDate: Date.now(), status: "SUCCEEDED", output };
    }
  };
}

describe("flat memory: a run keeps nothing per execution", function () {
  this.timeout(300_000);

  it(`the largest scenario: heap after ${10 * N} executions is within ${BUDGET_BYTES / 2 ** 20} MB of the heap after ${N}`, async () => {
    const gc = forcedGc();
    assert.ok(gc, "a forced GC is available (the reading would be noise without it)");
    const scenario = largest();
    const timing = { tb: new Timebase(scenario.speed, Date.now()) };
    const target = localTarget(scenario, () => timing.tb);
    const builder = new ReportBuilder(scenario);
    const controller = new AbortController();
    const heap: number[] = [];
    let finished = 0;
    const summary = await streamScenario(
      {
        scenario,
        timing,
        execute: standIn(target.handler),
        taskStates: new Set(["CallTarget"]),
        target,
        observer: { poll: async () => ({ state: "CLOSED", transitions: [] }) },
        metrics: {},
        signal: controller.signal,
      },
      {
        execution(e: ExecutionRecord) {
          builder.addExecution(e);
          finished += 1;
          if (finished === N || finished === 10 * N) {
            gc!();
            heap.push(process.memoryUsage().heapUsed);
          }
          if (finished === 10 * N) controller.abort();
        },
        targetCall: (c: TargetCall) => builder.addTargetCall(c),
      },
    );
    const report: Report = builder.report(summary, new Date());
    assert.equal(heap.length, 2, `both readings were taken (${finished} executions finished)`);
    const grown = heap[1] - heap[0];
    assert.ok(
      grown <= BUDGET_BYTES,
      `the heap grew ${(grown / 2 ** 20).toFixed(1)} MB from execution ${N} to ${10 * N}; allowed ${BUDGET_BYTES / 2 ** 20} MB`,
    );
    // The report still covers every execution and attempt, and holds bounded samples only.
    assert.ok(report.totals.executions >= 10 * N);
    assert.equal(report.totals.executions, report.totals.succeeded + report.totals.fallback);
    assert.equal(report.totals.targetAttempts, target.counts.attempts);
    assert.equal(report.totals.targetAttempts, builder.attemptsInExecutions);
    assert.ok(report.totals.fallback > 0 && report.totals.succeeded > 0, "both outcomes were drawn");
    assert.equal(report.latencyMs.all.count, report.totals.executions);
    assert.equal(target.sequence[0].length, SEQUENCE_KEPT, "the seeded sequence keeps its first draws only");
  });
});

describe("latency samples: exact up to the sample size, bounded beyond", () => {
  it("up to LATENCY_SAMPLE_SIZE values gives exactly the percentiles of all of them", () => {
    const values = Array.from({ length: 1234 }, (_, i) => (i * 7919) % 1000);
    const s = new LatencySample();
    for (const v of values) s.add(v);
    assert.deepEqual(s.percentiles(), percentiles(values));
  });

  it("beyond it: count, mean and max exact, percentiles from a uniform sample of the size", () => {
    const size = 1000;
    const s = new LatencySample(size);
    const n = 100_000;
    for (let i = 0; i < n; i++) s.add((i * 7919) % n); // a permutation of 0..n-1
    const p = s.percentiles();
    assert.equal(p.count, n);
    assert.equal(p.max, n - 1);
    assert.equal(p.mean, (n - 1) / 2);
    // A uniform sample of 1,000: each percentile within 5 % of the range (the sample is seeded: the same every run).
    for (const [q, v] of [
      [0.5, p.p50],
      [0.9, p.p90],
      [0.99, p.p99],
    ] as const)
      assert.ok(Math.abs(v - q * n) < 0.05 * n, `p${q * 100} is ${v}, about ${q * n}`);
  });
});

describe("the report built as executions finish", () => {
  it("is the report of all of them kept, whatever order they finish in", () => {
    const scenario = validateScenario(fastScenarioJson());
    const executions: ExecutionRecord[] = Array.from({ length: 300 }, (_, i) => {
      const result = (["succeeded", "rejected", "fallback", "failed"] as const)[i % 4];
      return {
        index: i,
        phase: i < 40 ? 0 : i < 160 ? 1 : 2,
        targetLatencyMs: 20,
        startedAt: i * 0.15,
        endedAt: i * 0.15 + (i % 7) * 0.1,
        durationMs: 10 + ((i * 37) % 500),
        result,
        ...(result === "failed" ? { error: i % 8 === 3 ? "States.Timeout" : "LocalRuntimeError" } : {}),
        ...(result === "rejected" || result === "fallback" ? { fallbackReason: result === "rejected" ? "open" : "target failed" } : {}),
        fallbackServed: result === "rejected" || result === "fallback",
        probe: i % 50 === 0,
        healthyPath: result === "succeeded" && i % 3 === 0,
        stateTransitions: 3 + (i % 5),
        storeErrors: i % 11 === 0 ? 1 : 0,
        work: {
          dynamodbDirectCalls: 1,
          dynamodbLambdaCalls: i % 3,
          readUnits: 0.5,
          writeUnits: i % 2,
          redisCommands: 0,
          lambda: { "record-outcome": i % 2 },
          targetAttempts: result === "rejected" ? 0 : 1,
          targetOutcomes: [],
          retryWaitMs: 0,
          lastAttemptEnd: null,
          metricsEmitted: {},
        },
      };
    });
    const targetCalls: TargetCall[] = executions
      .filter((e) => e.work.targetAttempts > 0)
      .map((e) => ({ at: e.startedAt, phase: e.phase, ok: e.result === "succeeded", ...(e.result === "succeeded" ? {} : { error: "X" }) }));
    const summary = {
      transitions: [],
      initialState: "CLOSED",
      metrics: {},
      endedAt: 46.2,
      realSeconds: 9.3,
      delayedStarts: 0,
      storeFaults: [],
    };
    const startedAt = new Date(0);
    const expected = new ReportBuilder(scenario);
    executions.forEach((e) => expected.addExecution(e));
    targetCalls.forEach((c) => expected.addTargetCall(c));
    // Finishing order: by end time, not by index.
    const streamed = new ReportBuilder(scenario);
    [...executions].sort((a, b) => a.endedAt - b.endedAt || b.index - a.index).forEach((e) => streamed.addExecution(e));
    [...targetCalls].reverse().forEach((c) => streamed.addTargetCall(c));
    const a = streamed.report(summary, startedAt);
    const b = expected.report(summary, startedAt);
    assert.deepEqual(a, b);
    assert.equal(a.series.seconds, 47);
    assert.equal(
      a.series.executions.reduce((x, y) => x + y, 0),
      300,
    );
  });
});
