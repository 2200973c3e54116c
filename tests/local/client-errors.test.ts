// A caller's malformed request never trips the breaker: the demo target answers it with a client error
// (ClientError, in the default ignoredErrors), end to end through the deployed definition, the handlers and
// a real store of each kind. The same target failing for its own reasons does trip it (the control).

import { strict as assert } from "node:assert";
import { STATE_NAMES } from "../../core/state-machine-definition";
import { DEFAULT_SETTINGS } from "../../core/settings";
import { demoDownstreamDefinition, demoDownstreamDeps } from "../../functions/handlers/demo-downstream";
import { localBreaker } from "../../local/local-breaker";
import { LocalStore, openLocalStore } from "../../local/local-store";
import { countingSink, SILENT_LOG } from "../../local/run-local";
import { LocalExecutionResult } from "../../local/sfn-runtime";
import { startDynamoLocal, startRedis } from "../support/servers";

for (const kind of ["dynamodb", "redis"] as const) {
  describe(`a malformed request to the demo target on ${kind}: a client error, never a trip`, function () {
    let store: LocalStore;
    const breakerName = `client-errors-${kind}`;
    const metrics: Record<string, number> = {};

    before(async () => {
      const endpoints =
        kind === "dynamodb" ? { dynamodbEndpoint: (await startDynamoLocal()).endpoint } : { redisUrl: (await startRedis()).url };
      store = await openLocalStore(kind, breakerName, endpoints);
    });
    after(() => store?.dispose());

    const machine = () =>
      localBreaker({
        breakerName,
        settings: {
          ...DEFAULT_SETTINGS,
          ignoredErrors: [...DEFAULT_SETTINGS.ignoredErrors],
          tripRule: "consecutive",
          failureThreshold: 3,
          retryAttempts: 0,
        },
        fallback: "none",
        store,
        speed: 1,
        target: demoDownstreamDefinition.make(demoDownstreamDeps({})),
        metrics: countingSink(metrics),
        log: SILENT_LOG,
      }).machine;

    it("six malformed requests: each ends with the target's ClientError; the breaker stays CLOSED and counts none", async () => {
      const m = machine();
      const results: LocalExecutionResult[] = [];
      for (let i = 0; i < 6; i++) results.push(await m.run({ request: { failureRate: 5, order: i } }));
      for (const r of results) {
        assert.equal(r.error, "ClientError", `${r.status} ${r.error} ${r.cause}`);
        // The cause is Lambda's error document, as Step Functions passes it on.
        const cause = JSON.parse(String(r.cause)) as { errorType: string; errorMessage: string };
        assert.equal(cause.errorType, "ClientError");
        assert.match(cause.errorMessage, /^malformed request: demo-downstream event\.failureRate is 5; allowed: a number from 0 to 1/);
      }
      const rec = await store.store.get(breakerName);
      assert.equal(rec?.state ?? "CLOSED", "CLOSED");
      assert.equal(rec?.counters.cf ?? 0, 0, "no failure was counted");
      assert.equal(metrics.CircuitOpened ?? 0, 0);
      for (const r of results)
        assert.equal(
          r.states[r.states.length - 1],
          STATE_NAMES.targetRejectedRequest,
          `the definition's route for an ignored error: ${r.states.join(" -> ")}`,
        );
      assert.equal(metrics.CallsFailed ?? 0, 0, "no failure was reported");
    });

    it("a request nested 5,000 deep ends the execution FAILED (States.Runtime) instead of throwing; the store is unchanged", async () => {
      let request: unknown = { id: 1 };
      for (let i = 0; i < 5000; i++) request = { a: request };
      const before = await store.store.get(breakerName);
      const r = await machine().run({ request });
      assert.equal(r.status, "FAILED");
      assert.equal(r.error, "States.Runtime");
      assert.match(String(r.cause), /nested too deeply for the local executor/);
      assert.deepEqual(await store.store.get(breakerName), before);
    });

    it("the control: the target failing on its own (failureRate 1) trips it at the threshold", async () => {
      const m = machine();
      for (let i = 0; i < 3; i++) await m.run({ request: { failureRate: 1 } });
      assert.equal((await store.store.get(breakerName))?.state, "OPEN");
    });
  });
}
