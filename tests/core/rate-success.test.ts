// The rate rule without a Lambda per success (issue 12, item 3), run as deployed: the generated definition in
// aws-local-stepfunctions against a real DynamoDB Local, with the real record-outcome on the real store.
// - a CLOSED success whose bucket is current is one direct UpdateItem (ADD), no Lambda;
// - a missing or expired bucket goes through record-outcome, which rotates it;
// - a generation change between the read and the ADD makes the ADD a no-op, and the caller still gets the answer;
// - sampled counting (successSampleRate 0.1, threshold 0.5, window 10 s, 20/s) never trips at a 30 % failure
//   ratio and trips at 70 %; on Redis (no direct count) a sampled success reaches record-outcome with its weight.
//   Deterministic: the executions run one after another on a virtual clock (the
//   executor's $$.Execution.StartTime, States.MathRandom's seed and the handlers' clock all read it).

import { strict as assert } from "node:assert";
import { applyCount, bucketOf, bucketWidthMs, newRecord, planCount } from "../../core/breaker";
import { RATE_SUCCESS_STATE_NAMES, rotationThreshold, successWeight } from "../../core/definition/rate-success";
import { BreakerSettings, loadSettings } from "../../core/settings";
import { StateStore } from "../../core/state-store";
import { buildDefinition, RESOURCES, STATE_NAMES as S } from "../../core/state-machine-definition";
import { RETRY_STATES } from "../../core/definition/retry-loop";
import { BreakerService } from "../../functions/breaker/service";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { reportStoreErrorDefinition } from "../../functions/handlers/report-store-error";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { createLocalStateMachine, LocalExecutionResult, LocalStateMachine } from "../../local/sfn-runtime";
import { CapturedMetrics, closeStores, openStore, RecordingLog, uniqueBreaker } from "../functions/support";
import { startDynamoLocal } from "../support/servers";

const FN = { recordOutcome: "record-outcome", acquireProbe: "acquire-probe", fallback: "fallback", reportStoreError: "report-store-error" };
const TARGET = "target";
const HEAD = [S.validateInput, S.readState, S.decide];

interface Rig {
  machine: LocalStateMachine;
  target: () => unknown;
}

/** The breaker's machine on `store` (a DynamoDbStore, or the Redis store with `endpoint` undefined and get-status). */
function rig(
  store: StateStore,
  endpoint: string | undefined,
  breaker: string,
  settings: BreakerSettings,
  clock: () => number = () => Date.now(),
): Rig {
  const deps = {
    settings,
    breakerName: null,
    store: async () => store as StateStore,
    clock,
    metrics: new CapturedMetrics().sink,
    log: new RecordingLog(),
  };
  const r = { target: () => ({ ok: true }) } as Rig;
  const def = buildDefinition({
    breakerName: breaker,
    store: store instanceof DynamoDbStore ? { kind: "dynamodb", tableName: store.tableName } : { kind: "redis" },
    functions: { ...FN, getStatus: "get-status" },
    targetArn: TARGET,
    fallback: "builtin",
    settings,
  });
  r.machine = createLocalStateMachine(def, {
    lambdas: {
      [FN.recordOutcome]: recordOutcomeDefinition.make(deps),
      "get-status": getStatusDefinition.make(deps),
      [FN.acquireProbe]: acquireProbeDefinition.make(deps),
      [FN.reportStoreError]: reportStoreErrorDefinition.make(deps),
      [FN.fallback]: (e: { breaker: string; reason: string }) => ({ fallback: true, breaker: e.breaker, reason: e.reason }),
      [TARGET]: () => r.target(),
    },
    dynamodbEndpoint: endpoint,
  });
  return r;
}

/** The draw DrawSuccessSample made (the execution must have run with history). */
function drawOf(r: LocalExecutionResult): number {
  const events = (r.history ?? []) as { type: string; state?: { name: string; input?: { sample?: { draw: number } } } }[];
  const draw = events.find((e) => e.type === "StateEntered" && e.state?.name === S.successRoute)?.state?.input?.sample?.draw;
  assert.equal(typeof draw, "number", "SuccessRoute saw the draw");
  return draw!;
}

