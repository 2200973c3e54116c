// From the work counted per execution to what AWS would bill: transitions, Lambda invocations and their
// time, capacity units, Redis commands, and a modelled execution duration (ASSUMPTIONS in ../pricing.ts).

import { ASSUMPTIONS, costPerMillion, CostBreakdown, Work, Workflow } from "../pricing";
import { ExecutionRecord } from "./records";

export function lambdaInvocations(e: ExecutionRecord): number {
  return Object.values(e.work.lambda).reduce((a, b) => a + b, 0);
}

/** The modelled AWS work of one execution. */
export function workOf(e: ExecutionRecord): Work {
  const w = e.work;
  const invocations = lambdaInvocations(e);
  const lambdaMs =
    invocations * ASSUMPTIONS.handlerBaseMs +
    w.dynamodbLambdaCalls * ASSUMPTIONS.dynamodbCallMs +
    w.redisCommands * ASSUMPTIONS.redisCommandMs;
  const durationMs =
    w.dynamodbDirectCalls * ASSUMPTIONS.dynamodbCallMs +
    invocations * ASSUMPTIONS.lambdaInvokeOverheadMs +
    lambdaMs +
    w.targetAttempts * (ASSUMPTIONS.lambdaInvokeOverheadMs + e.targetLatencyMs) +
    w.retryWaitMs;
  return {
    stateTransitions: e.stateTransitions,
    lambdaInvocations: invocations,
    lambdaMs,
    readUnits: w.readUnits,
    writeUnits: w.writeUnits,
    redisCommands: w.redisCommands,
    durationMs,
  };
}

const KEYS: (keyof Work)[] = [
  "stateTransitions",
  "lambdaInvocations",
  "lambdaMs",
  "readUnits",
  "writeUnits",
  "redisCommands",
  "durationMs",
];

export function zeroWork(): Work {
  return { stateTransitions: 0, lambdaInvocations: 0, lambdaMs: 0, readUnits: 0, writeUnits: 0, redisCommands: 0, durationMs: 0 };
}

export interface WorkSummary {
  executions: number;
  /** Executions that invoked no Lambda besides the target. */
  withoutLambda: number;
  /** Mean per execution. */
  mean: Work;
  /** Largest seen in one execution. */
  max: Work;
  /** Modelled cost per million executions like these (mean work). Express bills each execution's own duration. */
  costPerMillion: Record<Workflow, CostBreakdown>;
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** Mean and max work of a group of executions, and the modelled cost of a million like them. */
export function summarizeWork(works: Work[], workflows: Workflow[] = ["EXPRESS", "STANDARD"]): WorkSummary {
  const t = new WorkTotals(workflows);
  for (const w of works) t.add(w);
  return t.summary();
}

const COST_KEYS = ["requests", "duration", "transitions", "lambda", "dynamodb", "redis", "total"] as const;

/** summarizeWork as executions finish: sums and maxima only, so a run of any length holds a few numbers per group. */
export class WorkTotals {
  private n = 0;
  /** Executions that invoked no Lambda besides the target (the rate rule's direct success count). */
  private withoutLambda = 0;
  private readonly sum = zeroWork();
  private readonly max = zeroWork();
  private readonly cost = new Map<Workflow, CostBreakdown>();

  constructor(private readonly workflows: Workflow[] = ["EXPRESS", "STANDARD"]) {
    for (const wf of workflows) this.cost.set(wf, { ...costPerMillion(zeroWork(), wf), ...zeroCost() });
  }

  get executions(): number {
    return this.n;
  }

  add(w: Work): void {
    this.n += 1;
    if (w.lambdaInvocations === 0) this.withoutLambda += 1;
    for (const k of KEYS) {
      this.sum[k] += w[k];
      this.max[k] = Math.max(this.max[k], w[k]);
    }
    // Express rounds each execution's duration up on its own: the cost is the mean of the per-execution charges.
    for (const wf of this.workflows) {
      const c = costPerMillion(w, wf);
      const into = this.cost.get(wf)!;
      for (const k of COST_KEYS) into[k] += c[k];
    }
  }

  summary(): WorkSummary {
    const n = Math.max(1, this.n);
    const mean = zeroWork();
    const max = zeroWork();
    for (const k of KEYS) {
      mean[k] = round(this.sum[k] / n);
      max[k] = round(this.max[k]);
    }
    const cost = {} as Record<Workflow, CostBreakdown>;
    for (const wf of this.workflows) {
      const sum = this.n === 0 ? costPerMillion(zeroWork(), wf) : this.cost.get(wf)!;
      const avg = { ...sum };
      for (const k of COST_KEYS) avg[k] = round(sum[k] / n);
      cost[wf] = avg;
    }
    return { executions: this.n, withoutLambda: this.withoutLambda, mean, max, costPerMillion: cost };
  }
}

function zeroCost(): Omit<CostBreakdown, "workflow"> {
  return { requests: 0, duration: 0, transitions: 0, lambda: 0, dynamodb: 0, redis: 0, total: 0 };
}
