// Conformance (issue 3 §5): the Choice logic of the generated definition cannot drift from decide().
// The definition runs in aws-local-stepfunctions (local/sfn-runtime.ts) against a real DynamoDB Local (and
// redis-server for the Redis variant). Breaker records are produced by the pure module, written with the
// real store, and every execution must route exactly as decide() (and acquireProbe(), for probes) says.
// The handlers the state machine calls are the real ones on the real store, except the target and the
// fallback, which are recording fakes.

import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  acquireProbe,
  applyCount,
  applyOverride,
  BreakerRecord,
  Classified,
  decide,
  Decision,
  directSuccessField,
  newRecord,
  OVERRIDE_COMMANDS,
  OverrideCommand,
  planCount,
  reportProbe,
  trip,
} from "../../core/breaker";
import { BreakerSettings, loadSettings } from "../../core/settings";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { reportStoreErrorDefinition } from "../../functions/handlers/report-store-error";
import { HandlerDeps } from "../../functions/shared/runtime";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { StateStore } from "../../core/state-store";
import { RecordOutcomeResult } from "../../core/contracts";
import {
  afterFailedAttempt,
  callTargetRetry,
  jitterRetry,
  readStateForRetry,
  recordFailedAttempt,
  RETRY_STATES,
  routeRetry,
  waitRetry,
} from "../../core/definition/retry-loop";
import { buildDefinition, RESOURCES, STATE_NAMES as S } from "../../core/state-machine-definition";
import { rotationThreshold, routesSuccess } from "../../core/definition/rate-success";
import { createLocalStateMachine, LocalExecutionResult, LocalStateMachine } from "../../local/sfn-runtime";
import { CapturedMetrics, closeStores, openStore, RecordingLog, StoreKind, uniqueBreaker } from "../functions/support";
import { startDynamoLocal } from "../support/servers";

const FN = {
  recordOutcome: "record-outcome",
  acquireProbe: "acquire-probe",
  fallback: "fallback",
  reportStoreError: "report-store-error",
  getStatus: "get-status",
};
const TARGET = "target";

interface Rig {
  kind: StoreKind;
  store: StateStore;
  settings: BreakerSettings;
  machine: LocalStateMachine;
  /** What the target does on the next calls. */
  target: () => unknown;
  /** Runs after each real record-outcome answered (the retry tests move the circuit there). */
  afterRecord?: (answer: RecordOutcomeResult) => Promise<void>;
  tableName?: string;
}

function depsOf(store: StateStore, settings: BreakerSettings): HandlerDeps {
  return {
    settings,
    store: async () => store,
    clock: Date.now,
    metrics: new CapturedMetrics().sink,
    log: new RecordingLog(),
  };
}

/**
 * One state machine per (store, settings): real record-outcome / acquire-probe / report-store-error / get-status
 * on `store`, a fake target and fallback. One definition serves many breakers here, so the breaker name is
 * taken from each execution's own definition: `machineFor(name)` builds (and caches) per name.
 */
function rigFor(kind: StoreKind, store: StateStore, settings: BreakerSettings, tableName?: string) {
  const deps = depsOf(store, settings);
  const rig = { kind, store, settings, tableName, target: () => ({ ok: true }) } as Omit<Rig, "machine">;
  const recordOutcome = recordOutcomeDefinition.make(deps);
  const lambdas = {
    [FN.recordOutcome]: async (e: unknown) => {
      const answer = await recordOutcome(e);
      await rig.afterRecord?.(answer);
      return answer;
    },
    [FN.acquireProbe]: acquireProbeDefinition.make(deps),
    [FN.reportStoreError]: reportStoreErrorDefinition.make(deps),
    [FN.getStatus]: getStatusDefinition.make(deps),
    [FN.fallback]: (e: { breaker: string; reason: string; state?: string }) => ({
      fallback: true,
      breaker: e.breaker,
      state: e.state ?? "UNKNOWN",
      reason: e.reason,
      message: "fake",
    }),
    [TARGET]: () => rig.target(),
  };
  const machines = new Map<string, LocalStateMachine>();
  return (breakerName: string, endpoint?: string): Rig => {
    let machine = machines.get(breakerName);
    if (!machine) {
      const def = buildDefinition({
        breakerName,
        store: kind === "dynamodb" ? { kind, tableName: tableName! } : { kind },
        functions: FN,
        targetArn: TARGET,
        fallback: "builtin",
        settings,
      });
      machine = createLocalStateMachine(def, { lambdas, dynamodbEndpoint: endpoint, speed: 1000 });
      machines.set(breakerName, machine);
    }
    return Object.assign(rig, { machine }) as Rig;
  };
}

