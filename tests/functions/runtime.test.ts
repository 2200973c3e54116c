import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { DEFAULT_SETTINGS } from "../../core/settings";
import { makeGetStatusHandler } from "../../functions/handler-factories/get-status";
import { makeRecordOutcomeHandler } from "../../functions/handler-factories/record-outcome";
import { METRICS } from "../../core/metric-names";
import { defaultDeps } from "../../functions/shared/default-deps";
import { breakerNameFromEnv, cachedStore, Env, HandlerDeps, settingsFromEnv } from "../../functions/shared/runtime";
import { StateStore, StoreError } from "../../core/state-store";
import { ensureTable } from "../../functions/store/table-schema";
import { dynamoClient, startDynamoLocal, startRedis } from "../support/servers";
import { CapturedMetrics, closeStores, openStore, RecordingLog, uniqueBreaker } from "./support";

const ROOT = join(__dirname, "..", "..");
const ENTRIES = ["record-outcome", "acquire-probe", "get-status", "report-store-error", "fallback", "health-probe", "demo-downstream"];

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

/** defaultDeps(env) with metrics and logs captured instead of printed. */
function deployed(env: Env): { deps: HandlerDeps; metrics: CapturedMetrics; log: RecordingLog } {
  const metrics = new CapturedMetrics();
  const log = new RecordingLog();
  return { deps: { ...defaultDeps(env), metrics: metrics.sink, log }, metrics, log };
}

describe("handler runtime: cold start from the environment", () => {
  after(closeStores);

  it("BREAKER_SETTINGS: absent -> defaults; JSON -> validated settings; invalid -> SettingsError naming the setting and range", () => {
    assert.deepEqual(settingsFromEnv({}), DEFAULT_SETTINGS);
    assert.equal(settingsFromEnv({ BREAKER_SETTINGS: '{"tripRule":"rate","minimumCalls":10}' }).minimumCalls, 10);
    assert.throws(
      () => settingsFromEnv({ BREAKER_SETTINGS: '{"failureThreshold":0}' }),
      (e: Error) =>
        e.name === "SettingsError" && e.message === "BREAKER_SETTINGS.failureThreshold is 0; allowed: an integer from 1 to 10000",
    );
    assert.throws(
      () => settingsFromEnv({ BREAKER_SETTINGS: "{tripRule:" }),
      (e: Error) => e.name === "SettingsError" && /BREAKER_SETTINGS is not valid JSON/.test(e.message),
    );
    assert.throws(() => settingsFromEnv({ BREAKER_SETTINGS: "[]" }), /BREAKER_SETTINGS is \[\]; allowed: an object of breaker settings/);
  });

  it("BREAKER_NAME: absent -> any breaker; invalid -> SettingsError", () => {
    assert.equal(breakerNameFromEnv({}), null);
    assert.equal(breakerNameFromEnv({ BREAKER_NAME: "orders" }), "orders");
    assert.throws(
      () => breakerNameFromEnv({ BREAKER_NAME: "orders#1" }),
      (e: Error) => e.name === "SettingsError" && /BREAKER_NAME is "orders#1"/.test(e.message),
    );
  });

  it("every Lambda entry loads with a valid environment and exports a handler function", () => {
    const r = coldStart(ENTRIES, {
      BREAKER_NAME: "orders",
      BREAKER_SETTINGS: '{"failureThreshold":3}',
      TARGET_ARN: "arn:aws:lambda:us-east-1:123456789012:function:orders",
    });
    assert.equal(r.status, 0, r.out);
    for (const e of ENTRIES) assert.ok(r.out.includes(`${e} function`), r.out);
  });

  it("an invalid BREAKER_SETTINGS fails the cold start with the SettingsError message; a health probe without TARGET_ARN too", () => {
    const bad = coldStart(["record-outcome"], { BREAKER_SETTINGS: '{"halfOpenProbes":1000}' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.out, /SettingsError: BREAKER_SETTINGS\.halfOpenProbes is 1000; allowed: an integer from 1 to 100/);
    const probe = coldStart(["health-probe"], {});
    assert.notEqual(probe.status, 0);
    assert.match(probe.out, /SettingsError: TARGET_ARN is ""/);
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

  it("defaultDeps opens the DynamoDB store from STORE_KIND / TABLE_NAME / DYNAMODB_ENDPOINT on first use", async () => {
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
      BREAKER_NAME: breaker,
      BREAKER_SETTINGS: '{"failureThreshold":1}',
    });
    const r = await makeRecordOutcomeHandler(deps)({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    assert.equal(r.result, "tripped");
    const view = await makeGetStatusHandler(deps)({ breaker });
    assert.deepEqual({ state: view.Item?.state.S, gen: view.Item?.gen.N }, { state: "OPEN", gen: "1" });
    assert.equal(metrics.totals(breaker)[METRICS.circuitOpened], 1);
    await (await deps.store()).close();
  });

  it("defaultDeps opens the Redis store from STORE_KIND / REDIS_URL", async () => {
    const redis = await startRedis();
    const breaker = uniqueBreaker();
    const { deps } = deployed({ STORE_KIND: "redis", REDIS_URL: redis.url, BREAKER_SETTINGS: '{"failureThreshold":1}' });
    await makeRecordOutcomeHandler(deps)({ breaker, gen: 0, outcome: "failure", error: "Boom" });
    const other = await openStore("redis");
    assert.equal((await other.get(breaker))?.state, "OPEN");
    await (await deps.store()).close();
  });

  it("a store configuration error surfaces per onStoreError with a log line naming the variable, never a crash", async () => {
    const { deps, metrics, log } = deployed({ BREAKER_SETTINGS: '{"onStoreError":"reject"}' });
    const breaker = uniqueBreaker();
    assert.deepEqual(await makeGetStatusHandler(deps)({ breaker }), { StoreError: { allow: false } });
    assert.equal(metrics.totals(breaker)[METRICS.storeErrors], 1);
    assert.match(String(log.entries[0].attributes.errorMessage), /STORE_KIND is not set/);
  });
});
