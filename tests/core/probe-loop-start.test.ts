// The tripping execution starts the probe loop (core/definition/probe-loop-start.ts), run in aws-local-stepfunctions
// with the real shared handlers on both stores at 20x: the caller whose failure trips the circuit starts exactly one
// execution of its own machine with the schedule's probe input, and gets the same result as without it; a failing
// StartExecution changes nothing for the caller; the loop it starts and a scheduled run together never probe more
// than halfOpenProbes at once, nor more than halfOpenProbes per open period. Assertions are on records and counts.

import { strict as assert } from "node:assert";
import { BreakerRecord } from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { StateStore } from "../../core/state-store";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { AslDefinition, buildDefinition, requiredPermissions, STATE_NAMES as S } from "../../core/state-machine-definition";
import { recordFailedAttempt } from "../../core/definition/retry-loop";
import { START_EXECUTION, startProbeLoopAfter, tripCheckAfter } from "../../core/definition/probe-loop-start";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { reportStoreErrorDefinition } from "../../functions/handlers/report-store-error";
import { HandlerDeps } from "../../functions/shared/runtime";
import { createLocalStateMachine, LocalExecutionResult, StartedExecution, TaskError } from "../../local/sfn-runtime";
import { scaleSettings } from "../../local/speed";
import { LOCAL_FUNCTIONS } from "../../local/local-breaker";
import { CapturedMetrics, describeEachStore, RecordingLog, settingsOf, uniqueBreaker } from "../functions/support";
import { startDynamoLocal } from "../support/servers";

const SPEED = 20;
/** The handlers' local names (acquire-slot and release-slot stay out of the definition: no bulkhead). */
const FN = LOCAL_FUNCTIONS;
const PROBE_REQUEST = { healthCheck: true };
/** Design settings: the first failure trips; open 60 s (3 s real), early probe 2 s after each (re-)open (0.1 s real). */
const DESIGN = settingsOf({
  failureThreshold: 1,
  retryAttempts: 0,
  openDurationSeconds: 60,
  maxOpenDurationSeconds: 300,
  earlyProbeSeconds: 2,
});

type Answer = "ok" | "fail";

interface RigOptions {
  /** Without it the definition has no probe-loop start (the comparison run). */
  request?: Record<string, unknown>;
  /** What a started execution does: run (default), or fail the StartExecution Task with this error. */
  startFails?: string;
  /** Target answers to the callers and to the probes, in order (the last repeats). */
  callers?: Answer[];
  probes?: Answer[];
  /** Real ms a probe takes (to see overlapping probes). */
  probeMs?: number;
}

function definitionFor(
  kind: "dynamodb" | "redis",
  store: StateStore,
  breaker: string,
  design: BreakerSettings,
  request?: Record<string, unknown>,
) {
  return buildDefinition({
    breakerName: breaker,
    store: kind === "dynamodb" ? { kind: "dynamodb", tableName: (store as DynamoDbStore).tableName } : { kind: "redis" },
    functions: FN,
    targetArn: "target",
    fallback: "builtin",
    settings: design,
    healthProbe: true,
    ...(request ? { healthProbeRequest: request } : {}),
  });
}

async function rig(s: { store: StateStore; kind: "dynamodb" | "redis" }, design: BreakerSettings, o: RigOptions = {}) {
  const breaker = uniqueBreaker("trip");
  const deps: HandlerDeps = {
    settings: null,
    adjustSettings: (x) => scaleSettings(x, SPEED),
    store: async () => s.store,
    clock: Date.now,
    metrics: new CapturedMetrics().sink,
    log: new RecordingLog(),
  };
  const getStatus = getStatusDefinition.make(deps);
  const answer = (list: Answer[] | undefined, n: number): Answer => (list ? list[Math.min(n, list.length - 1)] : "fail");
  const count = { callers: 0, probes: 0, inFlight: 0, maxInFlight: 0 };
  const started: Promise<LocalExecutionResult>[] = [];
  const machine = createLocalStateMachine(definitionFor(s.kind, s.store, breaker, design, o.request), {
    lambdas: {
      [FN.getStatus]: (e: { loopSeconds?: number }) =>
        getStatus(typeof e?.loopSeconds === "number" ? { ...e, loopSeconds: e.loopSeconds / SPEED } : e),
      [FN.acquireProbe]: acquireProbeDefinition.make(deps),
      [FN.recordOutcome]: recordOutcomeDefinition.make(deps),
      [FN.reportStoreError]: reportStoreErrorDefinition.make(deps),
      [FN.fallback]: (e: { reason: string; state?: string }) => ({ fallback: true, reason: e.reason, state: e.state ?? "UNKNOWN" }),
      target: async (request: Record<string, unknown>) => {
        if (request.healthCheck !== true) {
          if (answer(o.callers, count.callers++) === "fail") throw new TaskError("ServiceUnavailable", "down");
          return { ok: true };
        }
        count.inFlight += 1;
        count.maxInFlight = Math.max(count.maxInFlight, count.inFlight);
        await new Promise((r) => setTimeout(r, o.probeMs ?? 0));
        count.inFlight -= 1;
        if (answer(o.probes, count.probes++) === "fail") throw new TaskError("ServiceUnavailable", "still down");
        return { ok: true };
      },
    },
    dynamodbEndpoint: s.kind === "dynamodb" ? (await startDynamoLocal()).endpoint : undefined,
    speed: SPEED,
    name: breaker,
    startExecution: (x: StartedExecution) => {
      if (o.startFails) throw new TaskError(o.startFails, "Execution limit exceeded");
      started.push(x.run());
    },
  });
  return {
    breaker,
    count,
    started,
    call: () => machine.run({ request: { kind: "call" } }),
    scheduled: () => machine.run({ healthProbe: { request: PROBE_REQUEST } }),
    record: async () => (await s.store.get(breaker))!,
  };
}

