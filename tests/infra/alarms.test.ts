// Alarms and the dashboard reference exactly the metric names core/metric-names.ts exports
// (and that the handlers emit), with the breaker dimension, to the stack's alarm topic.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_ALARM_THRESHOLDS } from "../../components/alarm-settings";
import { STATES_DIMENSION, STATES_NAMESPACE } from "../../components/breaker-alarms";
import { REPO_ROOT } from "../../components/bundle";
import { BREAKER_DIMENSION, METRIC_NAMESPACE, METRICS } from "../../core/metric-names";
import { RecordedResource } from "../../scripts/run-under-mocks";
import { ALL_SCENARIOS, byName, byUrn, ofType, SCENARIOS, T, useScenarios } from "./scenarios";

const METRIC_NAMES = new Set<string>(Object.values(METRICS));
const STATES_METRIC_NAMES = new Set(["ExecutionsStarted", "ExecutionsFailed", "ExecutionsTimedOut", "ExecutionTime"]);

/** [namespace, metricName, dimensions] of every metric an alarm reads. */
function alarmMetrics(a: RecordedResource): { namespace: string; metricName: string; dimensions: Record<string, string> }[] {
  if (a.inputs.metricQueries) {
    return a.inputs.metricQueries
      .filter((q: any) => q.metric)
      .map((q: any) => ({ namespace: q.metric.namespace, metricName: q.metric.metricName, dimensions: q.metric.dimensions }));
  }
  return [{ namespace: a.inputs.namespace, metricName: a.inputs.metricName, dimensions: a.inputs.dimensions }];
}

/** Every functions/ source file (the metric names themselves are defined in core/). */
function functionSources(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) out.push(fs.readFileSync(p, "utf8"));
    }
  };
  walk(path.join(REPO_ROOT, "functions"));
  return out.join("\n");
}

