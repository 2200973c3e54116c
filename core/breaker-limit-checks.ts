// AWS's own limits (core/aws-limits.ts) applied to one breaker's parsed options and its stack's store, so that
// a stack AWS would refuse (or a breaker that could time out before it records a failure) stops at preview.
// The stack-config schema (core/schema/stack-config.ts) and the CircuitBreaker component both call these.

import {
  BULKHEAD_ITEM_MARGIN,
  checkBulkheadSlots,
  checkHealthProbeInput,
  checkExpressDuration,
  checkHealthProbeDuration,
  checkManualStateAlarm,
  ExecutionBudget,
  healthProbeLoopBudget,
  EXPRESS_MARGIN_SECONDS,
  EXPRESS_MAX_DURATION_SECONDS,
  executionBudget,
  handlerTaskSeconds,
  maxBulkheadSlots,
} from "./aws-limits";
import { BreakerSettings } from "./settings";
import { ATTR } from "./contracts";
import { BULKHEAD_SUFFIX } from "./store-schema";
import { buildDefinition } from "./state-machine-definition";
import { retryWaitSeconds } from "./definition/retry-loop";
import { HEALTH_PROBE_STATES, PROBE_LOOP } from "./definition/health-probe-branch";
import { StoreService, STORE_TIMEOUT_RANGE } from "./store-env";
import { isBreakerName, MAX_BREAKER_NAME_LENGTH } from "./schema/names";

/** The target's name in the definition built for the budget (any name the handlers do not use). */
const TARGET = "budget-target";
/** The longest breaker name a store key holds (the one breaker-name rule, core/schema/names.ts). */
const LONGEST_BULKHEAD_KEY = `${"x".repeat(MAX_BREAKER_NAME_LENGTH)}${BULKHEAD_SUFFIX}`;
/** The DynamoDB store's bulkhead ceiling: what one item holds with margin (core/aws-limits.ts). */
export const DYNAMODB_MAX_CONCURRENT_CALLS = maxBulkheadSlots(ATTR.key, LONGEST_BULKHEAD_KEY, ATTR.expiresAt);
export { BULKHEAD_ITEM_MARGIN };

/** The stack's store as the limits see it: which service, and the Lambdas' request timeout (storeTimeoutMs). */
export interface StoreContext {
  service: StoreService;
  timeoutMs: number;
}

export interface LimitInput {
  name: string;
  settings: BreakerSettings;
  fallback: "builtin" | "none" | "user";
  healthProbe: { enabled: boolean; intervalMinutes: number | null; request: Record<string, unknown> };
}

/** One broken limit; `path` is relative to the breaker (["store", "storeTimeoutMs"] names the stack's store). */
export interface BreakerLimitProblem {
  path: PropertyKey[];
  value: unknown;
  allowed: string;
}

/** The longest path of this breaker's definition at worst (seconds and its Tasks), from the real builder. */
export function breakerExecutionBudget(b: Pick<LimitInput, "name" | "settings" | "fallback">, store: StoreContext) {
  const redis = store.service === "elasticache";
  const definition = buildDefinition({
    breakerName: isBreakerName(b.name) ? b.name : "x",
    store: redis ? { kind: "redis" } : { kind: "dynamodb", tableName: "budget-table" },
    functions: {
      recordOutcome: "record-outcome",
      acquireProbe: "acquire-probe",
      fallback: "fallback",
      reportStoreError: "report-store-error",
      ...(redis ? { getStatus: "get-status" } : {}),
      ...(b.settings.maxConcurrentCalls > 0 ? { acquireSlot: "acquire-slot", releaseSlot: "release-slot" } : {}),
    },
    targetArn: TARGET,
    ...(b.fallback === "user" ? { userFallbackArn: "user-fallback" } : {}),
    fallback: b.fallback,
    settings: b.settings,
  });
  return executionBudget(definition, TARGET, b.settings, store.timeoutMs, retryWaitSeconds(b.settings));
}

/**
 * A health-probe run of this breaker at its worst (core/aws-limits.ts healthProbeLoopBudget): one iteration of the
 * real branch (its loop cut where it reads again, the wait for probeAt counted in the loop's budget), then the loop's
 * budget and the read that ends the loop, or, with no budget (probeLoopSeconds 0: no loop), the iteration alone.
 */
export function healthProbeExecutionBudget(
  b: Pick<LimitInput, "name" | "settings" | "fallback">,
  store: StoreContext,
  loopSeconds?: number,
) {
  const definition = buildDefinition({
    breakerName: isBreakerName(b.name) ? b.name : "x",
    store: store.service === "elasticache" ? { kind: "redis" } : { kind: "dynamodb", tableName: "budget-table" },
    functions: {
      recordOutcome: "record-outcome",
      acquireProbe: "acquire-probe",
      fallback: "fallback",
      reportStoreError: "report-store-error",
      getStatus: "get-status",
      // The probe branch takes no bulkhead slot; the caller path needs the functions to build.
      ...(b.settings.maxConcurrentCalls > 0 ? { acquireSlot: "acquire-slot", releaseSlot: "release-slot" } : {}),
    },
    targetArn: TARGET,
    fallback: b.fallback === "user" ? "builtin" : b.fallback,
    settings: b.settings,
    healthProbe: true,
  });
  const H = HEALTH_PROBE_STATES;
  const iteration = executionBudget(
    { StartAt: H.readState, States: { ...definition.States, [H.nextRead]: { Type: "Succeed" } } },
    TARGET,
    { ...b.settings, retryAttempts: 0 },
    store.timeoutMs,
    { [H.waitProbeAt]: 0 },
  );
  const loop = loopSeconds ?? probeLoopSeconds(iteration, store.timeoutMs);
  return { iteration, loopSeconds: loop, budget: loop > 0 ? healthProbeLoopBudget(loop, iteration, store.timeoutMs) : iteration };
}