/** HALF_OPEN entries per open period: the transitions after each move to OPEN, until the next one. */
function probesPerOpenPeriod(rec: BreakerRecord): number[] {
  const out: number[] = [];
  for (const m of [...rec.history].sort((a, b) => a.at - b.at)) {
    if (m.to === "OPEN") out.push(0);
    else if (m.to === "HALF_OPEN" && out.length) out[out.length - 1] += 1;
  }
  return out;
}

/** What the caller sees: status, error, output (the breaker's name left out). */
function outcome(r: LocalExecutionResult) {
  const output = r.output as Record<string, unknown> | undefined;
  return { status: r.status, error: r.error, output: output ? { ...output, breaker: "-" } : undefined };
}

describeEachStore("probe-loop start: the tripping execution starts the probe loop", (s) => {
  it("the caller that trips starts exactly one loop with the schedule's input; the loop probes at probeAt and closes", async () => {
    const r = await rig(s, DESIGN, { request: PROBE_REQUEST, callers: ["fail"], probes: ["ok"] });
    const run = await r.call();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.ok(run.states.includes(startProbeLoopAfter(S.recordFailureNew)), run.states.join(" "));
    const starts = run.calls.filter((c) => c.resource === START_EXECUTION);
    assert.equal(starts.length, 1);
    assert.deepEqual(starts[0].input, { healthProbe: { request: PROBE_REQUEST } });
    assert.equal(r.started.length, 1);
    const loop = await r.started[0];
    assert.equal(loop.status, "SUCCEEDED", loop.cause);
    assert.equal((loop.output as { healthProbe: string }).healthProbe, "probed");
    assert.equal(r.count.probes, 1);
    assert.equal((await r.record()).state, "CLOSED");
  });

  it("a failure that does not trip starts nothing", async () => {
    const r = await rig(s, { ...DESIGN, failureThreshold: 3 }, { request: PROBE_REQUEST, callers: ["fail"] });
    const run = await r.call();
    assert.ok(run.states.includes(tripCheckAfter(S.recordFailureNew)));
    assert.ok(!run.states.includes(startProbeLoopAfter(S.recordFailureNew)));
    assert.equal(r.started.length, 0);
    assert.equal((await r.record()).state, "CLOSED");
  });

  it("with retries: the attempt that trips starts one loop and the retry stops with the open fallback", async () => {
    const r = await rig(s, { ...DESIGN, retryAttempts: 1 }, { request: PROBE_REQUEST, callers: ["fail"], probes: ["ok"] });
    const run = await r.call();
    assert.equal(run.status, "SUCCEEDED", run.cause);
    assert.ok(run.states.includes(startProbeLoopAfter(recordFailedAttempt(1))), run.states.join(" "));
    assert.equal((run.output as { response: { reason: string } }).response.reason, "open");
    assert.equal(r.count.callers, 1, "no retry after the trip");
    assert.equal(r.started.length, 1);
    await Promise.all(r.started);
  });

  it("a failing StartExecution does not change the caller's outcome; no loop runs", async () => {
    const failing = await rig(s, DESIGN, { request: PROBE_REQUEST, callers: ["fail"], startFails: "StepFunctions.ExecutionLimitExceeded" });
    const without = await rig(s, DESIGN, { callers: ["fail"] });
    const a = await failing.call();
    const b = await without.call();
    assert.deepEqual(outcome(a), outcome(b));
    const starts = a.calls.filter((c) => c.resource === START_EXECUTION);
    assert.deepEqual(
      starts.map((c) => [c.ok, c.error]),
      [[false, "StepFunctions.ExecutionLimitExceeded"]],
    );
    assert.equal(failing.started.length, 0);
    assert.equal((await failing.record()).state, "OPEN");
    // The comparison definition has no start at all.
    assert.ok(!b.states.some((x) => x.startsWith("TripCheckAfter")));
  });

  for (const halfOpenProbes of [1, 2]) {
    it(`the tripping caller's loop and a scheduled run together: at most halfOpenProbes (${halfOpenProbes}) probes at once and per open period`, async () => {
      const r = await rig(s, { ...DESIGN, halfOpenProbes }, { request: PROBE_REQUEST, callers: ["fail"], probes: ["fail"], probeMs: 60 });
      const [call, scheduled] = await Promise.all([r.call(), r.scheduled()]);
      assert.equal(call.status, "SUCCEEDED", call.cause);
      assert.equal(scheduled.status, "SUCCEEDED", scheduled.cause);
      assert.equal(r.started.length, 1);
      const loop = await r.started[0];
      assert.equal(loop.status, "SUCCEEDED", loop.cause);
      assert.ok(r.count.probes >= 2, `the loops re-probed (${r.count.probes} probes)`);
      assert.ok(r.count.maxInFlight <= halfOpenProbes, `${r.count.maxInFlight} probes at once`);
      const perPeriod = probesPerOpenPeriod(await r.record());
      assert.ok(
        perPeriod.every((n) => n <= halfOpenProbes),
        JSON.stringify(perPeriod),
      );
    });
  }
});

