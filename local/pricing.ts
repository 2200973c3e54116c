// The one price table the runtime and the benchmark model AWS cost from (us-east-1), and the model.
// Prices: the AWS pricing pages named in each entry (us-east-1), as read on the date in `asOf`.
// The durations further down are modelling assumptions (not prices): they are listed here so that every
// number a cost figure depends on is in one file.

export interface Price {
  usd: number;
  unit: string;
  /** The date the price was taken from its source (or the date it took effect, where noted). */
  asOf: string;
  source: string;
}

const CHECKED = "2026-11-23";
const CHECKED_VALKEY = "2026-12-05";

export const PRICES = {
  expressRequest: {
    usd: 1.0 / 1e6,
    unit: "Step Functions Express request",
    asOf: CHECKED,
    source: "https://aws.amazon.com/step-functions/pricing/",
  },
  expressGbSecond: {
    usd: 0.00001667,
    unit: "Express duration GB-second (first 1,000 GB-hours/month), billed in 64 MB chunks rounded up to 100 ms",
    asOf: CHECKED,
    source: "https://aws.amazon.com/step-functions/pricing/",
  },
  standardTransition: {
    usd: 0.025 / 1000,
    unit: "Step Functions Standard state transition (each retry is one)",
    asOf: CHECKED,
    source: "https://aws.amazon.com/step-functions/pricing/",
  },
  lambdaRequest: { usd: 0.2 / 1e6, unit: "Lambda request", asOf: CHECKED, source: "https://aws.amazon.com/lambda/pricing/" },
  lambdaArmGbSecond: {
    usd: 0.0000133334,
    unit: "Lambda arm64 GB-second (1 ms billing)",
    asOf: CHECKED,
    source: "https://aws.amazon.com/lambda/pricing/",
  },
  dynamodbReadUnit: {
    usd: 0.125 / 1e6,
    unit: "DynamoDB on-demand read request unit (4 KB strongly consistent; eventually consistent = 0.5)",
    asOf: "2024-11-01 (price cut effective date; checked " + CHECKED + ")",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  dynamodbWriteUnit: {
    usd: 0.625 / 1e6,
    unit: "DynamoDB on-demand write request unit (1 KB)",
    asOf: "2024-11-01 (price cut effective date; checked " + CHECKED + ")",
    source: "https://aws.amazon.com/dynamodb/pricing/on-demand/",
  },
  // Valkey is the default engine (components/circuit-state-store.ts): the model prices Redis commands at its ECPU.
  // Valkey's serverless rates are lower than Redis OSS's and its storage minimum is 100 MB, not 1 GB; figures as
  // collected (US East, 2026) on https://www.usage.ai/blogs/aws/database-savings-plans/elasticache/serverless-pricing/,
  // which cites the AWS page in `source`.
  elasticacheValkeyEcpu: {
    usd: 0.0023 / 1e6,
    unit: "ElastiCache Serverless for Valkey (the default engine) ECPU; about one simple command on <= 1 KB",
    asOf: CHECKED_VALKEY,
    source: "https://aws.amazon.com/elasticache/pricing/",
  },
  elasticacheValkeyGbHour: {
    usd: 0.084,
    unit: "ElastiCache Serverless for Valkey data stored, GB-hour (metered at least 100 MB: about $6.13/month, a fixed cost, not per execution)",
    asOf: CHECKED_VALKEY,
    source: "https://aws.amazon.com/elasticache/pricing/",
  },
  elasticacheEcpu: {
    usd: 0.0034 / 1e6,
    unit: "ElastiCache Serverless (Redis OSS engine) ECPU (engine redis; the model uses Valkey's)",
    asOf: CHECKED,
    source: "https://aws.amazon.com/elasticache/pricing/",
  },
  elasticacheRedisOssGbHour: {
    usd: 0.125,
    unit: "ElastiCache Serverless (Redis OSS engine) data stored, GB-hour (metered at least 1 GB: about $91.25/month, a fixed cost)",
    asOf: CHECKED,
    source: "https://aws.amazon.com/elasticache/pricing/",
  },
} as const satisfies Record<string, Price>;

/** The storage each ElastiCache Serverless engine is billed for at least (GB), whatever the cache holds. */
export const ELASTICACHE_MIN_STORAGE_GB = { valkey: 0.1, redis: 1 } as const;

/** The fixed monthly charge of an (almost empty) ElastiCache Serverless cache of this engine: its storage minimum, 730 hours. */
export function elasticacheMonthlyMinimumUsd(engine: keyof typeof ELASTICACHE_MIN_STORAGE_GB): number {
  const gbHour = engine === "valkey" ? PRICES.elasticacheValkeyGbHour.usd : PRICES.elasticacheRedisOssGbHour.usd;
  return ELASTICACHE_MIN_STORAGE_GB[engine] * gbHour * 730;
}

/** Modelling assumptions for execution time on AWS (warm, same region). Not prices; stated so they can be challenged. */
export const ASSUMPTIONS = {
  /** Express bills memory in 64 MB chunks; a breaker execution (50 MB + definition + payload) bills one. */
  expressMemoryMb: 64,
  /** Express duration is rounded up to this step. */
  expressStepMs: 100,
  /** One DynamoDB call (a direct service integration, or from a Lambda), round trip. */
  dynamodbCallMs: 10,
  /** One Redis command from a Lambda in the same VPC, round trip. */
  redisCommandMs: 1,
  /** lambda:invoke overhead beyond the function's own run time (warm). */
  lambdaInvokeOverheadMs: 20,
  /** A breaker Lambda's own work besides its store calls. */
  handlerBaseMs: 5,
  /** Memory of the breaker's helper Lambdas (and of an opossum caller Lambda). */
  helperLambdaMemoryMb: 128,
} as const;

/** The AWS work of one execution (means over a group of executions). */
export interface Work {
  stateTransitions: number;
  /** Lambda invocations besides the target. */
  lambdaInvocations: number;
  /** Modelled billed run time of those invocations in total, ms. */
  lambdaMs: number;
  readUnits: number;
  writeUnits: number;
  redisCommands: number;
  /** Modelled execution duration on AWS, ms (what Express bills). */
  durationMs: number;
}

export type Workflow = "EXPRESS" | "STANDARD" | "LAMBDA";

export interface CostBreakdown {
  workflow: Workflow;
  requests: number;
  duration: number;
  transitions: number;
  lambda: number;
  dynamodb: number;
  redis: number;
  total: number;
}

const MILLION = 1e6;

/** Express duration charge of one execution: 64 MB chunks, rounded up to 100 ms. */
export function expressDurationUsd(durationMs: number): number {
  const billedMs = Math.max(1, Math.ceil(durationMs / ASSUMPTIONS.expressStepMs)) * ASSUMPTIONS.expressStepMs;
  return (ASSUMPTIONS.expressMemoryMb / 1024) * (billedMs / 1000) * PRICES.expressGbSecond.usd;
}

/** Modelled USD per million executions with this work. LAMBDA: no state machine (a library breaker inside the caller Lambda). */
export function costPerMillion(w: Work, workflow: Workflow): CostBreakdown {
  const lambdaGbS = (ASSUMPTIONS.helperLambdaMemoryMb / 1024) * (w.lambdaMs / 1000);
  const c: CostBreakdown = {
    workflow,
    requests: workflow === "EXPRESS" ? PRICES.expressRequest.usd * MILLION : 0,
    duration: workflow === "EXPRESS" ? expressDurationUsd(w.durationMs) * MILLION : 0,
    transitions: workflow === "STANDARD" ? w.stateTransitions * PRICES.standardTransition.usd * MILLION : 0,
    lambda: (w.lambdaInvocations * PRICES.lambdaRequest.usd + lambdaGbS * PRICES.lambdaArmGbSecond.usd) * MILLION,
    dynamodb: (w.readUnits * PRICES.dynamodbReadUnit.usd + w.writeUnits * PRICES.dynamodbWriteUnit.usd) * MILLION,
    redis: w.redisCommands * PRICES.elasticacheValkeyEcpu.usd * MILLION,
    total: 0,
  };
  c.total = c.requests + c.duration + c.transitions + c.lambda + c.dynamodb + c.redis;
  return c;
}

/** The price table as Markdown rows (BENCHMARKS.md). */
export function priceTableMarkdown(): string {
  const rows = Object.values(PRICES).map((p: Price) => `| ${p.unit} | $${p.usd.toPrecision(4)} | ${p.asOf} | ${p.source} |`);
  const assumptions = Object.entries(ASSUMPTIONS).map(([k, v]) => `| ${k} | ${v} |`);
  return [
    "| Item (us-east-1) | USD per unit | As of | Source |",
    "|---|---|---|---|",
    ...rows,
    "",
    "Modelling assumptions (not prices):",
    "",
    "| Assumption | Value |",
    "|---|---|",
    ...assumptions,
  ].join("\n");
}
