// Store faults as scenario phases, end to end on real store processes: the store the run started is killed
// (SIGKILL) and restarted on the same port, or slowed down through the runtime's proxy, while traffic runs.
// Asserts behaviour only (how executions ended, what the store holds, what the report counts), never timings.

import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { BreakerRecord } from "../../core/breaker";
import { OnStoreError } from "../../core/settings";
import { LogAttributes } from "../../functions/shared/logging";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { RedisStore } from "../../functions/store/redis-store";
import { LocalStore, LOCAL_STORE_TIMEOUTS } from "../../local/local-store";
import { ExecutionRecord } from "../../local/report/records";
import { Report } from "../../local/report/report";
import { LocalRunResult, runLocal } from "../../local/run-local";
import { ScenarioError, StoreKind, validateScenario } from "../../local/scenario";
import { StoreFaultEvent } from "../../local/store-faults";
import { DynamoLocal, RedisServer } from "../../local/store-processes";
import { fastScenarioJson, runCli, scenarioError, tempDir, writeJson } from "./support";

type Json = Record<string, unknown>;

/** A breaker that trips on 3 consecutive failures and stays OPEN for `openDurationSeconds` design seconds. */
function faultScenarioJson(store: StoreKind, onStoreError: OnStoreError, phases: Json[], openDurationSeconds = 15): Json {
  return {
    name: `store-faults-${store}-${onStoreError}`,
    store,
    speed: 3,
    seed: 11,
    breaker: {
      name: "faulty",
      fallback: "builtin",
      settings: {
        tripRule: "consecutive",
        failureThreshold: 3,
        openDurationSeconds,
        openDurationMultiplier: 1,
        maxOpenDurationSeconds: openDurationSeconds,
        halfOpenProbes: 1,
        probeLeaseSeconds: 10,
        timeoutSeconds: 30,
        retryAttempts: 0,
        retryIntervalSeconds: 1,
        retryMaxDelaySeconds: 1,
        onStoreError,
      },
    },
    traffic: { ratePerSecond: 5, maxConcurrency: 60 },
    phases,
  };
}

/** Trip, kill the store while OPEN (20 s), restart it, recover (a probe closes it), trip again. */
function downPhases(store: StoreKind): Json[] {
  return [
    { name: "outage", role: "failing", durationSeconds: 9, failureRate: 1, latencyMs: 20 },
    { name: "store-down", role: "failing", durationSeconds: 6, failureRate: 0, latencyMs: 20, storeFault: "down" },
    // Long enough for the restart on a busy machine (DynamoDB Local takes seconds, redis-server a moment),
    // the end of the open period and a probe.
    { name: "recovered", role: "recovering", durationSeconds: store === "dynamodb" ? 45 : 27, failureRate: 0, latencyMs: 20 },
    { name: "outage-2", role: "failing", durationSeconds: 6, failureRate: 1, latencyMs: 20 },
  ];
}

/** Healthy, every store request delayed by 3 s (longer than the clients' 1 s bound), healthy again, an outage. */
const SLOW_DELAY_MS = 3000;
const SLOW_PHASES: Json[] = [
  { name: "healthy", role: "healthy", durationSeconds: 6, failureRate: 0, latencyMs: 20 },
  {
    name: "store-slow",
    role: "healthy",
    durationSeconds: 15,
    failureRate: 0,
    latencyMs: 20,
    storeFault: "slow",
    storeDelayMs: SLOW_DELAY_MS,
  },
  { name: "healthy-again", role: "healthy", durationSeconds: 21, failureRate: 0, latencyMs: 20 },
  { name: "outage", role: "failing", durationSeconds: 6, failureRate: 1, latencyMs: 20 },
];

/**
 * The test's own read needs no breaker bound: generous timeouts, so a fresh connection to a just-restarted store on
 * a busy machine is not mistaken for a missing record.
 */
const CHECK_READ_MS = 10_000;