/** Lambda invocations besides the target. */
const lambdas = (r: LocalExecutionResult) => r.calls.filter((c) => c.resource === RESOURCES.lambdaInvoke && c.target !== TARGET);

/** Waits until the current window bucket has at least `marginMs` left, so a bucket set now cannot end during a test. */
async function awayFromBucketEnd(s: BreakerSettings, marginMs: number): Promise<void> {
  const width = bucketWidthMs(s);
  const left = width - (Date.now() % width);
  if (left < marginMs) await new Promise((r) => setTimeout(r, left + 5));
}

describe("rate rule on DynamoDB: a success is one direct UpdateItem while its bucket is current", function () {
  let endpoint: string;
  let store: DynamoDbStore;
  // A window of 10 minutes: buckets of one minute, so a bucket set during a test stays current for it.
  const settings = loadSettings({ tripRule: "rate", windowSeconds: 600, minimumCalls: 1000 });

  before(async function () {
    endpoint = (await startDynamoLocal()).endpoint;
    store = (await openStore("dynamodb")) as DynamoDbStore;
  });
  after(closeStores);
  beforeEach(() => awayFromBucketEnd(settings, 10_000));

  it("the first success creates the record and its bucket through record-outcome; the next ones cost no Lambda", async function () {
    const breaker = uniqueBreaker("live");
    const r = rig(store, endpoint, breaker, settings);
    const first = await r.machine.run({ request: { n: 0 } });
    assert.deepEqual(first.states, [...HEAD, S.callTargetNewThenRecord, S.recordSuccessNew]);
    assert.equal(lambdas(first).length, 1);
    const created = (await store.get(breaker))!;
    const field = `s_${bucketOf(Date.now(), settings)}`;
    assert.equal(created.successBucket?.field, field);
    assert.ok(created.successBucket!.until > Date.now());
    assert.equal(created.counters[field], 1);

    for (let n = 1; n <= 5; n++) {
      const ok = await r.machine.run({ request: { n } });
      assert.equal(ok.status, "SUCCEEDED");
      assert.deepEqual(ok.output, { breaker, fallback: false, response: { ok: true } });
      assert.deepEqual(ok.states, [
        ...HEAD,
        S.drawSuccessSample,
        S.successRoute,
        S.countInCurrentBucket,
        S.callTargetThenCount,
        S.countSuccess,
      ]);
      assert.deepEqual(lambdas(ok), [], "no Lambda besides the target");
      assert.deepEqual(
        ok.calls.map((c) => [c.resource, c.ok]),
        [
          [RESOURCES.dynamodbGetItem, true],
          [RESOURCES.lambdaInvoke, true],
          [RESOURCES.dynamodbUpdateItem, true],
        ],
      );
    }
    const counted = (await store.get(breaker))!;
    assert.equal(counted.counters[field], 6, "every success counted once");
    // The direct ADD is counting only: no compare-and-set, no rotation.
    assert.deepEqual([counted.ver, counted.updatedAt, counted.successBucket], [created.ver, created.updatedAt, created.successBucket]);
  });

  it("a failure in a live bucket is still reported through record-outcome", async function () {
    const breaker = uniqueBreaker("fail");
    const r = rig(store, endpoint, breaker, settings);
    await r.machine.run({ request: {} });
    r.target = () => {
      throw Object.assign(new Error("down"), { name: "ServiceUnavailable" });
    };
    const failed = await r.machine.run({ request: {} });
    // Each failed attempt enters the breaker-aware retry loop and is counted (core/definition/retry-loop.ts).
    const states = failed.states.slice(3);
    assert.deepEqual(states.slice(0, 5), [
      S.drawSuccessSample,
      S.successRoute,
      S.countInCurrentBucket,
      S.callTargetThenCount,
      RETRY_STATES.startRetries,
    ]);
    assert.equal(states.at(-1), S.fallbackTargetFailed);
    const attempts = settings.retryAttempts + 1;
    assert.equal(states.filter((s) => s.startsWith("RecordFailedAttempt")).length, attempts);
    const rec = (await store.get(breaker))!;
    assert.equal(rec.counters[`f_${bucketOf(Date.now(), settings)}`], attempts);
  });

  it("an expired bucket goes through record-outcome, which rotates it; the next success is direct again", async function () {
    const breaker = uniqueBreaker("expired");
    const now = Date.now();
    // A success counted two and a half buckets ago: its bucket and the next ended before now; it is still in the window.
    const then = now - 2.5 * bucketWidthMs(settings);
    const old = applyCount(null, planCount(null, "success", then, settings)!, then);
    assert.ok(old.successBucket!.nextUntil < now);
    assert.ok(await store.compareAndSet(breaker, null, old, settings));
    const r = rig(store, endpoint, breaker, settings);

    const rotated = await r.machine.run({ request: {} });
    assert.deepEqual(rotated.states.slice(3), [S.drawSuccessSample, S.successRoute, S.callTargetThenRecord, S.recordSuccess]);
    assert.equal(lambdas(rotated).length, 1);
    const rec = (await store.get(breaker))!;
    const field = `s_${bucketOf(Date.now(), settings)}`;
    assert.equal(rec.successBucket?.field, field);
    assert.ok(rec.successBucket!.until > Date.now());
    assert.deepEqual(rec.counters, { [old.successBucket!.field]: 1, [field]: 1 }, "the old bucket is still in the window");

    const direct = await r.machine.run({ request: {} });
    assert.deepEqual(direct.states.slice(3), [
      S.drawSuccessSample,
      S.successRoute,
      S.countInCurrentBucket,
      S.callTargetThenCount,
      S.countSuccess,
    ]);
    assert.equal((await store.get(breaker))!.counters[field], 2);
  });

  it("past its bucket's end, a success is added to the prepared next bucket with no Lambda; one in 20 rotates early", async function () {
    // On a virtual clock (fixed draws): 60 breakers whose current bucket ended a moment ago.
    const clock = { t: 0 };
    const base = Date.UTC(2030, 0, 1) + bucketWidthMs(settings) / 2;
    const seen = { direct: 0, rotated: 0 };
    await onVirtualClock(clock, async () => {
      for (let k = 0; k < 60; k++) {
        clock.t = base + k * 200;
        const breaker = uniqueBreaker("next");
        const then = clock.t - bucketWidthMs(settings); // the previous bucket: ended; its next one is now's
        const old = applyCount(null, planCount(null, "success", then, settings)!, then);
        assert.equal(old.successBucket!.nextField, `s_${bucketOf(clock.t, settings)}`);
        assert.ok(await store.compareAndSet(breaker, null, old, settings));
        const run = await rig(store, endpoint, breaker, settings, () => clock.t).machine.run({ request: {} }, { history: true });
        const draw = drawOf(run);
        const rec = (await store.get(breaker))!;
        if (draw < rotationThreshold(settings)) {
          seen.rotated += 1;
          assert.deepEqual(run.states.slice(3), [S.drawSuccessSample, S.successRoute, S.callTargetThenRecord, S.recordSuccess]);
          assert.equal(lambdas(run).length, 1);
          assert.equal(rec.successBucket!.field, old.successBucket!.nextField, "rotated: now's bucket is the current one");
        } else {
          seen.direct += 1;
          assert.deepEqual(run.states.slice(3), [
            S.drawSuccessSample,
            S.successRoute,
            S.countInNextBucket,
            S.callTargetThenCount,
            S.countSuccess,
          ]);
          assert.deepEqual(lambdas(run), []);
          assert.deepEqual(rec.successBucket, old.successBucket, "not rotated");
        }
        assert.deepEqual(rec.counters, { [old.successBucket!.field]: 1, [old.successBucket!.nextField]: 1 });
      }
    });
    assert.ok(seen.direct > 0 && seen.rotated > 0, JSON.stringify(seen));
  });

  it("a generation change between the read and the ADD makes the ADD a no-op; the caller still gets the answer", async function () {
    const breaker = uniqueBreaker("moved");
    const now = Date.now();
    const rec = applyCount(newRecord(now), planCount(null, "failure", now, settings)!, now);
    assert.ok(await store.compareAndSet(breaker, null, rec, settings));
    const r = rig(store, endpoint, breaker, settings);
    // While the target runs, an operator resets the breaker: a new generation, counters cleared.
    r.target = async () => {
      await new BreakerService(store).override(breaker, settings, "reset", "test", "meanwhile");
      return { ok: "answered" };
    };
    const run = await r.machine.run({ request: {} });
    assert.equal(run.status, "SUCCEEDED");
    assert.deepEqual(run.output, { breaker, fallback: false, response: { ok: "answered" } });
    assert.deepEqual(run.states.slice(3), [
      S.drawSuccessSample,
      S.successRoute,
      S.countInCurrentBucket,
      S.callTargetThenCount,
      S.countSuccess,
      S.succeeded,
    ]);
    const update = run.calls.find((c) => c.state === RATE_SUCCESS_STATE_NAMES.countSuccess)!;
    assert.deepEqual([update.ok, update.error], [false, "DynamoDB.ConditionalCheckFailedException"]);
    const after = (await store.get(breaker))!;
    assert.deepEqual([after.state, after.gen, after.counters, after.successBucket], ["CLOSED", 1, {}, null], "nothing was added");
  });
});

