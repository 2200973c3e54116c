// The store-fault driver's scheduling (local/store-faults.ts): a phase's store change is applied once, in
// phase order, by its timer or earlier by reach() when the traffic starts the phase's first execution. Uses
// the runtime's real delaying proxy; no store process is needed because nothing connects through it.

import { strict as assert } from "node:assert";
import { DelayProxy, startDelayProxy } from "../../local/delay-proxy";
import { LocalStore } from "../../local/local-store";
import { validateScenario } from "../../local/scenario";
import { Timebase } from "../../local/speed";
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

function storeWith(proxy: DelayProxy): LocalStore {
  return { kind: "redis", store: null as never, dynamodb: null, tableName: null, description: "proxy only", process: null, proxy, dispose: async () => undefined };
}

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
