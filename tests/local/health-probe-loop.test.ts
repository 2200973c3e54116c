// The scheduled health probe of the local runtime and the waste bench (local/health-probe-loop.ts), on both stores:
// the schedule starts the breaker's own state machine (localBreaker, the deployed definition's health-probe branch)
// with the probe input, through the same executor as the callers; its run re-probes an OPEN circuit at each
// probeAt until the target answers, then stops; later runs find it CLOSED and call nothing.

import { strict as assert } from "node:assert";
import { DEFAULT_SETTINGS } from "../../core/settings";
import { BreakerService } from "../../functions/breaker/service";
import { isProbeRequest, LOCAL_PROBE_REQUEST, startHealthProbeSchedule, trackStartedProbeLoops } from "../../local/health-probe-loop";
import { localBreaker } from "../../local/local-breaker";
import { LocalStore, openLocalStore } from "../../local/local-store";
import { countingSink, SILENT_LOG } from "../../local/run-local";
import { TaskError } from "../../local/sfn-runtime";
import { scaleSettings, Timebase } from "../../local/speed";
import { metered } from "../../local/work-meter";
import { startDynamoLocal, startRedis } from "../support/servers";

const SPEED = 20;
/** The first failure trips; open 60 s, early probe 2 s after each (re-)open. */
const design = {
  ...DEFAULT_SETTINGS,
  ignoredErrors: [...DEFAULT_SETTINGS.ignoredErrors],
  tripRule: "consecutive" as const,
  failureThreshold: 1,
  openDurationSeconds: 60,
  maxOpenDurationSeconds: 300,
  earlyProbeSeconds: 2,
  retryAttempts: 0,
};

for (const kind of ["dynamodb", "redis"] as const) {
  describe(`local health-probe schedule (${kind})`, function () {
    let store: LocalStore;
    const breakerName = `sched-${kind}-${Date.now().toString(36)}`;

    before(async () => {
      const endpoints =
        kind === "dynamodb" ? { dynamodbEndpoint: (await startDynamoLocal()).endpoint } : { redisUrl: (await startRedis()).url };
      store = await openLocalStore(kind, breakerName, endpoints);
    });
    after(() => store?.dispose());

    it("starts the definition's probe branch: re-probes at each probeAt while the target fails, closes at its first success, then probes no more", async () => {
      const probes: boolean[] = [];
      let callers = 0;
      const target = async (event: unknown) => {
        if (!isProbeRequest(event)) {
          callers += 1;
          return { ok: true };
        }
        const ok = probes.length >= 3;
        probes.push(ok);
        if (!ok) throw new TaskError("ServiceUnavailable", "down");
        return { ok: true };
      };
      const { machine } = localBreaker({
        breakerName,
        settings: design,
        fallback: "builtin",
        store,
        speed: SPEED,
        target,
        metrics: countingSink({}),
        log: SILENT_LOG,
      });
      await new BreakerService(store.store, Date.now).recordOutcome(breakerName, scaleSettings(design, SPEED), 0, {
        kind: "failure",
        error: "Boom",
      });
      const tb = new Timebase(SPEED, Date.now());
      const schedule = startHealthProbeSchedule({
        offsetSeconds: 0,
        tb,
        execute: (input, name) => machine.run(input, { executionName: name }),
      });
      try {
        for (let i = 0; i < 400 && schedule.executions.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      } finally {
        await schedule.stop();
      }
      // One scheduled run did it all: three failed early probes re-opened the circuit, the fourth closed it.
      assert.equal(schedule.executions.length, 1);
      const run = schedule.executions[0];
      assert.equal(run.status, "SUCCEEDED", run.cause);
      assert.equal(
        (run.output as { healthProbe: string }).healthProbe,
        "probed",
        JSON.stringify([run.states, run.calls.filter((c) => !c.ok)]),
      );
      assert.deepEqual(probes, [false, false, false, true]);
      assert.equal(callers, 0);
      const rec = (await store.store.get(breakerName))!;
      assert.equal(rec.state, "CLOSED");
      const reasons = rec.history.filter((t) => t.to === "HALF_OPEN").map((t) => t.reason);
      assert.deepEqual(reasons, Array(4).fill("early re-probe by the health probe"));
      // The next scheduled run finds it CLOSED and calls nothing.
      const next = await machine.run({ healthProbe: { request: { healthProbe: true } } });
      assert.equal((next.output as { healthProbe: string }).healthProbe, "not-due");
      assert.equal(probes.length, 4);
    });

    it("the caller that trips starts one probe loop, tracked and waited for, on its own work meter (not the caller's)", async () => {
      const name = `trip-${kind}-${Date.now().toString(36)}`;
      const own = await openLocalStore(
        kind,
        name,
        kind === "dynamodb" ? { dynamodbEndpoint: (await startDynamoLocal()).endpoint } : { redisUrl: (await startRedis()).url },
      );
      const loops = trackStartedProbeLoops();
      let probes = 0;
      try {
        const { machine } = localBreaker({
          breakerName: name,
          settings: design,
          fallback: "builtin",
          store: own,
          speed: SPEED,
          target: async (event: unknown) => {
            if (isProbeRequest(event)) return { ok: ++probes > 0 };
            throw new TaskError("ServiceUnavailable", "down");
          },
          metrics: countingSink({}),
          log: SILENT_LOG,
          healthProbe: { request: { ...LOCAL_PROBE_REQUEST }, startExecution: loops.startExecution },
        });
        const { work, result } = await metered(() => machine.run({ request: {} }));
        assert.equal(result.status, "fulfilled");
        await loops.stop();
        assert.equal(loops.executions.length, 1);
        assert.equal((loops.executions[0].output as { healthProbe: string }).healthProbe, "probed");
        assert.equal(probes, 1);
        // The caller recorded its failure and got the fallback; the loop's reads, lease and record are its own.
        // (redis: the caller's read is get-status).
        const read = kind === "redis" ? { "get-status": 1 } : {};
        assert.deepEqual(work.lambda, { ...read, "record-outcome": 1, fallback: 1 });
        assert.equal((await own.store.get(name))?.state, "CLOSED");
      } finally {
        await own.dispose();
      }
    });
  });
}