/** The state Decide must go to for a decision (hasItem: the breaker has a stored item). */
function decideNext(d: Decision, hasItem: boolean): string {
  switch (d.route) {
    case "call":
      return d.recordSuccess ? (hasItem ? S.callTargetThenRecord : S.callTargetNewThenRecord) : hasItem ? S.callTarget : S.callTargetNew;
    case "passthrough":
      return S.callUnrecorded;
    case "probe":
      return S.acquireProbe;
    case "reject":
      return d.state === "FORCED_OPEN" ? S.fallbackForcedOpen : S.fallbackOpen;
  }
}

/** The whole path of a healthy target, given where Decide went and (probe) whether the lease was granted. */
function pathAfterDecide(next: string, probe?: { admitted: boolean; state: string }): string[] {
  switch (next) {
    case S.callTargetThenRecord:
      return [next, S.recordSuccess];
    case S.callTargetNewThenRecord:
      return [next, S.recordSuccessNew];
    case S.acquireProbe: {
      if (probe!.admitted) return [next, S.probeRoute, S.callProbe, S.recordProbeSuccess];
      const rejected: Record<string, string> = {
        HALF_OPEN: S.fallbackProbeSlotsTaken,
        OPEN: S.fallbackOpen,
        FORCED_OPEN: S.fallbackForcedOpen,
      };
      return [next, S.probeRoute, rejected[probe!.state] ?? S.callUnrecorded];
    }
    default:
      return [next];
  }
}

const HEAD = [S.validateInput, S.readState, S.decide];

async function write(store: StateStore, breaker: string, rec: BreakerRecord | null, settings: BreakerSettings): Promise<void> {
  if (rec) assert.ok(await store.compareAndSet(breaker, null, rec, settings), "fresh breaker written");
}

/**
 * Runs one execution on a breaker whose stored record is `rec` and checks its route against the pure module.
 * The execution's $$.Execution.StartTime lies between t0 and t1; decide() is monotone in time, so the route
 * must be the one decide() gives at t0 or at t1 (the same one unless a boundary falls inside the run).
 */
async function checkRoute(rig: Rig, breaker: string, rec: BreakerRecord | null): Promise<LocalExecutionResult> {
  const t0 = Date.now();
  const r = await rig.machine.run({ request: { id: breaker } }, { executionName: `exec-${breaker}`, history: true });
  const t1 = Date.now();
  const where = `${breaker}: ${JSON.stringify(rec && { state: rec.state, gen: rec.gen, openUntil: rec.openUntil && rec.openUntil - t0, leases: rec.leases, ps: rec.probeSuccesses, rs: rec.recordSuccess })}\n${r.states.join(" -> ")} ${r.error ?? ""} ${r.cause ?? ""}`;
  assert.equal(r.status, "SUCCEEDED", where);
  assert.deepEqual(r.states.slice(0, 3), HEAD, where);
  const routed = routesSuccess({
    store: rig.kind === "dynamodb" ? { kind: "dynamodb", tableName: "t" } : { kind: "redis" },
    breakerName: breaker,
    settings: rig.settings,
  });
  const candidates = [t0, t1].map((t) => {
    const next = decideNext(decide(rec, t, rig.settings), rec !== null);
    const grant = next === S.acquireProbe ? acquireProbe(rec, t, rig.settings, `exec-${breaker}`).result : undefined;
    // rate rule on DynamoDB: a CLOSED success is added directly while its bucket is current (directSuccessField).
    if (routed && next === S.callTargetThenRecord) {
      // The draw decides whether a call in the prepared next bucket rotates early: read it from the execution.
      const entered = (r.history ?? []) as { type: string; state?: { name: string; input?: { sample?: { draw: number } } } }[];
      const draw = entered.find((e) => e.type === "StateEntered" && e.state?.name === S.successRoute)?.state?.input?.sample?.draw;
      const rotate = draw !== undefined && draw < rotationThreshold(rig.settings);
      const field = directSuccessField(rec, t, rig.settings, rotate);
      const select = field === rec?.successBucket?.field ? S.countInCurrentBucket : S.countInNextBucket;
      return [S.drawSuccessSample, S.successRoute, ...(field ? [select, S.callTargetThenCount, S.countSuccess] : pathAfterDecide(next))];
    }
    return pathAfterDecide(next, grant);
  });
  assert.ok(
    candidates.some((c) => JSON.stringify(c) === JSON.stringify(r.states.slice(3))),
    `${where}\nexpected ${candidates.map((c) => c.join(" -> ")).join("  or  ")}`,
  );
  // One read of the state, and the target exactly when the route reached a call.
  const reads = r.calls.filter((c) => c.state === S.readState);
  assert.equal(reads.length, 1, where);
  assert.equal(reads[0].resource, rig.kind === "dynamodb" ? RESOURCES.dynamodbGetItem : RESOURCES.lambdaInvoke, where);
  const called = r.states.some((s) =>
    [
      S.callTarget,
      S.callTargetNew,
      S.callTargetThenRecord,
      S.callTargetNewThenRecord,
      S.callTargetThenCount,
      S.callProbe,
      S.callUnrecorded,
    ].includes(s as never),
  );
  assert.equal(r.calls.filter((c) => c.target === TARGET).length, called ? 1 : 0, where);
  assert.ok(
    r.calls.every((c) => c.ok),
    where,
  );
  return r;
}

