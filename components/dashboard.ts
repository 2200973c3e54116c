// BreakerDashboard: one CloudWatch dashboard per stack (more pages when the breakers need more than CloudWatch's
// 500 widgets on one), a row of widgets per breaker, on the same metric names the handlers emit and the alarms watch.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { BREAKER_DIMENSION, METRIC_NAMESPACE, METRICS, MetricName } from "../core/metric-names";
import { DASHBOARD_MAX_WIDGETS, maxBreakersPerDashboard } from "../core/aws-limits";
import { STATES_DIMENSION, STATES_METRICS, STATES_NAMESPACE } from "./breaker-alarms";

export interface DashboardBreaker {
  name: string;
  stateMachineArn: pulumi.Input<string>;
}

export interface BreakerDashboardArgs {
  /** CloudWatch dashboard name (letters, digits, - and _). */
  dashboardName: string;
  breakers: DashboardBreaker[];
  region: pulumi.Input<string>;
}

type Widget = Record<string, unknown>;

/** The metrics each breaker row shows, by widget title. */
export const DASHBOARD_ROWS: ReadonlyArray<{ title: string; metrics: MetricName[]; stat: "Sum" | "Maximum" }> = [
  {
    title: "Calls",
    metrics: [METRICS.callsSucceeded, METRICS.callsFailed, METRICS.callsSlow, METRICS.callsIgnored, METRICS.callsRejected],
    stat: "Sum",
  },
  {
    title: "Transitions",
    metrics: [METRICS.circuitOpened, METRICS.circuitHalfOpened, METRICS.circuitClosed, METRICS.probeAttempts],
    stat: "Sum",
  },
  {
    title: "Fallbacks, store errors, bulkhead",
    metrics: [METRICS.fallbacksServed, METRICS.storeErrors, METRICS.bulkheadRejected, METRICS.overridesApplied],
    stat: "Sum",
  },
  { title: "Manual override active", metrics: [METRICS.manualStateActive], stat: "Maximum" },
];

/** Widgets in one breaker's row: its heading, one per DASHBOARD_ROWS entry, and the executions widget. */
export const WIDGETS_PER_BREAKER = DASHBOARD_ROWS.length + 2;
/** CloudWatch's 500 widgets per dashboard at WIDGETS_PER_BREAKER each: the most breakers one dashboard page shows. */
export const MAX_DASHBOARD_BREAKERS = maxBreakersPerDashboard(WIDGETS_PER_BREAKER);

/** The dashboard body (pure; exported for the tests). */
export function dashboardBody(breakers: { name: string; stateMachineArn: string }[], region: string): string {
  if (breakers.length > MAX_DASHBOARD_BREAKERS) {
    throw new Error(
      `BreakerDashboard: breakers has ${breakers.length} entries; allowed: at most ${MAX_DASHBOARD_BREAKERS} (${WIDGETS_PER_BREAKER} widgets per breaker × ${breakers.length} = ${WIDGETS_PER_BREAKER * breakers.length} > CloudWatch's ${DASHBOARD_MAX_WIDGETS} widgets per dashboard)`,
    );
  }
  const widgets: Widget[] = [];
  breakers.forEach((b, row) => {
    const y = row * 7;
    widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## Breaker \`${b.name}\`` } });
    DASHBOARD_ROWS.forEach((w, i) => {
      widgets.push({
        type: "metric",
        x: i * 5,
        y: y + 1,
        width: 5,
        height: 6,
        properties: {
          title: `${b.name}: ${w.title}`,
          region,
          view: "timeSeries",
          stat: w.stat,
          period: 60,
          metrics: w.metrics.map((m) => [METRIC_NAMESPACE, m, BREAKER_DIMENSION, b.name]),
        },
      });
    });
    widgets.push({
      type: "metric",
      x: 20,
      y: y + 1,
      width: 4,
      height: 6,
      properties: {
        title: `${b.name}: executions`,
        region,
        view: "timeSeries",
        stat: "Sum",
        period: 60,
        metrics: [STATES_METRICS.executionsStarted, STATES_METRICS.executionsFailed, STATES_METRICS.executionsTimedOut].map((m) => [
          STATES_NAMESPACE,
          m,
          STATES_DIMENSION,
          b.stateMachineArn,
        ]),
      },
    });
  });
  return JSON.stringify({ widgets });
}

/** The breakers split into dashboard pages of at most MAX_DASHBOARD_BREAKERS, in order. */
export function dashboardPages<T>(breakers: readonly T[]): T[][] {
  const pages: T[][] = [];
  for (let i = 0; i < breakers.length; i += MAX_DASHBOARD_BREAKERS) pages.push(breakers.slice(i, i + MAX_DASHBOARD_BREAKERS));
  return pages;
}

export class BreakerDashboard extends pulumi.ComponentResource {
  /** The first page (the only one up to MAX_DASHBOARD_BREAKERS breakers). */
  public readonly dashboard: aws.cloudwatch.Dashboard;
  /** Every page: `<dashboardName>`, then `<dashboardName>-2`, ... */
  public readonly dashboards: aws.cloudwatch.Dashboard[];
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: BreakerDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:BreakerDashboard", name, {}, opts);
    if (!/^[A-Za-z0-9_-]{1,255}$/.test(args.dashboardName)) {
      throw new Error(
        `BreakerDashboard: dashboardName is ${JSON.stringify(args.dashboardName)}; allowed: 1 to 255 letters, digits, - and _`,
      );
    }
    this.dashboards = dashboardPages(args.breakers).map((page, p) => {
      const arns = pulumi.all(page.map((b) => b.stateMachineArn));
      const body = pulumi.all([arns, args.region]).apply(([a, region]) =>
        dashboardBody(
          page.map((b, i) => ({ name: b.name, stateMachineArn: a[i] })),
          region,
        ),
      );
      const suffix = p === 0 ? "" : `-${p + 1}`;
      return new aws.cloudwatch.Dashboard(
        `${name}-dashboard${suffix}`,
        { dashboardName: `${args.dashboardName}${suffix}`, dashboardBody: body },
        { parent: this },
      );
    });
    this.dashboard = this.dashboards[0];
    this.url = pulumi.interpolate`https://${args.region}.console.aws.amazon.com/cloudwatch/home?region=${args.region}#dashboards/dashboard/${this.dashboard.dashboardName}`;
    this.registerOutputs({ url: this.url });
  }
}