// ---------------------------------------------------------------------------------------------
// Sampled counting on a virtual clock

/** The smallest and largest k with P(X <= k) and P(X >= k) above `tail`, X ~ Binomial(n, p): a bound nothing but chance breaks. */
function binomialBounds(n: number, p: number, tail: number): { lo: number; hi: number } {
  const pmf: number[] = [];
  let logC = 0;
  for (let k = 0; k <= n; k++) {
    if (k > 0) logC += Math.log(n - k + 1) - Math.log(k);
    pmf.push(Math.exp(logC + k * Math.log(p) + (n - k) * Math.log(1 - p)));
  }
  let lo = 0;
  for (let acc = pmf[0]; acc < tail; acc += pmf[++lo]);
  let hi = n;
  for (let acc = pmf[n]; acc < tail; acc += pmf[--hi]);
  return { lo, hi };
}

/** Replaces the global Date for `fn`: Date.now() and new Date() read `clock.t` (milliseconds), all else is the real Date. */
async function onVirtualClock<T>(clock: { t: number }, fn: () => Promise<T>): Promise<T> {
  const Real = Date;
  globalThis.Date = new Proxy(Real, {
    construct: (target, args: unknown[]) => (args.length ? new target(...(args as [number])) : new target(clock.t)),
    get: (target, prop, receiver) => (prop === "now" ? () => clock.t : Reflect.get(target, prop, receiver)),
  });
  try {
    return await fn();
  } finally {
    globalThis.Date = Real;
  }
}

