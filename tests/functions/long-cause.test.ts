// A failure whose cause is longer than 32768 characters (a long stack trace, a big error payload) is still
// counted: the cause is truncated, never a reason to refuse the event. The same holds for every event that
// carries a cause (fallback, report-store-error).

import assert from "node:assert/strict";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import {
  MAX_CAUSE_LENGTH,
  truncateCause,
  validateFallbackEvent,
  validateRecordOutcomeEvent,
  validateStoreErrorEvent,
} from "../../core/schema/handler-events";
import { METRICS } from "../../core/metric-names";
import { describeEachStore, harness, rejectsWith, settingsOf, uniqueBreaker } from "./support";

describeEachStore("record-outcome with a cause longer than 32768 characters", (s) => {
  it("counts the failure (and trips) instead of rejecting the event", async () => {
    const h = harness(s.store, settingsOf({ tripRule: "consecutive", failureThreshold: 2 }));
    const handle = recordOutcomeDefinition.make(h.deps);
    const breaker = uniqueBreaker();
    const cause = JSON.stringify({
      errorMessage: "downstream exploded",
      trace: Array.from({ length: 2000 }, (_, i) => `    at frame${i} (/var/task/index.js:1:${i})`),
    });
    assert.ok(cause.length > 2 * MAX_CAUSE_LENGTH);
    const first = await handle({ breaker, gen: 0, outcome: "failure", error: "ServiceUnavailable", cause });
    assert.equal(first.result, "counted");
    assert.equal((await s.store.get(breaker))?.counters.cf, 1);
    const second = await handle({ breaker, gen: 0, outcome: "failure", error: "ServiceUnavailable", cause });
    assert.equal(second.result, "tripped");
    assert.equal(h.metrics.totals(breaker)[METRICS.callsFailed], 2);
  });
});

describe("cause truncation (event validation)", () => {
  const long = "x".repeat(100_000);

  it("keeps a cause of at most 32768 characters as it is; cuts a longer one to exactly 32768, ending with its original length", () => {
    const exact = "y".repeat(MAX_CAUSE_LENGTH);
    assert.equal(validateRecordOutcomeEvent({ breaker: "b", gen: 0, outcome: "failure", error: "E", cause: exact }).cause, exact);
    const cut = validateRecordOutcomeEvent({ breaker: "b", gen: 0, outcome: "failure", error: "E", cause: long }).cause!;
    assert.equal(cut.length, MAX_CAUSE_LENGTH);
    assert.ok(cut.endsWith(" [truncated: 100000 characters]"), cut.slice(-60));
    assert.ok(cut.startsWith("x".repeat(32_000)));
    assert.equal(truncateCause("y".repeat(MAX_CAUSE_LENGTH + 1)).length, MAX_CAUSE_LENGTH);
  });

  it("never splits a character made of two UTF-16 units", () => {
    // 40001 units: the cut falls between the two units of an emoji
    const cut = truncateCause("a" + "😀".repeat(20_000));
    assert.ok(cut.length <= MAX_CAUSE_LENGTH);
    assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(cut), "no lone high surrogate");
    assert.ok(cut.endsWith(" [truncated: 40001 characters]"));
    assert.equal(cut.length, MAX_CAUSE_LENGTH - 1);
  });

  it("the fallback and report-store-error events truncate too; a cause that is not a string is still refused", async () => {
    assert.equal(validateFallbackEvent({ breaker: "b", reason: "target failed", error: "E", cause: long }).cause!.length, MAX_CAUSE_LENGTH);
    assert.equal(
      validateStoreErrorEvent({ breaker: "b", error: "DynamoDB.InternalServerError", cause: long }).cause!.length,
      MAX_CAUSE_LENGTH,
    );
    await rejectsWith(
      async () => validateRecordOutcomeEvent({ breaker: "b", gen: 0, outcome: "failure", error: "E", cause: { text: "x" } }),
      "InvalidEventError",
      '.cause is {"text":"x"}',
      "a string",
    );
  });
});
