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
  const mean = zeroWork();
  const max = zeroWork();
  for (const w of works) {
    for (const k of KEYS) {
      mean[k] += w[k];
      max[k] = Math.max(max[k], w[k]);
    }
  }
  const n = Math.max(1, works.length);
  for (const k of KEYS) {
    mean[k] = round(mean[k] / n);
    max[k] = round(max[k]);
  }
  const cost = {} as Record<Workflow, CostBreakdown>;
  for (const wf of workflows) {
    // Express rounds each execution's duration up on its own: average the per-execution charges.
    const perExec = works.length ? works.map((w) => costPerMillion(w, wf)) : [costPerMillion(zeroWork(), wf)];
    const avg = { ...perExec[0] };
    for (const k of ["requests", "duration", "transitions", "lambda", "dynamodb", "redis", "total"] as const) {
      avg[k] = round(perExec.reduce((a, c) => a + c[k], 0) / perExec.length);
    }
    cost[wf] = avg;
  }
  const withoutLambda = works.filter((w) => w.lambdaInvocations === 0).length;
  return { executions: works.length, withoutLambda, mean, max, costPerMillion: cost };
}