describe("rate rule, successSampleRate 0.1: sampled counting (threshold 0.5, window 10 s, 20 calls/s)", function () {
  let endpoint: string;
  let store: DynamoDbStore;
  const settings = loadSettings({
    tripRule: "rate",
    failureRateThreshold: 0.5,
    windowSeconds: 10,
    successSampleRate: 0.1,
    retryAttempts: 0,
    openDurationSeconds: 3600,
    maxOpenDurationSeconds: 3600,
  });
  // A fixed start (a whole bucket, far from now's TTL concerns): the same draws on every run and machine.
  const T0 = Date.UTC(2030, 0, 1);
  const PERIOD_MS = 50;

  before(async function () {
    endpoint = (await startDynamoLocal()).endpoint;
    store = (await openStore("dynamodb")) as DynamoDbStore;
  });
  after(closeStores);

  /** Calls i = 0, 1, ... at T0 + 50 ms x i, failing when i % 10 is in `failing`; stops once the circuit opened. */
  async function drive(breaker: string, failing: number[], calls: number) {
    const clock = { t: T0 };
    const r = rig(store, endpoint, breaker, settings, () => clock.t);
    let sampled = 0;
    let successes = 0;
    let openedAt: number | null = null;
    await onVirtualClock(clock, async () => {
      for (let i = 0; i < calls && openedAt === null; i++) {
        clock.t = T0 + i * PERIOD_MS;
        const fails = failing.includes(i % 10);
        r.target = fails
          ? () => {
              throw Object.assign(new Error("down"), { name: "ServiceUnavailable" });
            }
          : () => ({ ok: i });
        const run = await r.machine.run({ request: { i } }, { executionName: `call-${i}` });
        assert.equal(run.status, "SUCCEEDED", `${i}: ${run.states.join(" -> ")} ${run.error ?? ""}`);
        if (!fails) {
          successes += 1;
          if (run.states.includes(S.countSuccess) || run.states.includes(S.recordSuccess) || run.states.includes(S.recordSuccessNew))
            sampled += 1;
          else
            assert.ok(
              [S.callTarget, S.callTargetNew].includes(run.states[run.states.length - 1] as never),
              `${i}: ${run.states.join(" -> ")}`,
            );
        } else if ((await store.get(breaker))!.state === "OPEN") {
          openedAt = clock.t - T0;
        }
      }
    });
    return { sampled, successes, openedAt, record: await store.get(breaker) };
  }

  it("never trips at a 30 % failure ratio (60 s, 1200 calls); about 1 success in 10 is recorded, weighing 10", async function () {
    this.timeout(300_000);
    assert.equal(successWeight(settings), 10);
    const out = await drive(uniqueBreaker("thirty"), [1, 4, 7], 1200);
    assert.equal(out.openedAt, null, "the circuit stayed CLOSED");
    assert.equal(out.record!.state, "CLOSED");
    assert.equal(out.successes, 840);
    const { lo, hi } = binomialBounds(840, 0.1, 1e-9);
    assert.ok(out.sampled >= lo && out.sampled <= hi, `sampled ${out.sampled} of 840, expected ${lo}..${hi}`);
    // Every recorded success weighs 10: the window's success counters are multiples of 10.
    const counts = Object.entries(out.record!.counters).filter(([k]) => k.startsWith("s_"));
    assert.ok(counts.length > 0 && counts.every(([, v]) => v % 10 === 0), JSON.stringify(out.record!.counters));
  });

  it("on Redis (no direct count): a sampled success goes to record-outcome with weight 10, the others cost nothing more", async function () {
    const redis = await openStore("redis");
    const breaker = uniqueBreaker("redis");
    const clock = { t: T0 };
    const r = rig(redis, undefined, breaker, settings, () => clock.t);
    let sampled = 0;
    await onVirtualClock(clock, async () => {
      for (let i = 0; i < 60; i++) {
        clock.t = T0 + i * PERIOD_MS;
        const run = await r.machine.run({ request: { i } }, { executionName: `redis-${i}` });
        const reports = run.calls.filter((c) => c.target === FN.recordOutcome);
        if (reports.length) {
          sampled += 1;
          assert.equal((reports[0].input as { weight?: number }).weight, 10);
          assert.ok([S.recordSuccess, S.recordSuccessNew].includes(run.states[run.states.length - 1] as never), run.states.join(" -> "));
        } else {
          assert.ok([S.callTarget, S.callTargetNew].includes(run.states[run.states.length - 1] as never), run.states.join(" -> "));
        }
      }
    });
    const rec = await redis.get(breaker);
    const weighted = Object.entries(rec?.counters ?? {})
      .filter(([k]) => k.startsWith("s_"))
      .reduce((a, [, v]) => a + v, 0);
    assert.ok(sampled > 0, "some successes were sampled");
    assert.equal(weighted, 10 * sampled, "each sampled success weighs 10");
  });

  it("trips at a 70 % failure ratio", async function () {
    this.timeout(300_000);
    const out = await drive(uniqueBreaker("seventy"), [0, 2, 3, 5, 6, 8, 9], 1200);
    assert.notEqual(out.openedAt, null, "the circuit opened");
    assert.equal(out.record!.history[0].reason, "trip rule rate met");
    assert.ok(out.sampled > 0, "successes were sampled before the trip");
  });
});