// ---------------------------------------------------------------------------------------------
// Records built with the pure module

const WHO = { by: "conformance", reason: "test" };

function failures(rec: BreakerRecord | null, n: number, now: number, s: BreakerSettings): BreakerRecord {
  let r = rec ?? newRecord(now);
  for (let i = 0; i < n; i++) {
    const plan = planCount(r, "failure", now, s);
    if (plan) r = applyCount(r, plan, now);
    r = trip(r, now, s).record ?? r;
  }
  return r;
}

function opened(now: number, s: BreakerSettings): BreakerRecord {
  const r = failures(null, s.tripRule === "rate" ? s.minimumCalls : s.failureThreshold, now, s);
  assert.equal(r.state, "OPEN");
  return r;
}

function halfOpen(now: number, s: BreakerSettings, leases: number): BreakerRecord {
  let r = opened(now - s.openDurationSeconds * 1000 - 1, s);
  for (let i = 0; i < leases; i++) r = acquireProbe(r, now, s, `other-${i}`).record!;
  assert.equal(r.state, "HALF_OPEN");
  return r;
}

/** rateDynamodb: the rate preset on DynamoDB, where a CLOSED success is counted directly while its bucket is current. */
const FIXED: {
  name: string;
  build: (now: number, s: BreakerSettings) => BreakerRecord | null;
  consecutive: string[];
  rate: string[];
  rateDynamodb?: string[];
}[] = [
  {
    name: "no item (new breaker)",
    build: () => null,
    consecutive: [S.callTargetNew],
    rate: [S.callTargetNewThenRecord, S.recordSuccessNew],
  },
  {
    name: "CLOSED without failures",
    build: (now) => newRecord(now),
    consecutive: [S.callTarget],
    rate: [S.callTargetThenRecord, S.recordSuccess],
    // No success bucket yet: record-outcome counts it and sets the bucket.
    rateDynamodb: [S.drawSuccessSample, S.successRoute, S.callTargetThenRecord, S.recordSuccess],
  },
  {
    name: "CLOSED with failures",
    build: (now, s) => failures(null, 1, now, s),
    consecutive: [S.callTargetThenRecord, S.recordSuccess],
    rate: [S.callTargetThenRecord, S.recordSuccess],
    // The counted failure set the current bucket (a day-long window: it cannot end during the test).
    rateDynamodb: [S.drawSuccessSample, S.successRoute, S.countInCurrentBucket, S.callTargetThenCount, S.countSuccess],
  },
  { name: "OPEN, not due", build: (now, s) => opened(now, s), consecutive: [S.fallbackOpen], rate: [S.fallbackOpen] },
  {
    name: "OPEN, due (its TTL not applied)",
    build: (now, s) => opened(now - s.openDurationSeconds * 1000 - 5_000, s),
    consecutive: [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeSuccess],
    rate: [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeSuccess],
  },
  {
    name: "HALF_OPEN with a free probe slot",
    build: (now, s) => halfOpen(now, s, 1),
    consecutive: [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeSuccess],
    rate: [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeSuccess],
  },
  {
    name: "HALF_OPEN with every probe slot taken",
    build: (now, s) => halfOpen(now, s, 2),
    consecutive: [S.acquireProbe, S.probeRoute, S.fallbackProbeSlotsTaken],
    rate: [S.acquireProbe, S.probeRoute, S.fallbackProbeSlotsTaken],
  },
  {
    name: "FORCED_OPEN",
    build: (now) => applyOverride(null, "open", now, WHO).record,
    consecutive: [S.fallbackForcedOpen],
    rate: [S.fallbackForcedOpen],
  },
  {
    name: "DISABLED",
    build: (now) => applyOverride(null, "disable", now, WHO).record,
    consecutive: [S.callUnrecorded],
    rate: [S.callUnrecorded],
  },
];

