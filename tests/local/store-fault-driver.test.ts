// The store-fault driver's scheduling (local/store-faults.ts): a phase's store change is applied once, in
// phase order, by its timer or earlier by reach() when the traffic starts the phase's first execution. Uses
// the runtime's real delaying proxy; no store process is needed because nothing connects through it.

import { strict as assert } from "node:assert";
import { DelayProxy, startDelayProxy } from "../../local/delay-proxy";
import { LocalStore } from "../../local/local-store";
import { validateScenario } from "../../local/scenario";
import { runAt, Timebase } from "../../local/speed";
import { driveStoreFaults } from "../../local/store-faults";
import { fastScenarioJson } from "./support";

function slowScenario() {
  return validateScenario({
    ...fastScenarioJson(),
    speed: 1,
    phases: [
      { name: "healthy", durationSeconds: 60, failureRate: 0, latencyMs: 20 },
      { name: "slow", durationSeconds: 60, failureRate: 0, latencyMs: 20, storeFault: "slow", storeDelayMs: 3000 },
      { name: "slower", durationSeconds: 60, failureRate: 0, latencyMs: 20, storeFault: "slow", storeDelayMs: 5000 },
      { name: "healthy-again", durationSeconds: 60, failureRate: 0, latencyMs: 20 },
    ],
  });
}

function storeWith(proxy: DelayProxy | null, process: LocalStore["process"] = null): LocalStore {
  return {
    kind: "redis",
    store: null as never,
    dynamodb: null,
    tableName: null,
    description: "proxy only",
    process,
    proxy,
    dispose: async () => undefined,
  };
}

/**
 * Runs `body` while Date.now() runs at `rate` times the speed of the clock Node's timers use, from now on:
 * a setTimeout for Date.now() + d then runs while Date.now() still reads short of it. That is what happens
 * by a millisecond or so on a real machine (timers count whole ms on libuv's monotonic clock), made large
 * and certain here.
 */