describe("infra: alarms and dashboard under Pulumi mocks", function () {
  this.timeout(300_000);
  const runs = useScenarios();

  for (const s of ALL_SCENARIOS) {
    it(`${s}: every alarm reads exported metric names with this breaker's dimension, notifies the stack topic, and treats missing data as not breaching`, () => {
      const r = runs[s];
      const topic = byName(r, T.topic, "alarms-topic").state.arn;
      for (const breaker of ofType(r, T.breaker)) {
        const alarms = ofType(r, T.alarm).filter((a) => a.parent === breaker.urn);
        const sm = byName(r, T.stateMachine, `${breaker.name}-state-machine`);
        const hasProbe = ofType(r, T.schedule).some((x) => x.parent === breaker.urn);
        const hasBulkhead = Object.keys(JSON.parse(sm.inputs.definition).States).some((n) => n.startsWith("AcquireSlotFor"));
        const read = new Set<string>();
        for (const a of alarms) {
          assert.equal(a.inputs.treatMissingData, "notBreaching", a.name);
          assert.deepEqual(a.inputs.alarmActions, [topic], a.name);
          assert.deepEqual(a.inputs.okActions, [topic], a.name);
          assert.equal(a.inputs.comparisonOperator, "GreaterThanOrEqualToThreshold", a.name);
          assert.ok(typeof a.inputs.threshold === "number" && a.inputs.evaluationPeriods >= 1, a.name);
          assert.ok(a.inputs.name.startsWith(`circuit-breaker-`) && a.inputs.name.includes(`-${breaker.name}-`), a.inputs.name);
          for (const m of alarmMetrics(a)) {
            read.add(m.metricName);
            if (m.namespace === METRIC_NAMESPACE) {
              assert.ok(METRIC_NAMES.has(m.metricName), `${a.name} reads ${m.metricName}, which functions/ does not export`);
              assert.deepEqual(m.dimensions, { [BREAKER_DIMENSION]: breaker.name });
            } else {
              assert.equal(m.namespace, STATES_NAMESPACE, a.name);
              assert.ok(STATES_METRIC_NAMES.has(m.metricName));
              assert.deepEqual(m.dimensions, { [STATES_DIMENSION]: sm.state.arn });
            }
          }
        }
        const expected = [
          METRICS.circuitOpened,
          METRICS.callsFailed,
          "ExecutionsStarted",
          METRICS.callsRejected,
          METRICS.storeErrors,
          "ExecutionsFailed",
          "ExecutionsTimedOut",
          ...(hasProbe ? [METRICS.manualStateActive] : []),
          ...(hasBulkhead ? [METRICS.bulkheadRejected] : []),
        ];
        assert.deepEqual([...read].sort(), expected.sort(), breaker.name);
      }
    });
  }

  it("the failure-rate alarm divides CallsFailed by the state machine's ExecutionsStarted, with the configured threshold", () => {
    for (const [s, threshold, periods] of [
      ["dev", 0.5, 3],
      ["prod", 0.2, 2],
      ["dynamodbFull", DEFAULT_ALARM_THRESHOLDS.failureRate, DEFAULT_ALARM_THRESHOLDS.evaluationPeriods],
    ] as const) {
      for (const a of ofType(runs[s], T.alarm).filter((x) => x.name.endsWith("-failure-rate"))) {
        const q = a.inputs.metricQueries as any[];
        const failed = q.find((x) => x.metric?.metricName === METRICS.callsFailed);
        const started = q.find((x) => x.metric?.metricName === "ExecutionsStarted");
        const expr = q.find((x) => x.expression);
        assert.equal(expr.expression, `${failed.id} / ${started.id}`);
        assert.equal(expr.returnData, true);
        assert.equal(failed.returnData, false);
        assert.equal(a.inputs.threshold, threshold, `${s} ${a.name}`);
        assert.equal(a.inputs.evaluationPeriods, periods);
        assert.equal(a.inputs.metricName, undefined, "metric math alarms name no single metric");
      }
    }
  });

  it("prod's tighter thresholds reach the alarms", () => {
    const r = runs.prod;
    assert.equal(byName(r, T.alarm, "payments-rejected-calls").inputs.threshold, 10);
    assert.equal(byName(r, T.alarm, "payments-executions-failed").inputs.threshold, 5);
    assert.equal(byName(r, T.alarm, "payments-circuit-opened").inputs.threshold, 1);
    assert.equal(byName(r, T.alarm, "payments-store-errors").inputs.evaluationPeriods, 2);
  });

  it("ManualStateActive alarms when an override outlives manualStateMaxMinutes, measured in health-probe periods", () => {
    // prod: probe every minute, 30 minutes allowed; dynamodbFull: probe every 5 minutes, default 60 minutes.
    for (const [s, name, period, periods] of [
      ["prod", "payments-manual-state", 60, 30],
      ["dynamodbFull", "orders-manual-state", 300, 12],
      ["dev", "demo-manual-state", 60, 60],
    ] as const) {
      const a = byName(runs[s], T.alarm, name);
      assert.equal(a.inputs.metricName, METRICS.manualStateActive);
      assert.equal(a.inputs.statistic, "Maximum");
      assert.equal(a.inputs.threshold, 1);
      assert.equal(a.inputs.period, period, s);
      assert.equal(a.inputs.evaluationPeriods, periods, s);
      assert.equal(a.inputs.datapointsToAlarm, periods, s);
    }
    assert.equal(
      ofType(runs.replicationGroup, T.alarm).some((a) => a.name.endsWith("-manual-state")),
      false,
      "health probe turned off, no ManualStateActive alarm",
    );
  });

  it("every metric an alarm reads is emitted by functions/ (through the METRICS constants)", () => {
    const src = functionSources();
    const key = (name: string) => Object.entries(METRICS).find(([, v]) => v === name)![0];
    const read = new Set(
      ALL_SCENARIOS.flatMap((s) => ofType(runs[s], T.alarm).flatMap(alarmMetrics))
        .filter((m) => m.namespace === METRIC_NAMESPACE)
        .map((m) => m.metricName),
    );
    for (const name of read) {
      const emitted =
        src.includes(`METRICS.${key(name)}`) ||
        (["CircuitOpened", "CircuitHalfOpened", "CircuitClosed"].includes(name) && src.includes("TRANSITION_METRIC"));
      assert.ok(emitted, `${name} is alarmed on but no handler emits METRICS.${key(name)}`);
    }
  });

  for (const s of ALL_SCENARIOS) {
    it(`${s}: the dashboard shows every breaker, on exported metric names and its state machine's AWS/States metrics`, () => {
      const r = runs[s];
      const d = byName(r, T.cwDashboard, "dashboard-dashboard");
      assert.equal(byUrn(r, d.parent)?.type, T.dashboard);
      const body = JSON.parse(d.inputs.dashboardBody) as {
        widgets: { type: string; properties: { metrics?: string[][]; region?: string } }[];
      };
      const shown = new Map<string, Set<string>>();
      for (const w of body.widgets.filter((x) => x.type === "metric")) {
        for (const [ns, name, dim, value] of w.properties.metrics ?? []) {
          if (ns === METRIC_NAMESPACE) {
            assert.ok(METRIC_NAMES.has(name), `dashboard shows ${name}, which functions/ does not export`);
            assert.equal(dim, BREAKER_DIMENSION);
            shown.set(value, new Set([...(shown.get(value) ?? []), name]));
          } else {
            assert.equal(ns, STATES_NAMESPACE);
            assert.equal(dim, STATES_DIMENSION);
            assert.ok(
              ofType(r, T.stateMachine).some((sm) => sm.state.arn === value),
              `${value} is not a state machine of this stack`,
            );
          }
        }
      }
      const breakers = ofType(r, T.breaker)
        .map((b) => b.name)
        .sort();
      assert.deepEqual([...shown.keys()].sort(), breakers);
      for (const b of breakers) assert.deepEqual([...shown.get(b)!].sort(), [...METRIC_NAMES].sort(), `${b} shows every exported metric`);
      assert.equal(d.inputs.dashboardName, `circuit-breaker-${SCENARIOS[s].stack}`);
      assert.ok(String(r.outputs.dashboardUrl).endsWith(`#dashboards/dashboard/circuit-breaker-${SCENARIOS[s].stack}`));
    });
  }
});
