// defineHandler: the steps every handler shares, done once (validation, settings once per fingerprint, the
// store-error answer), and each definition's environment matching the manifest's needs.

import assert from "node:assert/strict";
import { HANDLER_NAMES, HANDLER_NEEDS } from "../../core/handler-manifest";
import { METRICS } from "../../core/metric-names";
import { BreakerSettings } from "../../core/settings";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { reportStoreErrorDefinition } from "../../functions/handlers/report-store-error";
import { HANDLER_DEFINITIONS } from "../../functions/registry";
import { defineHandler } from "../../functions/shared/define-handler";
import { ssmParameterFetcher } from "../../functions/shared/ssm-parameter";
import { storeFromEnv } from "../../functions/store/from-env";
import { validateGetStatusEvent } from "../../core/schema/handler-events";
import { closeStores, downStore, harness, rejectsWith, settingsOf, uniqueBreaker } from "./support";

describe("defineHandler", () => {
  after(closeStores);

  it("refuses an invalid event with an InvalidEventError naming the handler and the field", async () => {
    const h = harness(await downStore("redis"), settingsOf());
    await rejectsWith(
      () => recordOutcomeDefinition.make(h.deps)({ breaker: uniqueBreaker(), gen: "zero", outcome: "failure", error: "Boom" }),
      "InvalidEventError",
      "record-outcome event",
      "gen",
    );
    assert.deepEqual(h.metrics.lines, [], "nothing is emitted for a refused event");
  });

  it("validates the event's settings once per fingerprint, not per call", async () => {
    const h = harness(await downStore("redis"), settingsOf());
    const validated: BreakerSettings[] = [];
    const deps = { ...h.deps, settings: null, adjustSettings: (s: BreakerSettings) => (validated.push(s), s) };
    const handle = reportStoreErrorDefinition.make(deps);
    const event = (failureThreshold: number) => ({ breaker: uniqueBreaker(), error: "States.TaskFailed", settings: { failureThreshold } });
    for (let i = 0; i < 3; i++) await handle(event(3));
    await handle(event(4));
    await handle(event(4));
    assert.deepEqual(
      validated.map((s) => s.failureThreshold),
      [3, 4],
    );
  });

  it("a store failure answers with storeErrorResult and counts one StoreErrors with the breaker's onStoreError", async () => {
    for (const onStoreError of ["allow", "reject"] as const) {
      const h = harness(await downStore("redis"), settingsOf({ onStoreError }));
      const breaker = uniqueBreaker();
      assert.deepEqual(await getStatusDefinition.make(h.deps)({ breaker }), { StoreError: { allow: onStoreError === "allow" } });
      assert.deepEqual(h.metrics.totals(breaker), { [METRICS.storeErrors]: 1 });
      const [line] = h.log.entries;
      assert.deepEqual([line.level, line.attributes.onStoreError, line.attributes.breaker], ["error", onStoreError, breaker]);
    }
  });

  it("without storeErrorResult, a failure of run is thrown", async () => {
    const h = harness(await downStore("redis"), settingsOf());
    const failing = defineHandler({
      name: "get-status",
      validate: validateGetStatusEvent,
      settings: "deployed",
      environment: { store: storeFromEnv },
      run: async ({ deps }) => (await deps.store()).get("x"),
    });
    await rejectsWith(() => failing.make(h.deps)({ breaker: uniqueBreaker() }), "StoreError");
  });

  it("every handler's environment is exactly its needs in the manifest", () => {
    for (const name of HANDLER_NAMES) assert.deepEqual(HANDLER_DEFINITIONS[name].needs, HANDLER_NEEDS[name], name);
  });

  it("the deps built from the environment hold a store and a settings reader only where the handler needs them", async () => {
    const env = { STORE_KIND: "dynamodb", TABLE_NAME: "unused" };
    assert.equal(recordOutcomeDefinition.deps(env).fetchParameter !== undefined, true);
    assert.equal(getStatusDefinition.deps(env).fetchParameter, undefined);
    await rejectsWith(() => reportStoreErrorDefinition.deps(env).store(), "StoreError", "no state store");
  });

  it("does not compile when the environment differs from the manifest's needs", () => {
    const wrong = () => [
      defineHandler({
        name: "get-status",
        validate: validateGetStatusEvent,
        settings: "deployed",
        // @ts-expect-error get-status needs no settings parameter (core/handler-manifest.ts)
        environment: { store: storeFromEnv, settingsParameter: ssmParameterFetcher },
        run: async () => ({}),
      }),
      defineHandler({
        name: "get-status",
        validate: validateGetStatusEvent,
        settings: "deployed",
        // @ts-expect-error get-status needs the store
        environment: {},
        run: async () => ({}),
      }),
    ];
    assert.equal(typeof wrong, "function");
  });
});