/** The early re-probe budget that keeps a probe run inside EXPRESS (at most PROBE_LOOP.seconds; 0: no loop). */
function probeLoopSeconds(iteration: ExecutionBudget, storeTimeoutMs: number): number {
  const spare = EXPRESS_MAX_DURATION_SECONDS - EXPRESS_MARGIN_SECONDS - healthProbeLoopBudget(0, iteration, storeTimeoutMs).seconds;
  return Math.max(0, Math.min(PROBE_LOOP.seconds, Math.floor(spare)));
}

/** The loop budget the stack builds this breaker's definition with (components/circuit-breaker.ts). */
export function breakerProbeLoopSeconds(b: Pick<LimitInput, "name" | "settings" | "fallback">, store: StoreContext): number {
  return healthProbeExecutionBudget(b, store).loopSeconds;
}

const EXPRESS_BUDGET_SECONDS = EXPRESS_MAX_DURATION_SECONDS - EXPRESS_MARGIN_SECONDS;
const fits = (b: Pick<LimitInput, "name" | "settings" | "fallback">, store: StoreContext) =>
  breakerExecutionBudget(b, store).seconds <= EXPRESS_BUDGET_SECONDS;

/**
 * The EXPRESS rule. When the handlers alone (a target of one 1 s attempt) cannot fit, storeTimeoutMs is what
 * must change, and the problem names it with the largest value that fits; otherwise it names timeoutSeconds.
 */
function expressProblem(b: LimitInput, store: StoreContext): BreakerLimitProblem | undefined {
  const budget = breakerExecutionBudget(b, store);
  const problem = checkExpressDuration(budget, b.settings);
  if (!problem) return undefined;
  const quickest = { ...b, settings: { ...b.settings, timeoutSeconds: 1, retryAttempts: 0 } };
  if (fits(quickest, store)) return { path: ["settings", problem.field], value: problem.value, allowed: problem.allowed };
  let lo: number = STORE_TIMEOUT_RANGE.min;
  let hi = store.timeoutMs;
  if (!fits(b, { ...store, timeoutMs: lo })) lo = 0;
  else
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (fits(b, { ...store, timeoutMs: mid })) lo = mid;
      else hi = mid;
    }
  const perCall = handlerTaskSeconds(store.timeoutMs);
  return {
    path: ["store", "storeTimeoutMs"],
    value: store.timeoutMs,
    allowed:
      `a store timeout whose handler calls fit Step Functions EXPRESS's ${EXPRESS_MAX_DURATION_SECONDS} s with a ${EXPRESS_MARGIN_SECONDS} s margin (at most ${EXPRESS_BUDGET_SECONDS} s): ` +
      `breaker ${b.name} makes ${budget.handlerTasks} handler/store calls on its longest path (a handler call up to ceil(4 × storeTimeoutMs / 1000) + 1 s + 3 s of retries = ${perCall} s), ` +
      `${budget.handlerSeconds} s before its target's own ${budget.targetSeconds} s (= ${budget.seconds} s); ` +
      (lo >= STORE_TIMEOUT_RANGE.min
        ? `at most ${lo} ms for this breaker`
        : `no storeTimeoutMs from ${STORE_TIMEOUT_RANGE.min} ms fits with these settings`),
  };
}

/** Every AWS limit one breaker breaks with its stack's store and alarms. */
export function breakerLimitProblems(b: LimitInput, ctx: { manualStateMaxMinutes: number; store: StoreContext }): BreakerLimitProblem[] {
  const out: BreakerLimitProblem[] = [];
  const express = expressProblem(b, ctx.store);
  if (express) out.push(express);

  if (ctx.store.service === "dynamodb") {
    const slots = checkBulkheadSlots(b.settings.maxConcurrentCalls, DYNAMODB_MAX_CONCURRENT_CALLS);
    if (slots) out.push({ path: ["settings", slots.field], value: slots.value, allowed: slots.allowed });
  }

  if (b.healthProbe.enabled) {
    const probe = healthProbeExecutionBudget(b, ctx.store);
    const probeRun = checkHealthProbeDuration(probe.budget, probe.loopSeconds, b.settings);
    if (probeRun) out.push({ path: ["settings", probeRun.field], value: probeRun.value, allowed: probeRun.allowed });
  }
  if (b.healthProbe.enabled && b.healthProbe.intervalMinutes !== null) {
    const manual = checkManualStateAlarm(b.healthProbe.intervalMinutes, ctx.manualStateMaxMinutes);
    if (manual) out.push({ path: ["healthProbe", manual.field], value: manual.value, allowed: manual.allowed });
    // The schedule's input becomes the probe run's StartExecution input.
    const big = checkHealthProbeInput(b.healthProbe.request);
    if (big) out.push({ path: ["healthProbe", big.field], value: big.value, allowed: big.allowed });
  }
  return out;
}
