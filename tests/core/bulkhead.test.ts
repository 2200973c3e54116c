// The bulkhead end to end: the generated definition (maxConcurrentCalls > 0) runs in the local executor
// (local/sfn-runtime.ts) with the real handlers on the real stores (DynamoDB Local, redis-server), including the
// real built-in fallback; only the target is a test double, one whose calls the test holds open and lets go.
// No timing is asserted: the test waits for events (calls entering the target, executions ending).

import { strict as assert } from "node:assert";
import { bulkheadLeaseMs } from "../../core/bulkhead";
import { BreakerSettings, loadSettings } from "../../core/settings";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { acquireSlotDefinition } from "../../functions/handlers/acquire-slot";
import { releaseSlotDefinition } from "../../functions/handlers/release-slot";
import { fallbackDefinition } from "../../functions/handlers/fallback";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { reportStoreErrorDefinition } from "../../functions/handlers/report-store-error";
import { METRICS } from "../../core/metric-names";
import { HandlerDeps } from "../../functions/shared/runtime";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { StateStore } from "../../core/state-store";
import { buildDefinition, STATE_NAMES as S } from "../../core/state-machine-definition";
import { LOCAL_FUNCTIONS } from "../../local/local-breaker";
import { createLocalStateMachine, LocalExecutionResult, LocalStateMachine } from "../../local/sfn-runtime";
import {
  CapturedMetrics,
  closeStores,
  openStore,
  RecordingLog,
  STORE_KINDS,
  StoreKind,
  TestClock,
  uniqueBreaker,
} from "../functions/support";
import { startDynamoLocal } from "../support/servers";

/** The local names of the breaker's functions, as the local runtime gives them. */
const FN = LOCAL_FUNCTIONS;
const TARGET = "target";

/** Resolves waiters once a count reaches their number. */
class Counter {
  n = 0;
  private waiters: { at: number; resolve: () => void }[] = [];
  add(): void {
    this.n += 1;
    this.waiters = this.waiters.filter((w) => (w.at <= this.n ? (w.resolve(), false) : true));
  }
  until(at: number): Promise<void> {
    return at <= this.n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ at, resolve }));
  }
}

/** A target whose calls wait until the test lets them go; it counts the calls in it at once. */
class HeldTarget {
  inFlight = 0;
  maxInFlight = 0;
  readonly entered = new Counter();
  private letGo!: () => void;
  private gate = new Promise<void>((r) => (this.letGo = r));

  readonly handler = async (request: { id?: number }) => {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.entered.add();
    await this.gate;
    this.inFlight -= 1;
    return { served: request.id ?? null };
  };

  release(): void {
    this.letGo();
  }
}

interface Rig {
  store: StateStore;
  machine: LocalStateMachine;
  metrics: CapturedMetrics;
  /** acquire-slot's clock (the lease); everything else runs on real time, as the state machine does. */
  slotClock: TestClock;
  acquireSlot: (e: unknown) => Promise<unknown>;
  releaseSlot: (e: unknown) => Promise<unknown>;
  target: (request: { id?: number }) => unknown;
  settings: BreakerSettings;
}

async function rigFor(kind: StoreKind, breakerName: string, settings: BreakerSettings, fallback: "builtin" | "none"): Promise<Rig> {
  const endpoint = kind === "dynamodb" ? (await startDynamoLocal()).endpoint : undefined;
  const store = await openStore(kind);
  const metrics = new CapturedMetrics();
  const slotClock = new TestClock();
  const deps: HandlerDeps = {
    settings,
    store: async () => store,
    clock: Date.now,
    metrics: metrics.sink,
    log: new RecordingLog(),
  };
  const rig = { store, metrics, slotClock, settings, target: () => ({ ok: true }) } as Omit<Rig, "machine" | "acquireSlot" | "releaseSlot">;
  const acquireSlot = acquireSlotDefinition.make({ ...deps, clock: slotClock.now });
  const releaseSlot = releaseSlotDefinition.make(deps);
  const lambdas = {
    [FN.recordOutcome]: recordOutcomeDefinition.make(deps),
    [FN.acquireProbe]: acquireProbeDefinition.make(deps),
    [FN.reportStoreError]: reportStoreErrorDefinition.make(deps),
    [FN.getStatus]: getStatusDefinition.make(deps),
    [FN.fallback]: fallbackDefinition.make(deps),
    [FN.acquireSlot]: acquireSlot,
    [FN.releaseSlot]: releaseSlot,
    [TARGET]: (request: { id?: number }) => (rig as Rig).target(request),
  };
  const def = buildDefinition({
    breakerName,
    store: store instanceof DynamoDbStore ? { kind: "dynamodb", tableName: store.tableName } : { kind: "redis" },
    functions: FN,
    targetArn: TARGET,
    fallback,
    settings,
  });
  // Real time (speed 1): a held target call must not run into its TimeoutSeconds (and be retried) while held.
  const machine = createLocalStateMachine(def, { lambdas, dynamodbEndpoint: endpoint });
  return Object.assign(rig, { machine, acquireSlot, releaseSlot }) as Rig;
}

