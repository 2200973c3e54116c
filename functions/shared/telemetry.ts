// One invocation's metrics and logs for one breaker: counts are batched and published once (flush).

import { Classified, Transition } from "../../core/breaker";
import { OnStoreError } from "../../core/settings";
import { errorAttributes, Log, LogAttributes } from "./logging";
import { METRICS, MetricName, TRANSITION_METRIC } from "../../core/metric-names";
import { MetricBatch, MetricsSink } from "./metrics";

/** The metric each classified call outcome emits. */
export const CLASSIFIED_METRIC: Readonly<Record<Classified, MetricName>> = {
  success: METRICS.callsSucceeded,
  failure: METRICS.callsFailed,
  slow: METRICS.callsSlow,
  ignored: METRICS.callsIgnored,
};

export class Telemetry {
  private readonly batch = new MetricBatch();

  constructor(
    private readonly sink: MetricsSink,
    private readonly log: Log,
    readonly breaker: string,
  ) {}

  count(name: MetricName, value = 1): void {
    this.batch.add(name, value);
  }

  /** One recorded call: CallsSucceeded, CallsFailed, CallsSlow or CallsIgnored. */
  outcome(c: Classified): void {
    this.count(CLASSIFIED_METRIC[c]);
  }

  gauge(name: MetricName, value: number): void {
    this.batch.set(name, value);
  }

  info(message: string, attributes: LogAttributes = {}): void {
    this.log.info(message, { breaker: this.breaker, ...attributes });
  }

  /** A real transition: its TRANSITION_METRIC once, and one log line with from/to/gen/reason. */
  transition(t: Transition | null): void {
    if (!t) return;
    const metric = TRANSITION_METRIC[t.to];
    if (metric) this.count(metric);
    this.log.info("breaker transition", {
      breaker: this.breaker,
      from: t.from,
      to: t.to,
      gen: t.gen,
      reason: t.reason,
      at: new Date(t.at).toISOString(),
    });
  }

  /** The store failed during `operation`: one StoreErrors count and one error log line naming the policy applied. */
  storeError(operation: string, err: unknown, onStoreError: OnStoreError): void {
    this.count(METRICS.storeErrors);
    this.log.error("state store error", { breaker: this.breaker, operation, onStoreError, ...errorAttributes(err) });
  }

  flush(): void {
    this.batch.publish(this.sink, this.breaker);
  }
}