/** The breaker's record, read with a fresh client straight from the store process (not through the run's clients or proxy). */
async function readStoredRecord(store: LocalStore, breaker: string): Promise<BreakerRecord | null> {
  const direct =
    store.kind === "dynamodb"
      ? new DynamoDbStore({
          tableName: store.tableName!,
          endpoint: (store.process as DynamoLocal).endpoint,
          region: "us-east-1",
          credentials: { accessKeyId: "local", secretAccessKey: "local" },
          requestTimeoutMs: CHECK_READ_MS,
          connectionTimeoutMs: CHECK_READ_MS,
          maxAttempts: 3,
        })
      : new RedisStore({ url: (store.process as RedisServer).url, commandTimeoutMs: CHECK_READ_MS, connectTimeoutMs: CHECK_READ_MS });
  try {
    return await direct.get(breaker);
  } finally {
    await direct.close();
  }
}

interface FaultRun {
  result: LocalRunResult;
  /** The record read from the restarted store process, right after each restart. */
  afterRestart: (BreakerRecord | null)[];
  /** Store error log lines of the handlers. */
  storeErrorLogs: LogAttributes[];
}

async function runWithFaults(scenario: Json): Promise<FaultRun> {
  const s = validateScenario(scenario);
  const afterRestart: (BreakerRecord | null)[] = [];
  const storeErrorLogs: LogAttributes[] = [];
  const keep = (message: string, attributes?: LogAttributes) => {
    if (message === "state store error") storeErrorLogs.push(attributes ?? {});
  };
  const result = await runLocal(s, {
    keepRecords: true,
    log: { info: () => undefined, warn: () => undefined, error: keep },
    onStoreFault: async (event, store) => {
      if (event.action === "restart" && !event.error) afterRestart.push(await readStoredRecord(store, s.breaker.name));
    },
  });
  return { result, afterRestart, storeErrorLogs };
}

function sumFailed(f: Record<string, number>): number {
  return Object.values(f).reduce((a, b) => a + b, 0);
}

/** Every execution is exactly one result; store errors add up per phase, in total and to the StoreErrors metric. */
function checkTotals(r: Report): void {
  for (const p of [...r.phases, { ...r.totals, name: "total" }]) {
    assert.equal(p.succeeded + p.fallback + p.rejected + sumFailed(p.failed), p.executions, `${p.name}: results add up to executions`);
  }
  assert.equal(
    r.phases.reduce((a, p) => a + p.storeErrors, 0),
    r.totals.storeErrors,
    "the phases' store errors add up to the total",
  );
  assert.equal(r.totals.storeErrors, r.metrics.StoreErrors ?? 0, "the total is the StoreErrors metric the handlers emitted");
  assert.deepEqual(r.totals.failed, {}, "no execution failed for reasons other than the breaker");
}

/** How an execution that met a store failure must end under onStoreError. */
function checkAnsweredPerOnStoreError(executions: ExecutionRecord[], onStoreError: OnStoreError): void {
  const hit = executions.filter((e) => e.storeErrors > 0);
  assert.ok(hit.length > 0, "some executions met the store failure");
  const storeErrorRejections = executions.filter((e) => e.fallbackReason === "store error");
  for (const e of storeErrorRejections) assert.ok(e.storeErrors > 0, `execution ${e.index} was rejected for a store error it counted`);
  if (onStoreError === "allow") {
    assert.equal(storeErrorRejections.length, 0, "allow: no call is rejected for a store error");
    for (const e of hit) {
      assert.ok(e.work.targetAttempts >= 1, `allow: execution ${e.index} called the target despite the store error`);
      assert.ok(e.result === "succeeded" || e.result === "fallback", `allow: execution ${e.index} ended ${e.result}`);
    }
  } else {
    assert.ok(storeErrorRejections.length > 0, "reject: calls were rejected for the store error");
    for (const e of hit.filter((x) => x.work.targetAttempts === 0)) {
      assert.equal(e.result, "rejected", `reject: execution ${e.index} failed fast`);
      assert.equal(e.fallbackReason, "store error", `reject: execution ${e.index} was answered by the fallback for the store error`);
    }
  }
}