/** Starts `n` executions at once; resolves when each has either entered the held target or ended. */
async function wave(rig: Rig, held: HeldTarget, n: number, firstId = 0) {
  rig.target = held.handler;
  const ended = new Counter();
  const results: LocalExecutionResult[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    rig.machine.run({ request: { id: firstId + i } }).then((r) => {
      results.push(r);
      ended.add();
      return r;
    }),
  );
  // Every execution either waits in the target or has ended: nothing more happens until the target lets go.
  while (held.entered.n + ended.n < n) await Promise.race([held.entered.until(held.entered.n + 1), ended.until(ended.n + 1)]);
  return { endedEarly: [...results], entered: held.entered.n, all: Promise.all(all) };
}

const called = (r: LocalExecutionResult) => r.calls.filter((c) => c.target === TARGET).length;

for (const kind of STORE_KINDS) {
  describe(`bulkhead end to end (${kind}): the state machine with the real handlers`, function () {
    after(closeStores);

    for (const fallback of ["builtin", "none"] as const) {
      it(`maxConcurrentCalls 3, 10 concurrent calls of a held target: 3 reach it, 7 are rejected at once (${fallback === "builtin" ? 'fallback "bulkhead full"' : "BulkheadFull"}); then the slots are free again`, async function () {
        const rig = await rigFor(kind, uniqueBreaker("bh"), loadSettings({ maxConcurrentCalls: 3, timeoutSeconds: 120 }), fallback);
        const held = new HeldTarget();
        const first = await wave(rig, held, 10);
        assert.equal(first.entered, 3, "exactly 3 calls reached the target (each once: a held call is not retried)");
        assert.equal(first.endedEarly.length, 7, "the other 7 ended while the 3 were still held");
        for (const r of first.endedEarly) {
          assert.equal(called(r), 0);
          assert.deepEqual(r.states.slice(3), [
            S.acquireSlotForCallTargetNew,
            S.slotRouteForCallTargetNew,
            S.fallbackBulkheadFull,
            ...(fallback === "none" ? [S.bulkheadFull] : []),
          ]);
          if (fallback === "builtin") {
            const out = r.output as { fallback: boolean; response: { reason: string; message: string } };
            assert.deepEqual([r.status, out.fallback, out.response.reason], ["SUCCEEDED", true, "bulkhead full"]);
            assert.match(out.response.message, /limit of concurrent calls/);
          } else {
            assert.deepEqual([r.status, r.error], ["FAILED", "BulkheadFull"]);
            assert.match(r.cause!, /limit of 3 concurrent calls/);
          }
        }
        held.release();
        const done = await first.all;
        const served = done.filter((r) => called(r) > 0);
        assert.deepEqual(served.map(called), [1, 1, 1]);
        for (const r of served) {
          assert.equal(r.status, "SUCCEEDED");
          assert.deepEqual(r.states.slice(-2), [S.releaseSlotAfterSuccess, S.succeeded]);
          assert.ok(r.calls.find((c) => c.target === FN.releaseSlot)?.ok);
        }
        assert.equal(held.maxInFlight, 3);
        const totals = rig.metrics.totals();
        assert.deepEqual([totals[METRICS.bulkheadRejected], totals[METRICS.callsRejected], totals[METRICS.storeErrors]], [7, 7, undefined]);

        // The 3 released their slots: a new wave of 3 all reach the target, and a 4th is turned away.
        const again = new HeldTarget();
        const second = await wave(rig, again, 4, 100);
        assert.deepEqual([second.entered, second.endedEarly.length], [3, 1]);
        again.release();
        assert.equal((await second.all).filter((r) => called(r) === 1).length, 3);
      });
    }

    it("a crashed holder (acquired, never released) keeps its slot until its lease ends, then it is reclaimed (injected clock)", async function () {
      const settings = loadSettings({ maxConcurrentCalls: 2, timeoutSeconds: 5, retryAttempts: 1 });
      const breaker = uniqueBreaker("crash");
      const rig = await rigFor(kind, breaker, settings, "builtin");
      for (const slotId of ["crashed-1", "crashed-2"])
        assert.equal(((await rig.acquireSlot({ breaker, slotId })) as { admitted: boolean }).admitted, true);
      const rejected = await rig.machine.run({ request: {} });
      assert.equal((rejected.output as { response: { reason: string } }).response.reason, "bulkhead full");
      rig.slotClock.advance(bulkheadLeaseMs(settings) - 1);
      const stillRejected = await rig.machine.run({ request: {} });
      assert.equal(called(stillRejected), 0, "one millisecond before the lease ends the slots are still held");
      rig.slotClock.advance(1);
      const served = await rig.machine.run({ request: { id: 5 } });
      assert.deepEqual(served.output, { breaker, fallback: false, response: { ok: true } });
      assert.equal(called(served), 1);
    });

    it("with one slot, every way out of a call releases it: success, reported success, counted failure, ignored error", async function () {
      const settings = loadSettings({ maxConcurrentCalls: 1, failureThreshold: 100, retryAttempts: 0, ignoredErrors: ["ClientError"] });
      const breaker = uniqueBreaker("exits");
      const rig = await rigFor(kind, breaker, settings, "builtin");
      const fail = (name: string) => () => {
        throw Object.assign(new Error(`${name} from the target`), { name });
      };
      const steps: [string, () => unknown, string[]][] = [
        ["success, new breaker", () => ({ ok: 1 }), [S.callTargetNew, S.releaseSlotAfterSuccess, S.succeeded]],
        [
          "counted failure",
          fail("ServiceUnavailable"),
          [S.callTargetNew, S.recordFailureNew, S.releaseSlotAfterFailure, S.fallbackTargetFailed],
        ],
        [
          "success reported (clears the count)",
          () => ({ ok: 2 }),
          [S.callTargetThenRecord, S.recordSuccess, S.releaseSlotAfterSuccess, S.succeeded],
        ],
        ["ignored error", fail("ClientError"), [S.callTarget, S.releaseSlotAfterIgnoredError, S.targetRejectedRequest]],
        ["success, lean path", () => ({ ok: 3 }), [S.callTarget, S.releaseSlotAfterSuccess, S.succeeded]],
      ];
      for (const [what, target, tail] of steps) {
        rig.target = target;
        const r = await rig.machine.run({ request: {} });
        assert.equal(called(r), 1, `${what}: the only slot was free (${r.states.join(" -> ")})`);
        assert.deepEqual(r.states.slice(-tail.length), tail, what);
      }
      assert.equal(rig.metrics.totals()[METRICS.bulkheadRejected], undefined);
    });

    it("a HALF_OPEN probe the full bulkhead turns away frees its probe lease: the next caller probes and closes the circuit", async function () {
      const settings = loadSettings({
        maxConcurrentCalls: 1,
        failureThreshold: 1,
        openDurationSeconds: 1,
        halfOpenProbes: 1,
        probeLeaseSeconds: 3600,
        retryAttempts: 0,
      });
      const breaker = uniqueBreaker("probe");
      const rig = await rigFor(kind, breaker, settings, "builtin");
      rig.target = () => {
        throw Object.assign(new Error("down"), { name: "ServiceUnavailable" });
      };
      await rig.machine.run({ request: {} });
      const opened = (await rig.store.get(breaker))!;
      assert.equal(opened.state, "OPEN");
      // Someone else holds the only slot while the open period runs out.
      assert.equal(((await rig.acquireSlot({ breaker, slotId: "holder" })) as { admitted: boolean }).admitted, true);
      const wait = opened.openUntil! - Date.now() + 20;
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));

      rig.target = () => ({ ok: "recovered" });
      const turned = await rig.machine.run({ request: {} });
      assert.deepEqual(turned.states.slice(3), [
        S.acquireProbe,
        S.probeRoute,
        S.acquireSlotForCallProbe,
        S.slotRouteForCallProbe,
        S.fallbackBulkheadFull,
      ]);
      const half = (await rig.store.get(breaker))!;
      assert.deepEqual([half.state, half.leases, half.probeSuccesses], ["HALF_OPEN", {}, 0], "the lease was freed, nothing counted");

      await rig.releaseSlot({ breaker, slotId: "holder" });
      const probe = await rig.machine.run({ request: {} });
      assert.deepEqual(probe.states.slice(3), [
        S.acquireProbe,
        S.probeRoute,
        S.acquireSlotForCallProbe,
        S.slotRouteForCallProbe,
        S.callProbe,
        S.recordProbeSuccess,
        S.releaseSlotAfterSuccess,
        S.succeeded,
      ]);
      assert.deepEqual(probe.output, { breaker, fallback: false, response: { ok: "recovered" } });
      assert.equal((await rig.store.get(breaker))!.state, "CLOSED");
    });
  });
}