const PRESETS: Record<"consecutive" | "rate", Partial<BreakerSettings>> = {
  consecutive: { tripRule: "consecutive", failureThreshold: 3, halfOpenProbes: 2, openDurationSeconds: 60 },
  rate: { tripRule: "rate", minimumCalls: 4, failureRateThreshold: 0.5, windowSeconds: 86400, halfOpenProbes: 2, openDurationSeconds: 60 },
};

for (const kind of ["dynamodb", "redis"] as const) {
  describe(`conformance (${kind}): each stored state routes as decide() says`, function () {
    let endpoint: string | undefined;
    const rigs: Record<string, (name: string) => Rig> = {};

    before(async function () {
      endpoint = kind === "dynamodb" ? (await startDynamoLocal()).endpoint : undefined;
      for (const [preset, settings] of Object.entries(PRESETS)) {
        const store = await openStore(kind);
        const s = loadSettings(settings);
        const make = rigFor(kind, store, s, store instanceof DynamoDbStore ? store.tableName : undefined);
        rigs[preset] = (name) => make(name, endpoint);
      }
    });
    after(closeStores);

    for (const preset of ["consecutive", "rate"] as const) {
      for (const c of FIXED) {
        const expected = preset === "rate" && kind === "dynamodb" ? (c.rateDynamodb ?? c.rate) : c[preset];
        it(`${preset}: ${c.name} -> ${expected.join(" -> ")}`, async function () {
          const breaker = uniqueBreaker("fixed");
          const rig = rigs[preset](breaker);
          const rec = c.build(Date.now(), rig.settings);
          await write(rig.store, breaker, rec, rig.settings);
          const r = await checkRoute(rig, breaker, rec);
          assert.deepEqual(r.states.slice(3), expected);
        });
      }
    }

    it("a CLOSED success after failures is reported, and the real record-outcome resets the run", async function () {
      const breaker = uniqueBreaker("reset");
      const rig = rigs.consecutive(breaker);
      await write(rig.store, breaker, failures(null, 2, Date.now(), rig.settings), rig.settings);
      await checkRoute(rig, breaker, await rig.store.get(breaker));
      const after = (await rig.store.get(breaker))!;
      assert.deepEqual([after.state, after.counters.cf, after.recordSuccess], ["CLOSED", 0, false]);
      // Now nothing needs reporting: the next success takes the lean path.
      const r = await checkRoute(rig, breaker, after);
      assert.deepEqual(r.states, [...HEAD, S.callTarget]);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Property: records from random sequences of the pure module's operations

type Op =
  | { k: "outcome"; c: Classified }
  | { k: "advance"; ms: number }
  | { k: "probe" }
  | { k: "report"; c: Classified }
  | { k: "override"; cmd: OverrideCommand };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant("outcome" as const), c: fc.constantFrom<Classified>("failure", "success", "slow", "ignored") }),
  },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 90_000 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("probe" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.constant("report" as const), c: fc.constantFrom<Classified>("failure", "success", "ignored") }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("override" as const), cmd: fc.constantFrom(...OVERRIDE_COMMANDS) }) },
);

/** Applies the operations with the pure module, ending `gapMs` before `now`. Null: nothing was ever written. */
function simulate(ops: Op[], gapMs: number, now: number, s: BreakerSettings): BreakerRecord | null {
  const total = ops.reduce((a, o) => a + (o.k === "advance" ? o.ms : 0), 0);
  let t = now - gapMs - total;
  let rec: BreakerRecord | null = null;
  let lease = 0;
  for (const op of ops) {
    if (op.k === "advance") {
      t += op.ms;
    } else if (op.k === "outcome") {
      const plan = planCount(rec, op.c, t, s);
      if (plan) {
        rec = applyCount(rec, plan, t);
        rec = trip(rec, t, s).record ?? rec;
      }
    } else if (op.k === "probe") {
      rec = acquireProbe(rec, t, s, `lease-${lease++}`).record ?? rec;
    } else if (op.k === "report") {
      const id: string | undefined = rec ? Object.keys(rec.leases)[0] : undefined;
      if (rec && id) rec = reportProbe(rec, rec.gen, id, op.c, t, s).record ?? rec;
    } else {
      rec = applyOverride(rec, op.cmd, t, WHO).record ?? rec;
    }
  }
  return rec;
}