function faultEvent(r: Report, action: StoreFaultEvent["action"]): StoreFaultEvent {
  const e = r.storeFaults.find((f) => f.action === action);
  assert.ok(e, `a ${action} is reported: ${JSON.stringify(r.storeFaults)}`);
  assert.equal(e.error, undefined, `the ${action} worked`);
  return e;
}

for (const store of ["dynamodb", "redis"] as StoreKind[]) {
  for (const onStoreError of ["allow", "reject"] as OnStoreError[]) {
    describe(`store fault "down" on ${store}, onStoreError ${onStoreError}`, function () {
      let run: FaultRun;
      let r: Report;
      let restartedAt: number;

      before(async () => {
        run = await runWithFaults(faultScenarioJson(store, onStoreError, downPhases(store), 20));
        r = run.result.report;
        const restart = faultEvent(r, "restart");
        restartedAt = restart.at + (restart.tookMs / 1000) * r.scenario.speed;
      });

      it("kills the store process at the phase start and restarts it at the phase end", () => {
        const [kill, restart] = [faultEvent(r, "kill"), faultEvent(r, "restart")];
        assert.equal(kill.phase, "store-down");
        assert.equal(restart.phase, "recovered");
        assert.ok(
          kill.at >= r.phases[1].startSeconds && restart.at >= r.phases[2].startSeconds,
          "kill, then restart, each at its phase boundary or later",
        );
      });

      it("answers per onStoreError while the store is down; no execution fails for another reason", () => {
        checkTotals(r);
        const down = r.phases[1];
        assert.ok(down.storeErrors > 0, `store errors are counted in the down phase (${down.storeErrors})`);
        checkAnsweredPerOnStoreError(run.result.records!.executions, onStoreError);
        const inDown = run.result.records!.executions.filter((e) => e.phase === 1);
        if (onStoreError === "allow") {
          // The circuit is OPEN throughout, so a call that reached the target did so because the state was unknown.
          assert.ok(down.succeeded > 0, "allow: calls went through while the stored state could not be read");
        } else {
          assert.equal(
            inDown.filter((e) => e.work.targetAttempts > 0).length,
            0,
            "reject: nothing reached the target while the store was down and the circuit OPEN",
          );
        }
      });

      it("keeps the OPEN acknowledged before the kill across the restart (read from the store directly)", () => {
        const kill = faultEvent(r, "kill");
        const opened = run.result.records!.transitions.find((t) => t.to === "OPEN");
        assert.ok(opened && opened.at < kill.at, `the circuit opened before the kill: ${JSON.stringify(run.result.records!.transitions)}`);
        assert.equal(run.afterRestart.length, 1, "the store was read once, right after the restart");
        const rec = run.afterRestart[0];
        assert.ok(rec, "the breaker's record is in the restarted store");
        assert.ok(rec.gen >= opened.gen, `its generation (${rec.gen}) is at least the OPEN one (${opened.gen})`);
        assert.ok(
          rec.history.some((t) => t.gen === opened.gen && t.to === "OPEN"),
          `its history holds the OPEN transition of generation ${opened.gen}: ${JSON.stringify(rec.history)}`,
        );
      });

      it("counts again once the store is back: a probe closes the circuit and the next outage trips it", () => {
        const after = r.transitions.filter((t) => t.at >= restartedAt);
        const closed = after.find((t) => t.to === "CLOSED");
        assert.ok(closed, `it closed after the restart (at ${restartedAt.toFixed(1)} s): ${JSON.stringify(r.transitions)}`);
        assert.ok(
          after.some((t) => t.from === "CLOSED" && t.to === "OPEN" && t.at > closed.at && /trip rule/.test(t.reason)),
          `the second outage tripped it by counting: ${JSON.stringify(after)}`,
        );
        const last = run.result.records!.executions.filter((e) => e.phase === 3);
        assert.ok(
          last.some((e) => e.result === "rejected" && e.fallbackReason === "open"),
          "outage-2: rejected while OPEN again",
        );
      });
    });
  }
}

