import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DEFAULT_SETTINGS } from "../../core/settings";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { METRICS } from "../../core/metric-names";
import { cachedStore, Env, HandlerDeps, settingsCache } from "../../functions/shared/runtime";
import { StateStore, StoreError } from "../../core/state-store";
import { ensureTable } from "../../functions/store/table-schema";
import { dynamoClient, startDynamoLocal, startRedis } from "../support/servers";
import { CapturedMetrics, closeStores, lambdaDeps, openStore, RecordingLog, uniqueBreaker } from "./support";

const ROOT = join(__dirname, "..", "..");
const ENTRIES = [
  "record-outcome",
  "acquire-probe",
  "get-status",
  "report-store-error",
  "fallback",
  "acquire-slot",
  "release-slot",
  "demo-downstream",
];

/** Loads Lambda entry files in a fresh Node process, as a cold start does; prints each `typeof handler`. */
function coldStart(entries: string[], env: Env): { status: number | null; out: string } {
  const script = entries
    .map((e) => `console.log(${JSON.stringify(e)}, typeof require(${JSON.stringify(`./functions/handlers/${e}`)}).handler);`)
    .join("");
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const deployed = lambdaDeps;

describe("handler runtime: cold start from the environment", () => {
  after(closeStores);

  it("every Lambda entry loads with only the store's environment (no per-breaker variables) and exports a handler function", () => {
    const r = coldStart(ENTRIES, { STORE_KIND: "dynamodb", TABLE_NAME: "breakers" });
    assert.equal(r.status, 0, r.out);
    for (const e of ENTRIES) assert.ok(r.out.includes(`${e} function`), r.out);
  });

  it("one handler serves every breaker with the settings its event carries, validated once per settings fingerprint", async () => {
    const store = await openStore("dynamodb");
    const deps: HandlerDeps = {
      settings: null,
      store: async () => store,
      clock: Date.now,
      metrics: new CapturedMetrics().sink,
      log: new RecordingLog(),
    };
    const record = recordOutcomeDefinition.make(deps);
    const [strict, lenient] = [uniqueBreaker(), uniqueBreaker()];
    const strictSettings = { ...DEFAULT_SETTINGS, failureThreshold: 1 };
    const lenientSettings = { ...DEFAULT_SETTINGS, failureThreshold: 3 };
    const fail = (breaker: string, settings: object) => record({ breaker, gen: 0, outcome: "failure", error: "Boom", settings });
    assert.equal((await fail(strict, strictSettings)).result, "tripped");
    assert.equal((await fail(lenient, lenientSettings)).result, "counted");
    assert.equal((await fail(lenient, lenientSettings)).result, "counted");
    assert.equal((await fail(lenient, lenientSettings)).result, "tripped");
    // Four calls, two breakers: validated twice (once per distinct settings), never per call.
    assert.equal(settingsCache(deps).validations, 2);
  });

  it("refuses an event whose settings do not validate, or that carries none, naming the setting and what is allowed; no state is touched", async () => {
    const store = await openStore("dynamodb");
    const deps: HandlerDeps = {
      settings: null,
      store: async () => store,
      clock: Date.now,
      metrics: new CapturedMetrics().sink,
      log: new RecordingLog(),
    };
    const breaker = uniqueBreaker();
    const record = recordOutcomeDefinition.make(deps);
    const bad = { ...DEFAULT_SETTINGS, halfOpenProbes: 1000 };
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        record({ breaker, gen: 0, outcome: "failure", error: "Boom", settings: bad }),
        (e: Error) =>
          e.name === "InvalidEventError" &&
          e.message === "record-outcome event.settings.halfOpenProbes is 1000; allowed: an integer from 1 to 100",
      );
    }
    assert.equal(settingsCache(deps).validations, 1, "a refused fingerprint is not validated again either");
    await assert.rejects(
      getStatusDefinition.make(deps)({ breaker, settings: { ...DEFAULT_SETTINGS, tripRule: "sometimes" } }),
      /get-status event\.settings\.tripRule is "sometimes"; allowed: consecutive, window, rate/,
    );
    await assert.rejects(
      record({ breaker, gen: 0, outcome: "failure", error: "Boom" }),
      /record-outcome event\.settings is missing; allowed: the breaker's deployed settings/,
    );
    assert.equal(await store.get(breaker), null);
  });

  it("cachedStore opens once per container, does not cache a failed open, and reports it as a StoreError", async () => {
    let opens = 0;
    const fake = { kind: "redis" } as StateStore;
    const get = cachedStore(async () => {
      opens += 1;
      if (opens === 1) throw new Error("ECONNREFUSED");
      return fake;
    });
    await assert.rejects(get(), (e: Error) => e instanceof StoreError && /cannot open the state store: ECONNREFUSED/.test(e.message));
    const [a, b] = await Promise.all([get(), get()]);
    assert.equal(a, fake);
    assert.equal(b, fake);
    assert.equal(await get(), fake);
    assert.equal(opens, 2);
  });

  it("the definition's deps open the DynamoDB store from STORE_KIND / TABLE_NAME / DYNAMODB_ENDPOINT on first use", async () => {
    const ddb = await startDynamoLocal();
    const tableName = `runtime-${randomUUID().slice(0, 8)}`;
    const admin = dynamoClient(ddb.endpoint, 10_000);
    await ensureTable(admin, tableName);
    admin.destroy();
    const breaker = uniqueBreaker();
    const { deps, metrics } = deployed({
      STORE_KIND: "dynamodb",
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: ddb.endpoint,
    });
    const settings = { failureThreshold: 1 };
    const r = await recordOutcomeDefinition.make(deps)({ breaker, gen: 0, outcome: "failure", error: "Boom", settings });
    assert.equal(r.result, "tripped");
    const view = await getStatusDefinition.make(deps)({ breaker, settings });
    assert.deepEqual({ state: view.Item?.state.S, gen: view.Item?.gen.N }, { state: "OPEN", gen: "1" });
    assert.equal(metrics.totals(breaker)[METRICS.circuitOpened], 1);
    await (await deps.store()).close();
  });

  it("the definition's deps open the Redis store from STORE_KIND / REDIS_URL", async () => {
    const redis = await startRedis();
    const breaker = uniqueBreaker();
    const { deps } = deployed({ STORE_KIND: "redis", REDIS_URL: redis.url });
    await recordOutcomeDefinition.make(deps)({ breaker, gen: 0, outcome: "failure", error: "Boom", settings: { failureThreshold: 1 } });
    const other = await openStore("redis");
    assert.equal((await other.get(breaker))?.state, "OPEN");
    await (await deps.store()).close();
  });

  it("a store configuration error surfaces per onStoreError with a log line naming the variable, never a crash", async () => {
    const { deps, metrics, log } = deployed({});
    const breaker = uniqueBreaker();
    assert.deepEqual(await getStatusDefinition.make(deps)({ breaker, settings: { onStoreError: "reject" } }), {
      StoreError: { allow: false },
    });
    assert.equal(metrics.totals(breaker)[METRICS.storeErrors], 1);
    assert.match(String(log.entries[0].attributes.errorMessage), /STORE_KIND is not set/);
  });
});