const PROPERTY_SETTINGS: Partial<BreakerSettings>[] = [
  { tripRule: "consecutive", failureThreshold: 2, openDurationSeconds: 60, halfOpenProbes: 1, probeLeaseSeconds: 30 },
  {
    tripRule: "window",
    failureThreshold: 3,
    windowSeconds: 120,
    slowCallDurationMs: 1000,
    openDurationSeconds: 120,
    halfOpenProbes: 2,
    probeLeaseSeconds: 60,
  },
  {
    tripRule: "rate",
    minimumCalls: 3,
    failureRateThreshold: 0.5,
    openDurationSeconds: 30,
    openDurationMultiplier: 3,
    halfOpenProbes: 3,
    probeLeaseSeconds: 20,
  },
];

describe("conformance (dynamodb): 30 random records from the pure module route as decide() says", function () {
  let rigs: ((name: string) => Rig)[] = [];

  before(async function () {
    const endpoint = (await startDynamoLocal()).endpoint;
    rigs = [];
    for (const settings of PROPERTY_SETTINGS) {
      const store = await openStore("dynamodb");
      const make = rigFor("dynamodb", store, loadSettings(settings), (store as DynamoDbStore).tableName);
      rigs.push((name) => make(name, endpoint));
    }
  });
  after(closeStores);

  it("routes every generated record as decide() and acquireProbe() say", async function () {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: PROPERTY_SETTINGS.length - 1 }),
        fc.array(opArb, { maxLength: 30 }),
        fc.integer({ min: 0, max: 240_000 }),
        async (preset, ops, gap) => {
          const breaker = uniqueBreaker("prop");
          const rig = rigs[preset](breaker);
          const rec = simulate(ops, gap, Date.now(), rig.settings);
          await write(rig.store, breaker, rec, rig.settings);
          const r = await checkRoute(rig, breaker, rec);
          seen.add(r.states[3]);
        },
      ),
      { numRuns: 30 },
    );
    // The random records reached more than one route (a generator stuck on one state would prove little).
    assert.ok(seen.size >= 3, `routes seen: ${[...seen].join(", ")}`);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: the real handlers on the real store carry a breaker through a whole cycle.

const CYCLE_SETTINGS = loadSettings({
  tripRule: "consecutive",
  failureThreshold: 3,
  openDurationSeconds: 1,
  openDurationMultiplier: 1,
  halfOpenProbes: 1,
  retryAttempts: 0,
  ignoredErrors: ["ClientError"],
});

const boom = () => {
  throw Object.assign(new Error("downstream unavailable"), { name: "ServiceUnavailable" });
};

