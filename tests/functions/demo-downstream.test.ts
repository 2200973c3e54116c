import assert from "node:assert/strict";
import { DEFAULT_SETTINGS } from "../../core/settings";
import { DEMO_CLIENT_ERROR, DemoDeps, demoConfigFromEnv, demoDownstreamDefinition } from "../../functions/handlers/demo-downstream";
import { mulberry32 } from "../../local/rng";
import { rejectsWith } from "./support";

/** A demo downstream with a seeded random source and a sleep that records instead of waiting. */
function demo(config: Partial<DemoDeps["config"]> = {}, seed = 42) {
  const slept: number[] = [];
  const deps: DemoDeps = {
    config: { ...demoConfigFromEnv({}), ...config },
    random: mulberry32(seed),
    sleep: async (ms) => {
      slept.push(ms);
    },
  };
  return { handle: demoDownstreamDefinition.make(deps), slept };
}

/** Runs n calls; "ok" or the thrown error's name for each. */
async function run(handle: (e: unknown) => Promise<unknown>, n: number, event: unknown = {}): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    try {
      await handle(event);
      out.push("ok");
    } catch (e) {
      out.push((e as Error).name);
    }
  }
  return out;
}

describe("demo-downstream handler", () => {
  it("defaults: never fails, no latency; errors are named ServiceUnavailable", async () => {
    assert.deepEqual(demoConfigFromEnv({}), { failureRate: 0, latencyMs: 0, errorName: "ServiceUnavailable" });
    const { handle, slept } = demo();
    assert.deepEqual(await run(handle, 50, { orderId: 1 }), Array(50).fill("ok"));
    assert.deepEqual(slept, Array(50).fill(0));
  });

  it("failure rate 1 always throws an Error whose name is the configured error type, after the latency", async () => {
    const { handle, slept } = demo({ failureRate: 1, latencyMs: 250, errorName: "ClientError" });
    const err = await rejectsWith(() => handle({}), "ClientError", "failed on purpose");
    assert.ok(err instanceof Error);
    assert.deepEqual(slept, [250]);
  });

  it("is deterministic for a seed, and the failure fraction follows the rate", async () => {
    const a = await run(demo({ failureRate: 0.3 }, 7).handle, 2000);
    const b = await run(demo({ failureRate: 0.3 }, 7).handle, 2000);
    const c = await run(demo({ failureRate: 0.3 }, 8).handle, 2000);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    const failed = a.filter((x) => x === "ServiceUnavailable").length / a.length;
    assert.ok(failed > 0.25 && failed < 0.35, `failure fraction ${failed}`);
  });

  it("event fields failureRate, latencyMs and errorName override the environment per request", async () => {
    const { handle, slept } = demo({ failureRate: 0, latencyMs: 5 });
    assert.deepEqual(await run(handle, 3, { failureRate: 1, latencyMs: 40, errorName: "Throttled", payload: "x" }), [
      "Throttled",
      "Throttled",
      "Throttled",
    ]);
    assert.deepEqual(await run(handle, 1, { payload: "x" }), ["ok"]);
    assert.deepEqual(slept, [40, 40, 40, 5]);
    assert.deepEqual(await handle({ latencyMs: 0 }), { ok: true, message: "demo downstream answered", latencyMs: 0 });
  });

  it("bad overrides are a client error (ClientError, ignored by default) naming the field; bad environment fails the cold start naming the variable", async () => {
    const { handle } = demo();
    assert.ok(DEFAULT_SETTINGS.ignoredErrors.includes(DEMO_CLIENT_ERROR), "the default settings ignore the demo's client error");
    await rejectsWith(() => handle({ failureRate: 2 }), "ClientError", "malformed request", ".failureRate is 2", "a number from 0 to 1");
    await rejectsWith(() => handle({ latencyMs: 1.5 }), "ClientError", ".latencyMs is 1.5", "an integer");
    await rejectsWith(() => handle({ errorName: "no spaces" }), "ClientError", ".errorName is ");
    await rejectsWith(() => handle("go"), "ClientError", 'demo-downstream event is "go"; allowed: a JSON object');
    assert.deepEqual(demoConfigFromEnv({ FAILURE_RATE: "0.9", LATENCY_MS: "120", ERROR_NAME: "ClientError" }), {
      failureRate: 0.9,
      latencyMs: 120,
      errorName: "ClientError",
    });
    assert.throws(
      () => demoConfigFromEnv({ FAILURE_RATE: "90%" }),
      (e: Error) => e.name === "SettingsError" && /FAILURE_RATE is "90%"; allowed: a number from 0 to 1/.test(e.message),
    );
    assert.throws(() => demoConfigFromEnv({ LATENCY_MS: "-1" }), /LATENCY_MS is "-1"; allowed: an integer from 0 to 900000/);
    assert.throws(() => demoConfigFromEnv({ ERROR_NAME: "a b" }), /ERROR_NAME is "a b"/);
  });
});