describe("probe-loop start: the definition", () => {
  const base = {
    breakerName: "b",
    store: { kind: "dynamodb" as const, tableName: "t" },
    functions: FN,
    targetArn: "target",
    fallback: "builtin" as const,
    settings: DESIGN,
    healthProbe: true,
  };
  const starts = (d: AslDefinition) => Object.values(d.States).filter((st) => st.Resource === START_EXECUTION).length;

  it("only with the health probe, its request, early probing and a loop budget", () => {
    assert.ok(starts(buildDefinition({ ...base, healthProbeRequest: PROBE_REQUEST })) > 0);
    assert.equal(starts(buildDefinition(base)), 0);
    assert.equal(starts(buildDefinition({ ...base, healthProbe: false, healthProbeRequest: PROBE_REQUEST })), 0);
    assert.equal(starts(buildDefinition({ ...base, healthProbeRequest: PROBE_REQUEST, probeLoopSeconds: 0 })), 0);
    assert.equal(starts(buildDefinition({ ...base, healthProbeRequest: PROBE_REQUEST, settings: { ...DESIGN, earlyProbeSeconds: 0 } })), 0);
  });

  it("leaves every state a caller passes before its failure is recorded unchanged (the healthy path among them)", () => {
    const a = buildDefinition({ ...base, healthProbeRequest: PROBE_REQUEST }).States;
    const b = buildDefinition(base).States;
    for (const name of [S.validateInput, S.readState, S.decide, S.callTarget, S.callTargetNew, S.callTargetThenRecord, S.recordSuccess])
      assert.deepEqual(a[name], b[name], name);
  });

  it("StartExecution of its own machine ($$.StateMachine.Id) with the schedule's input as JSON text; IAM: that one action on that one ARN", () => {
    const request = { "probe.$": "$.not-a-path", n: 1 };
    const def = buildDefinition({ ...base, healthProbeRequest: request });
    const task = def.States[startProbeLoopAfter(S.recordFailureNew)];
    assert.deepEqual(task.Parameters, { "StateMachineArn.$": "$$.StateMachine.Id", Input: JSON.stringify({ healthProbe: { request } }) });
    assert.equal(task.ResultPath, null);
    const arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:own";
    const grants = requiredPermissions(def, { tableArn: "arn:table", stateMachineArn: arn }).filter((p) => p.action.startsWith("states:"));
    assert.deepEqual(grants, [{ action: "states:StartExecution", resource: arn }]);
    assert.throws(() => requiredPermissions(def, { tableArn: "arn:table" }), /no stateMachineArn was given/);
  });

  it("refuses a probe request StartExecution would refuse (over 262,144 bytes), naming the limit", () => {
    assert.throws(
      () => buildDefinition({ ...base, healthProbeRequest: { pad: "x".repeat(262_144) } }),
      /healthProbeRequest, as the StartExecution\.input is .*allowed: at most 262144 bytes/,
    );
  });
});