async function untilDue(store: StateStore, breaker: string): Promise<void> {
  const rec = (await store.get(breaker))!;
  assert.equal(rec.state, "OPEN");
  const wait = rec.openUntil! - Date.now() + 20;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

for (const kind of ["dynamodb", "redis"] as const) {
  describe(`conformance (${kind}): trip -> reject -> probe -> close, end to end`, function () {
    let rig: Rig;
    const breaker = uniqueBreaker("cycle");

    before(async function () {
      const endpoint = kind === "dynamodb" ? (await startDynamoLocal()).endpoint : undefined;
      const store = await openStore(kind);
      rig = rigFor(kind, store, CYCLE_SETTINGS, store instanceof DynamoDbStore ? store.tableName : undefined)(breaker, endpoint);
    });
    after(closeStores);

    it("takes the lean path while healthy: 4 states, one read, no write, no Lambda but the target", async function () {
      rig.target = () => ({ ok: true });
      const r = await rig.machine.run({ request: { n: 1 } });
      assert.deepEqual(r.states, [...HEAD, S.callTargetNew]);
      assert.deepEqual(
        r.calls.map((c) => c.target),
        [kind === "dynamodb" ? rig.tableName : FN.getStatus, TARGET],
      );
      assert.equal(await rig.store.get(breaker), null, "nothing was written");
    });

    it("counts failures and trips at the threshold; an ignored client error neither counts nor is retried", async function () {
      rig.target = boom;
      for (let i = 1; i <= 2; i++) {
        const r = await rig.machine.run({ request: { n: i } });
        assert.equal((r.output as { fallback: boolean }).fallback, true);
        assert.deepEqual(r.states.slice(3), [
          i === 1 ? S.callTargetNew : S.callTargetThenRecord,
          i === 1 ? S.recordFailureNew : S.recordFailure,
          S.fallbackTargetFailed,
        ]);
        assert.equal((await rig.store.get(breaker))!.counters.cf, i);
      }
      rig.target = () => {
        throw Object.assign(new Error("bad amount"), { name: "ClientError" });
      };
      const client = await rig.machine.run({ request: {} });
      assert.deepEqual([client.status, client.error], ["FAILED", "ClientError"]);
      assert.equal(client.calls.filter((c) => c.target === TARGET).length, 1);
      assert.equal((await rig.store.get(breaker))!.counters.cf, 2);
      rig.target = boom;
      await rig.machine.run({ request: { n: 3 } });
      const rec = (await rig.store.get(breaker))!;
      assert.equal(rec.state, "OPEN");
      assert.equal(rec.history[0].reason, "trip rule consecutive met");
    });

    it("rejects while OPEN without calling the target", async function () {
      const r = await rig.machine.run({ request: {} });
      assert.deepEqual(r.states.slice(3), [S.fallbackOpen]);
      assert.deepEqual((r.output as { response: { reason: string } }).response.reason, "open");
      assert.equal(r.calls.filter((c) => c.target === TARGET).length, 0);
    });

    it("a failing probe re-opens; a succeeding probe closes; then the lean path again", async function () {
      await untilDue(rig.store, breaker);
      const genBefore = (await rig.store.get(breaker))!.gen;
      // The probes' execution names hold every punctuation Step Functions allows (their lease ids are these names).
      const failed = await rig.machine.run({ request: {} }, { executionName: "probe+a@b=c!(d)'e" });
      assert.deepEqual(failed.states.slice(3), [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeFailure, S.fallbackTargetFailed]);
      let rec = (await rig.store.get(breaker))!;
      assert.deepEqual([rec.state, rec.gen, rec.reopens], ["OPEN", genBefore + 2, 1]);
      assert.deepEqual(
        rec.history.slice(0, 2).map((t) => `${t.from}->${t.to}`),
        ["HALF_OPEN->OPEN", "OPEN->HALF_OPEN"],
      );

      await untilDue(rig.store, breaker);
      rig.target = () => ({ ok: "again" });
      const probe = await rig.machine.run({ request: {} }, { executionName: "probe+f@g=h!(i)'j-ünï" });
      assert.deepEqual(probe.states.slice(3), [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeSuccess]);
      assert.deepEqual(probe.output, { breaker, fallback: false, response: { ok: "again" } });
      rec = (await rig.store.get(breaker))!;
      assert.deepEqual([rec.state, rec.reopens, rec.recordSuccess], ["CLOSED", 0, false]);

      const healthy = await rig.machine.run({ request: {} });
      assert.deepEqual(healthy.states, [...HEAD, S.callTarget]);
      assert.equal(healthy.calls.length, 2);
      assert.equal((await rig.store.get(breaker))!.ver, rec.ver, "the healthy call wrote nothing");
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The direct read fails (no such table): report-store-error answers with onStoreError.

describe("conformance (dynamodb): a failed state read follows onStoreError", function () {
  for (const onStoreError of ["allow", "reject"] as const) {
    it(`${onStoreError}: the DynamoDB error is reported and the call ${onStoreError === "allow" ? "goes through unrecorded" : "is rejected"}`, async function () {
      const endpoint = (await startDynamoLocal()).endpoint;
      const store = await openStore("dynamodb");
      try {
        const settings = loadSettings({ onStoreError });
        const rig = rigFor("dynamodb", store, settings, "no-such-table")("missing-table", endpoint);
        const r = await rig.machine.run({ request: {} });
        const report = r.calls.find((c) => c.state === S.reportStoreError)!;
        assert.equal((report.input as { error: string }).error, "DynamoDB.ResourceNotFoundException");
        assert.equal(r.calls[0].ok, false);
        if (onStoreError === "allow") {
          assert.deepEqual(r.states, [S.validateInput, S.readState, S.reportStoreError, S.storeErrorRoute, S.callUnrecorded]);
          assert.deepEqual(r.output, { breaker: "missing-table", fallback: false, response: { ok: true } });
        } else {
          assert.deepEqual(r.states, [S.validateInput, S.readState, S.reportStoreError, S.storeErrorRoute, S.fallbackStoreError]);
          assert.equal((r.output as { response: { reason: string } }).response.reason, "store error");
        }
      } finally {
        await closeStores();
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Breaker-aware retries (core/definition/retry-loop.ts): every failed attempt is counted by the real record-outcome,
// and a retry asks the circuit first. Where a call must stop is what the pure module says of its attempts.

/** How a call whose every attempt fails must end, by the pure module: after how many attempts, and why. */
function expectedFailingCall(
  rec: BreakerRecord | null,
  s: BreakerSettings,
  now: number,
): { attempts: number; end: "open" | "target failed" } {
  let r = rec ?? newRecord(now);
  for (let a = 1; a <= s.retryAttempts + 1; a++) {
    const plan = planCount(r, "failure", now, s)!;
    r = applyCount(r, plan, now);
    const tripped = trip(r, now, s).record;
    if (a === s.retryAttempts + 1) return { attempts: a, end: "target failed" };
    if (tripped) return { attempts: a, end: "open" };
  }
  throw new Error("unreachable");
}

/** The states of retry r after attempt r failed and was counted, up to the next attempt. */
const retryPath = (r: number) => [
  recordFailedAttempt(r),
  afterFailedAttempt(r),
  jitterRetry(r),
  waitRetry(r),
  readStateForRetry(r),
  routeRetry(r),
  callTargetRetry(r),
];

const RETRY_SETTINGS = loadSettings({
  tripRule: "consecutive",
  failureThreshold: 2,
  retryAttempts: 3,
  openDurationSeconds: 60,
  ignoredErrors: ["ClientError"],
});

const targetCalls = (r: LocalExecutionResult) => r.calls.filter((c) => c.target === TARGET).length;
const reason = (r: LocalExecutionResult) => (r.output as { response: { reason?: string } }).response.reason;

for (const kind of ["dynamodb", "redis"] as const) {
  describe(`conformance (${kind}): breaker-aware retries`, function () {
    let make: (name: string) => Rig;

    before(async function () {
      const endpoint = kind === "dynamodb" ? (await startDynamoLocal()).endpoint : undefined;
      const store = await openStore(kind);
      const build = rigFor(kind, store, RETRY_SETTINGS, store instanceof DynamoDbStore ? store.tableName : undefined);
      make = (name) => Object.assign(build(name, endpoint), { afterRecord: undefined });
    });
    after(closeStores);

    it("attempt failures trip the breaker: failureThreshold failed attempts of one call open it, and the call stops there", async function () {
      const breaker = uniqueBreaker("attempts");
      const rig = make(breaker);
      rig.target = boom;
      const expected = expectedFailingCall(null, rig.settings, Date.now());
      assert.deepEqual(expected, { attempts: 2, end: "open" });
      const r = await rig.machine.run({ request: {} });
      assert.deepEqual(r.states.slice(3), [
        S.callTargetNew,
        RETRY_STATES.startRetriesNew,
        ...retryPath(1),
        recordFailedAttempt(2),
        afterFailedAttempt(2),
        S.fallbackOpenAfterFailure,
      ]);
      assert.equal(targetCalls(r), expected.attempts, "retryAttempts 3, yet only the attempts before the trip reached the target");
      assert.equal(reason(r), "open");
      // The fallback names the attempt's error (it is not a call the breaker kept from the target).
      assert.equal((r.calls.find((c) => c.state === S.fallbackOpenAfterFailure)!.input as { error: string }).error, "ServiceUnavailable");
      const rec = (await rig.store.get(breaker))!;
      assert.deepEqual([rec.state, rec.gen, rec.history[0].reason], ["OPEN", 1, "trip rule consecutive met"]);
      // And the next call is rejected without reaching the target.
      const next = await rig.machine.run({ request: {} });
      assert.deepEqual([next.states.slice(3), targetCalls(next)], [[S.fallbackOpen], 0]);
    });

    it("a retry stops once the circuit is open: opened by another caller during the wait, the retry's read sees it", async function () {
      const breaker = uniqueBreaker("opened");
      const rig = make(breaker);
      rig.target = boom;
      let moved = false;
      rig.afterRecord = async (answer) => {
        if (moved) return;
        moved = true;
        assert.equal(answer.result, "counted");
        // Another caller's failure trips the circuit after this one was counted (the pure module's trip, compare-and-set).
        const rec = (await rig.store.get(breaker))!;
        const now = Date.now();
        const tripped = trip(applyCount(rec, planCount(rec, "failure", now, rig.settings)!, now), now, rig.settings).record!;
        assert.ok(await rig.store.compareAndSet(breaker, rec.ver, tripped, rig.settings));
      };
      const r = await rig.machine.run({ request: {} });
      assert.deepEqual(r.states.slice(3), [
        S.callTargetNew,
        RETRY_STATES.startRetriesNew,
        recordFailedAttempt(1),
        afterFailedAttempt(1),
        jitterRetry(1),
        waitRetry(1),
        readStateForRetry(1),
        routeRetry(1),
        S.fallbackOpenAfterFailure,
      ]);
      assert.equal(targetCalls(r), 1);
      assert.equal(reason(r), "open");
    });

    it("a retry stops once the circuit is open: opened before the attempt was counted, the count is stale and says OPEN", async function () {
      const breaker = uniqueBreaker("stale");
      const rig = make(breaker);
      await write(rig.store, breaker, newRecord(Date.now()), rig.settings);
      rig.target = async () => {
        // Trips while the attempt runs: the failure arrives for a generation that is over.
        const rec = (await rig.store.get(breaker))!;
        if (rec.state === "CLOSED")
          assert.ok(await rig.store.compareAndSet(breaker, rec.ver, opened(Date.now(), rig.settings), rig.settings));
        return boom();
      };
      const r = await rig.machine.run({ request: {} });
      assert.deepEqual(r.states.slice(3), [
        S.callTarget,
        RETRY_STATES.startRetries,
        recordFailedAttempt(1),
        afterFailedAttempt(1),
        S.fallbackOpenAfterFailure,
      ]);
      assert.equal(targetCalls(r), 1);
      // Counted against the generation the call was admitted in (the item's, as read).
      assert.equal((r.calls.find((c) => c.state === recordFailedAttempt(1))!.input as { gen: string }).gen, "0");
    });

    it("an operator's reset during the call ends it failed (no count in the new generation); forced open ends it as forced open", async function () {
      for (const [cmd, end] of [
        ["reset", S.fallbackTargetFailed],
        ["open", S.fallbackForcedOpenAfterFailure],
      ] as const) {
        const breaker = uniqueBreaker(cmd);
        const rig = make(breaker);
        await write(rig.store, breaker, newRecord(Date.now()), rig.settings);
        rig.target = async () => {
          const rec = (await rig.store.get(breaker))!;
          if (rec.gen === 0)
            assert.ok(await rig.store.compareAndSet(breaker, rec.ver, applyOverride(rec, cmd, Date.now(), WHO).record!, rig.settings));
          return boom();
        };
        const r = await rig.machine.run({ request: {} });
        assert.deepEqual(
          r.states.slice(3),
          [S.callTarget, RETRY_STATES.startRetries, recordFailedAttempt(1), afterFailedAttempt(1), end],
          cmd,
        );
        assert.equal(targetCalls(r), 1, cmd);
        assert.deepEqual((await rig.store.get(breaker))!.counters, {}, cmd);
      }
    });

    it("a retry that succeeds is reported and resets the count its failed attempt raised", async function () {
      const breaker = uniqueBreaker("recover");
      const rig = make(breaker);
      let n = 0;
      rig.target = () => (++n === 1 ? boom() : { ok: n });
      const r = await rig.machine.run({ request: {} });
      assert.deepEqual(r.states.slice(3), [
        S.callTargetNew,
        RETRY_STATES.startRetriesNew,
        ...retryPath(1),
        RETRY_STATES.recordRetrySuccess,
      ]);
      assert.deepEqual(r.output, { breaker, fallback: false, response: { ok: 2 } });
      const rec = (await rig.store.get(breaker))!;
      assert.deepEqual([rec.state, rec.counters.cf, rec.recordSuccess], ["CLOSED", 0, false]);
      // The healthy path is the lean one again: 4 states, no Lambda but the target, nothing written.
      rig.target = () => ({ ok: true });
      const healthy = await rig.machine.run({ request: {} });
      assert.deepEqual(healthy.states, [...HEAD, S.callTarget]);
      assert.equal(healthy.calls.length, 2);
      assert.equal((await rig.store.get(breaker))!.ver, rec.ver);
    });

    it("an ignored error on a retry passes through uncounted; a half-open probe is never retried", async function () {
      const breaker = uniqueBreaker("ignored");
      const rig = make(breaker);
      let n = 0;
      rig.target = () => {
        if (++n === 1) return boom();
        throw Object.assign(new Error("bad amount"), { name: "ClientError" });
      };
      const r = await rig.machine.run({ request: {} });
      assert.deepEqual([r.status, r.error, targetCalls(r)], ["FAILED", "ClientError", 2]);
      assert.equal(r.states.at(-1), S.targetRejectedRequest);
      assert.equal((await rig.store.get(breaker))!.counters.cf, 1);

      const probing = uniqueBreaker("probe");
      const p = make(probing);
      await write(p.store, probing, opened(Date.now() - rig.settings.openDurationSeconds * 1000 - 1_000, rig.settings), rig.settings);
      p.target = boom;
      const probe = await p.machine.run({ request: {} });
      assert.deepEqual(probe.states.slice(3), [S.acquireProbe, S.probeRoute, S.callProbe, S.recordProbeFailure, S.fallbackTargetFailed]);
      assert.equal(targetCalls(probe), 1);
      assert.equal((await p.store.get(probing))!.state, "OPEN");
    });
  });
}