async function withLaggingWallClock<T>(rate: number, body: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  const t0 = realNow();
  Date.now = () => Math.floor(t0 + (realNow() - t0) * rate);
  try {
    return await body();
  } finally {
    Date.now = realNow;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("store fault driver: phase changes", () => {
  let proxy: DelayProxy;
  beforeEach(async () => {
    // Nothing listens on the target: the proxy connects upstream only when a client connects.
    proxy = await startDelayProxy(9);
  });
  afterEach(() => proxy.close());

  it("reach(phase) applies the phase's delay at once, before its timer (a minute away) fires", async () => {
    const faults = driveStoreFaults(slowScenario(), new Timebase(1, Date.now()), storeWith(proxy));
    assert.equal(proxy.delayMs(), 0, "phase 0 is not slow");
    faults.reach(0);
    assert.equal(proxy.delayMs(), 0, "reaching phase 0 changes nothing");
    faults.reach(1);
    assert.equal(proxy.delayMs(), 3000, "the first execution of the slow phase meets the delay");
    faults.reach(1);
    const events = await faults.stop();
    assert.deepEqual(
      events.map((e) => [e.phase, e.action, e.delayMs]),
      [
        ["slow", "delay", 3000],
        ["end", "delay", 0],
      ],
      "each change once, and stop() brings the store back",
    );
    assert.equal(proxy.delayMs(), 0);
  });

  it("reaching a later phase applies the skipped changes in phase order", async () => {
    const faults = driveStoreFaults(slowScenario(), new Timebase(1, Date.now()), storeWith(proxy));
    faults.reach(3);
    assert.equal(proxy.delayMs(), 0, "healthy-again: no delay");
    const events = await faults.stop();
    assert.deepEqual(
      events.map((e) => [e.phase, e.delayMs]),
      [
        ["slow", 3000],
        ["slower", 5000],
        ["healthy-again", 0],
      ],
    );
  });

  it("without reach(), the phase's timer applies it", async () => {
    // Design time 0 was 61 s ago: phase 1 (from 60 s) is due now, phase 2 (from 120 s) is not.
    const faults = driveStoreFaults(slowScenario(), new Timebase(1, Date.now() - 61_000), storeWith(proxy));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(proxy.delayMs(), 3000);
    faults.reach(1);
    const events = await faults.stop();
    assert.deepEqual(
      events.map((e) => [e.phase, e.delayMs]),
      [
        ["slow", 3000],
        ["end", 0],
      ],
    );
  });
});

describe("design-clock timers never act before their time on the wall clock", () => {
  it("a bare setTimeout runs early under the lagging clock (the fault the tests below simulate)", async () => {
    const late = await withLaggingWallClock(0.8, async () => {
      const target = Date.now() + 100;
      return new Promise<number>((r) => setTimeout(() => r(Date.now() - target), 100));
    });
    assert.ok(late < 0, `it ran ${-late} ms before Date.now() reached its target`);
  });

  it("runAt runs once Date.now() has reached the target, not before", async () => {
    const [target, ranAt] = await withLaggingWallClock(0.8, async () => {
      const t = Date.now() + 100;
      return [t, await new Promise<number>((r) => runAt(t, () => r(Date.now())))];
    });
    assert.ok(ranAt >= target, `ran at ${ranAt}, target ${target}`);
  });

  it("runAt's cancel function stops it", async () => {
    let ran = false;
    const cancel = runAt(Date.now() + 20, () => (ran = true));
    cancel();
    await sleep(60);
    assert.equal(ran, false);
  });

  it("Timebase.runAt: what the callback stamps on the design clock is at the design second or later", async () => {
    const stamped = await withLaggingWallClock(0.8, async () => {
      const tb = new Timebase(3, Date.now());
      return new Promise<number>((r) => tb.runAt(0.3, () => r(tb.designSeconds(Date.now()))));
    });
    assert.ok(stamped >= 0.3, `stamped at ${stamped} s`);
  });

  it("a slow phase's delay is stamped at its boundary or later, applied by its timer", async () => {
    const proxy = await startDelayProxy(9);
    try {
      const events = await withLaggingWallClock(0.8, async () => {
        // Phase 1 ("slow", from design second 60) is due 150 ms from now at speed 1.
        const faults = driveStoreFaults(slowScenario(), new Timebase(1, Date.now() - 60_000 + 150), storeWith(proxy));
        while (proxy.delayMs() === 0) await sleep(10);
        return faults.stop();
      });
      const slow = events.find((e) => e.phase === "slow");
      assert.ok(slow && slow.at >= 60, `the delay is stamped at ${slow?.at} s, phase "slow" starts at 60 s`);
    } finally {
      await proxy.close();
    }
  });

  it("a down phase's kill and restart are stamped at their boundaries or later, applied by their timers", async () => {
    const actions: string[] = [];
    const process = {
      kill: async () => void actions.push("kill"),
      restart: async () => void actions.push("restart"),
    } as unknown as LocalStore["process"];
    const scenario = validateScenario({
      ...fastScenarioJson(),
      speed: 3,
      phases: [
        { name: "before", durationSeconds: 0.3, failureRate: 0, latencyMs: 20 },
        { name: "store-down", durationSeconds: 0.3, failureRate: 0, latencyMs: 20, storeFault: "down" },
        { name: "after", durationSeconds: 60, failureRate: 0, latencyMs: 20 },
      ],
    });
    const events = await withLaggingWallClock(0.8, async () => {
      const faults = driveStoreFaults(scenario, new Timebase(3, Date.now()), storeWith(null, process));
      while (actions.length < 2) await sleep(10);
      return faults.stop();
    });
    const kill = events.find((e) => e.action === "kill");
    const restart = events.find((e) => e.action === "restart");
    assert.ok(kill && kill.phase === "store-down" && kill.at >= 0.3, `kill: ${JSON.stringify(kill)}, the phase starts at 0.3 s`);
    assert.ok(restart && restart.phase === "after" && restart.at >= 0.6, `restart: ${JSON.stringify(restart)}, the phase starts at 0.6 s`);
  });
});
