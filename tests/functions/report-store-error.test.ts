import assert from "node:assert/strict";
import { reportStoreErrorDefinition } from "../../functions/handlers/report-store-error";
import { METRICS } from "../../core/metric-names";
import { closeStores, downStore, harness, rejectsWith, settingsOf, uniqueBreaker } from "./support";

describe("report-store-error handler", () => {
  after(closeStores);

  for (const onStoreError of ["allow", "reject"] as const) {
    it(`onStoreError=${onStoreError}: allow is ${onStoreError === "allow"}, one StoreErrors, one error log line naming the error`, async () => {
      const h = harness(await downStore("dynamodb"), settingsOf({ onStoreError }));
      const breaker = uniqueBreaker();
      const r = await reportStoreErrorDefinition.make(h.deps)({
        breaker,
        error: "DynamoDB.ProvisionedThroughputExceededException",
        cause: "slow down",
      });
      assert.deepEqual(r, { allow: onStoreError === "allow" });
      assert.deepEqual(h.metrics.totals(breaker), { [METRICS.storeErrors]: 1 });
      const [line, ...rest] = h.log.entries;
      assert.equal(rest.length, 0);
      assert.deepEqual(
        [line.level, line.attributes.errorName, line.attributes.errorMessage, line.attributes.onStoreError, line.attributes.breaker],
        ["error", "DynamoDB.ProvisionedThroughputExceededException", "slow down", onStoreError, breaker],
      );
    });
  }

  it("rejects malformed events with InvalidEventError and emits nothing", async () => {
    const h = harness(await downStore("dynamodb"), settingsOf());
    const handle = reportStoreErrorDefinition.make(h.deps);
    await rejectsWith(() => handle({ breaker: "orders" }), "InvalidEventError", "report-store-error event", ".error is missing");
    await rejectsWith(
      () => handle({ breaker: "orders", error: "States.TaskFailed", cause: 12 }),
      "InvalidEventError",
      ".cause is 12",
      "a string",
    );
    await rejectsWith(
      () => handle({ breaker: "orders", error: "x", Cause: "y" }),
      "InvalidEventError",
      ".Cause is not a field of this event",
    );
    assert.deepEqual(h.metrics.names(), []);
    assert.deepEqual(h.log.entries, []);
  });
});
