import assert from "node:assert/strict";
import { createLogger } from "../../functions/shared/logging";
import { BREAKER_DIMENSION, METRIC_NAMESPACE, METRICS, TRANSITION_METRIC } from "../../core/metric-names";
import { Telemetry } from "../../functions/shared/telemetry";
import { CapturedMetrics, RecordingLog } from "./support";

/** Runs `work` with process.stdout.write captured (powertools writes there outside POWERTOOLS_DEV). */
function captureStdout(work: () => void): string[] {
  const lines: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    lines.push(
      ...String(chunk)
        .split("\n")
        .filter((l) => l.trim() !== ""),
    );
    return true;
  }) as typeof process.stdout.write;
  try {
    work();
  } finally {
    process.stdout.write = original;
  }
  return lines;
}

describe("metrics and logs", () => {
  it("EMF: namespace CircuitBreaker, exactly the dimension set [Breaker], counts summed per invocation", () => {
    const captured = new CapturedMetrics();
    const tel = new Telemetry(captured.sink, new RecordingLog(), "orders");
    tel.count(METRICS.callsFailed);
    tel.count(METRICS.callsFailed);
    tel.count(METRICS.storeErrors);
    tel.flush();
    tel.flush(); // nothing left: no second document
    const docs = captured.documents();
    assert.equal(docs.length, 1);
    const [cw] = docs[0]._aws.CloudWatchMetrics;
    assert.equal(cw.Namespace, METRIC_NAMESPACE);
    assert.deepEqual(cw.Dimensions, [[BREAKER_DIMENSION]]);
    assert.deepEqual(cw.Metrics, [
      { Name: METRICS.callsFailed, Unit: "Count" },
      { Name: METRICS.storeErrors, Unit: "Count" },
    ]);
    assert.equal(docs[0][BREAKER_DIMENSION], "orders");
    assert.equal(docs[0][METRICS.callsFailed], 2);
    assert.equal(docs[0].service, undefined);

    const other = new Telemetry(captured.sink, new RecordingLog(), "payments");
    other.gauge(METRICS.manualStateActive, 1);
    other.flush();
    assert.deepEqual(
      captured.documents()[1]._aws.CloudWatchMetrics[0].Metrics.map((m) => m.Name),
      [METRICS.manualStateActive],
    );
    assert.equal(captured.documents()[1][BREAKER_DIMENSION], "payments");
  });

  it("a transition emits exactly its TRANSITION_METRIC once and one log line with from/to/gen/reason", () => {
    for (const to of ["OPEN", "HALF_OPEN", "CLOSED"] as const) {
      const captured = new CapturedMetrics();
      const log = new RecordingLog();
      const tel = new Telemetry(captured.sink, log, "orders");
      tel.transition({ from: "CLOSED", to, at: Date.UTC(2025, 0, 1), gen: 4, reason: "because" });
      tel.transition(null);
      tel.flush();
      assert.deepEqual(captured.names(), [TRANSITION_METRIC[to]]);
      assert.deepEqual(log.entries, [
        {
          level: "info",
          message: "breaker transition",
          attributes: { breaker: "orders", from: "CLOSED", to, gen: 4, reason: "because", at: "2025-01-01T00:00:00.000Z" },
        },
      ]);
    }
    const captured = new CapturedMetrics();
    const log = new RecordingLog();
    const manual = new Telemetry(captured.sink, log, "orders");
    manual.transition({ from: "OPEN", to: "FORCED_OPEN", at: 0, gen: 5, reason: "open by oncall" });
    manual.flush();
    assert.deepEqual(captured.names(), []);
    assert.equal(log.entries.length, 1);
  });

  it("the powertools logger writes one structured JSON line per entry", () => {
    const previous = process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_DEV;
    try {
      const lines = captureStdout(() =>
        createLogger("breaker-test").info("breaker transition", {
          breaker: "orders",
          from: "OPEN",
          to: "HALF_OPEN",
          gen: 2,
          reason: "open period elapsed",
        }),
      );
      assert.equal(lines.length, 1);
      const entry = JSON.parse(lines[0]);
      assert.deepEqual(
        {
          level: entry.level,
          message: entry.message,
          service: entry.service,
          from: entry.from,
          to: entry.to,
          gen: entry.gen,
          reason: entry.reason,
        },
        {
          level: "INFO",
          message: "breaker transition",
          service: "breaker-test",
          from: "OPEN",
          to: "HALF_OPEN",
          gen: 2,
          reason: "open period elapsed",
        },
      );
    } finally {
      if (previous !== undefined) process.env.POWERTOOLS_DEV = previous;
    }
  });
});