const SLOW_CASES: { store: StoreKind; onStoreError: OnStoreError; timeoutText: RegExp }[] = [
  { store: "dynamodb", onStoreError: "allow", timeoutText: new RegExp(`${LOCAL_STORE_TIMEOUTS.requestTimeoutMs} ms requestTimeout`) },
  { store: "redis", onStoreError: "reject", timeoutText: /Command timed out/ },
];

for (const c of SLOW_CASES) {
  describe(`store fault "slow" on ${c.store} (${SLOW_DELAY_MS} ms per request, bound ${LOCAL_STORE_TIMEOUTS.requestTimeoutMs} ms), onStoreError ${c.onStoreError}`, function () {
    let run: FaultRun;
    let r: Report;

    before(async () => {
      run = await runWithFaults(faultScenarioJson(c.store, c.onStoreError, SLOW_PHASES, 6));
      r = run.result.report;
    });

    it("delays the store through the proxy for the phase, then stops delaying", () => {
      const delays = r.storeFaults.filter((f) => f.action === "delay");
      assert.deepEqual(
        delays.map((f) => [f.phase, f.delayMs]),
        [
          ["store-slow", SLOW_DELAY_MS],
          ["healthy-again", 0],
        ],
      );
      assert.equal(r.storeFaults.filter((f) => f.action !== "delay").length, 0, "the process itself was left alone");
    });

    it("every store call in the slow phase gives up at the clients' bound: a store error, answered per onStoreError", () => {
      checkTotals(r);
      const slowEnd = r.phases[2].startSeconds;
      // Executions that started and ended within the slow phase: each of their store requests was delayed by
      // more than the phase lasts, so they could only finish because the clients gave up on every one of them.
      const within = run.result.records!.executions.filter((e) => e.phase === 1 && e.endedAt < slowEnd);
      assert.ok(within.length > 0, "executions finished within the slow phase, not held up by the delayed store");
      for (const e of within) assert.ok(e.storeErrors >= 1, `execution ${e.index} counted a store error`);
      assert.ok(r.phases[1].storeErrors >= within.length, "the slow phase counts them");
      checkAnsweredPerOnStoreError(
        run.result.records!.executions.filter((e) => e.phase === 1),
        c.onStoreError,
      );
      assert.ok(run.storeErrorLogs.length > 0);
      for (const log of run.storeErrorLogs) {
        assert.match(
          String(log.errorMessage),
          c.timeoutText,
          `a timeout at the configured bound, not another failure: ${JSON.stringify(log)}`,
        );
      }
    });

    it("counts again once the delay is gone: the outage trips the breaker", () => {
      const slowEnd = r.phases[2].startSeconds;
      const tripped = r.transitions.find((t) => t.from === "CLOSED" && t.to === "OPEN" && t.at >= slowEnd);
      assert.ok(tripped && /trip rule/.test(tripped.reason), `it tripped after the slow phase: ${JSON.stringify(r.transitions)}`);
      const outage = r.phases[3];
      assert.ok(outage.rejected > 0, "rejected while OPEN");
    });
  });
}

