// Metrics: CloudWatch Embedded Metric Format via @aws-lambda-powertools/metrics.
// Namespace METRIC_NAMESPACE, exactly one dimension (BREAKER_DIMENSION = the breaker's name), and only the
// names in METRICS: the alarms and the dashboard select these metrics by exactly that dimension set.

import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { BREAKER_DIMENSION, METRIC_NAMESPACE, MetricName } from "../../core/metric-names";

/** Where a handler's metrics go: one publish per invocation, per breaker. */
export interface MetricsSink {
  publish(breaker: string, values: ReadonlyMap<MetricName, number>): void;
}

/** Writes one line to the function's log stream (CloudWatch extracts EMF lines from it). */
export type LineWriter = (line: string) => void;

const stdoutWriter: LineWriter = (line) => {
  process.stdout.write(line + "\n");
};

/**
 * The production sink: powertools serialises the EMF document, `write` prints it (stdout in Lambda;
 * a capturing writer in tests). Powertools' default `service` dimension is removed so every metric has
 * exactly the dimension set [Breaker].
 */
export function emfMetricsSink(write: LineWriter = stdoutWriter): MetricsSink {
  const metrics = new Metrics({ namespace: METRIC_NAMESPACE });
  metrics.clearDefaultDimensions();
  return {
    publish(breaker, values) {
      if (values.size === 0) return;
      try {
        metrics.addDimension(BREAKER_DIMENSION, breaker);
        for (const [name, value] of values) metrics.addMetric(name, MetricUnit.Count, value);
        write(JSON.stringify(metrics.serializeMetrics()));
      } finally {
        metrics.clearMetrics();
        metrics.clearDimensions();
        metrics.clearMetadata();
      }
    },
  };
}

/** Counts collected during one invocation; summed per name, published once. */
export class MetricBatch {
  private readonly values = new Map<MetricName, number>();

  add(name: MetricName, value = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + value);
  }

  /** A gauge (for example ManualStateActive): the last value wins. */
  set(name: MetricName, value: number): void {
    this.values.set(name, value);
  }

  publish(sink: MetricsSink, breaker: string): void {
    sink.publish(breaker, this.values);
    this.values.clear();
  }
}