describe("store fault fields: validation", () => {
  type Case = { what: string; phase: Json; field: string; message: RegExp };
  const base = { name: "p", durationSeconds: 5, failureRate: 0 };
  const CASES: Case[] = [
    {
      what: "slow without storeDelayMs",
      phase: { ...base, storeFault: "slow" },
      field: "scenario.phases[1].storeDelayMs",
      message: /scenario\.phases\[1\]\.storeDelayMs is missing; allowed: an integer from 1 to 60000 \(required when storeFault is "slow"\)/,
    },
    {
      what: "storeDelayMs 0",
      phase: { ...base, storeFault: "slow", storeDelayMs: 0 },
      field: "scenario.phases[1].storeDelayMs",
      message: /storeDelayMs is 0; allowed: an integer from 1 to 60000/,
    },
    {
      what: "storeDelayMs above 60000",
      phase: { ...base, storeFault: "slow", storeDelayMs: 60001 },
      field: "scenario.phases[1].storeDelayMs",
      message: /storeDelayMs is 60001; allowed: an integer from 1 to 60000/,
    },
    {
      what: "a fractional storeDelayMs",
      phase: { ...base, storeFault: "slow", storeDelayMs: 1.5 },
      field: "scenario.phases[1].storeDelayMs",
      message: /storeDelayMs is 1\.5; allowed: an integer from 1 to 60000/,
    },
    {
      what: "storeDelayMs as text",
      phase: { ...base, storeFault: "slow", storeDelayMs: "500" },
      field: "scenario.phases[1].storeDelayMs",
      message: /storeDelayMs is "500"; allowed: an integer/,
    },
    {
      what: "storeDelayMs without a slow store",
      phase: { ...base, storeDelayMs: 500 },
      field: "scenario.phases[1].storeDelayMs",
      message: /storeDelayMs is 500; allowed: nothing unless storeFault is "slow" \(here storeFault is "none"\)/,
    },
    {
      what: "storeDelayMs with a down store",
      phase: { ...base, storeFault: "down", storeDelayMs: 500 },
      field: "scenario.phases[1].storeDelayMs",
      message: /storeDelayMs is 500; allowed: nothing unless storeFault is "slow" \(here storeFault is "down"\)/,
    },
    {
      what: "an unknown storeFault",
      phase: { ...base, storeFault: "flaky" },
      field: "scenario.phases[1].storeFault",
      message: /storeFault is "flaky"; allowed: none, down, slow/,
    },
  ];
  const withPhase = (phase: Json) => {
    const s = fastScenarioJson();
    (s.phases as Json[])[1] = phase;
    return s;
  };

  for (const c of CASES) {
    it(`rejects ${c.what}, naming ${c.field}`, () => {
      assert.throws(() => validateScenario(withPhase(c.phase)), scenarioError(c.field, c.message));
    });
  }

  it("defaults storeFault to none and keeps storeDelayMs only for slow", () => {
    const s = validateScenario(withPhase({ ...base, storeFault: "slow", storeDelayMs: 250 }));
    assert.deepEqual(
      s.phases.map((p) => [p.storeFault, p.storeDelayMs]),
      [
        ["none", undefined],
        ["slow", 250],
        ["none", undefined],
      ],
    );
  });

  for (const [store, endpoints, where] of [
    ["redis", { redisUrl: "redis://127.0.0.1:1" }, /--redis-url redis:\/\/127\.0\.0\.1:1/],
    ["dynamodb", { dynamodbEndpoint: "http://127.0.0.1:1" }, /a DynamoDB endpoint given \(http:\/\/127\.0\.0\.1:1\)/],
  ] as const) {
    it(`rejects a fault phase with an external ${store} store before starting anything`, async () => {
      const s = validateScenario({ ...fastScenarioJson({ store }), phases: [{ ...base, storeFault: "down" }] });
      let started = 0;
      await assert.rejects(
        runLocal(s, { endpoints, onProcessStarted: () => (started += 1), onStoreReady: () => (started += 1) }),
        (e: unknown) =>
          e instanceof ScenarioError &&
          e.field === "scenario.phases[0].storeFault" &&
          /scenario\.phases\[0\]\.storeFault is "down"; allowed: "none" with an external store/.test(e.message) &&
          where.test(e.message),
      );
      assert.equal(started, 0, "no store was started or connected to");
    });
  }

  it("npm start: a slow phase with --redis-url is a clear error, exit 2, nothing started", async () => {
    const dir = tempDir("fault-cli-");
    const s = fastScenarioJson({ store: "redis" });
    (s.phases as Json[])[1] = { ...(s.phases as Json[])[1], storeFault: "slow", storeDelayMs: 2000 };
    const outDir = join(dir, "out");
    const r = await runCli(["--scenario", writeJson(dir, "s.json", s), "--redis-url", "redis://127.0.0.1:1", "--out", outDir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /error: scenario\.phases\[1\]\.storeFault is "slow"; allowed: "none" with an external store \(--redis-url redis:\/\/127\.0\.0\.1:1\)/,
    );
    assert.doesNotMatch(r.stderr, /connecting|starting|store:/, "nothing was started or connected to");
    assert.equal(existsSync(outDir), false, "no output directory was created");
  });
});
