// Applies AWS's own limits (core/aws-limits.ts) to one breaker's checked options, so that a stack AWS would
// refuse (or a breaker that could time out before it records a failure) stops at preview. Called by
// checkBreaker, so the stack config and the CircuitBreaker component refuse the same values.

import {
  BULKHEAD_ITEM_MARGIN,
  checkBulkheadSlots,
  checkEnvironment,
  checkExpressDuration,
  checkHealthProbeDuration,
  EXPRESS_MARGIN_SECONDS,
  EXPRESS_MAX_DURATION_SECONDS,
  ExecutionBudget,
  healthProbeLoopBudget,
  checkManualStateAlarm,
  executionBudget,
  formatProblem,
  maxBulkheadSlots,
} from "../core/aws-limits";
import { BreakerSettings } from "../core/settings";
import { ATTR } from "../core/contracts";
import { BULKHEAD_SUFFIX } from "../core/store-schema";
import { Checker } from "./checker";
import { buildDefinition } from "../core/state-machine-definition";
import { retryWaitSeconds } from "../core/definition/retry-loop";
import { HEALTH_PROBE_STATES, PROBE_LOOP } from "../core/definition/health-probe-branch";

/** The target's name in the definition built for the budget (any name the handlers do not use). */
const TARGET = "budget-target";
/** The longest breaker name a store key holds (functions/shared/event-validation.ts BREAKER_NAME_PATTERN). */
const LONGEST_BULKHEAD_KEY = `${"x".repeat(128)}${BULKHEAD_SUFFIX}`;
/**
 * Bytes of the health probe's environment known only at deploy time: TARGET_ARN (a qualified Lambda ARN, up to
 * 170 characters), the store's variables (table name or endpoint, timeout) and SETTINGS_PARAMETER (+ refresh).
 */
export const PROBE_ENV_DEPLOY_TIME_BYTES = 1024;

/** The DynamoDB store's bulkhead ceiling: what one item holds with margin (core/aws-limits.ts). */
export const DYNAMODB_MAX_CONCURRENT_CALLS = maxBulkheadSlots(ATTR.key, LONGEST_BULKHEAD_KEY, ATTR.expiresAt);
export { BULKHEAD_ITEM_MARGIN };

export interface LimitInput {
  name: string;
  settings: BreakerSettings;
  fallback: "builtin" | "none" | "user";
  healthProbe: { enabled: boolean; intervalMinutes: number; request: Record<string, unknown> };
}

export interface LimitContext {
  manualStateMaxMinutes: number;
  store?: { kind: "dynamodb" | "elasticache"; timeoutMs: number };
}

/** The longest path of this breaker's definition at worst (seconds and its Tasks), from the real builder. */
export function breakerExecutionBudget(
  b: Pick<LimitInput, "name" | "settings" | "fallback">,
  store: { kind: "dynamodb" | "elasticache"; timeoutMs: number },
) {
  const redis = store.kind === "elasticache";
  const definition = buildDefinition({
    breakerName: /^[A-Za-z0-9_.:-]{1,128}$/.test(b.name) ? b.name : "x",
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
  store: { kind: "dynamodb" | "elasticache"; timeoutMs: number },
  loopSeconds?: number,
) {
  const definition = buildDefinition({
    breakerName: /^[A-Za-z0-9_.:-]{1,128}$/.test(b.name) ? b.name : "x",
    store: store.kind === "elasticache" ? { kind: "redis" } : { kind: "dynamodb", tableName: "budget-table" },
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
export function breakerProbeLoopSeconds(
  b: Pick<LimitInput, "name" | "settings" | "fallback">,
  store: { kind: "dynamodb" | "elasticache"; timeoutMs: number },
): number {
  return healthProbeExecutionBudget(b, store).loopSeconds;
}

/** Pushes one problem per broken AWS limit onto `check`, worded with `path` (`<path>.settings.timeoutSeconds is ...`). */
export function checkAwsLimits(check: Checker, path: string, b: LimitInput, ctx: LimitContext): void {
  // A store without a timeout (tests' stand-ins) is taken at the default 1000 ms.
  const store = {
    kind: ctx.store?.kind ?? "dynamodb",
    timeoutMs: Number.isFinite(ctx.store?.timeoutMs) ? (ctx.store?.timeoutMs as number) : 1000,
  } as const;
  const settingsPath = `${path}.settings`;

  const express = checkExpressDuration(breakerExecutionBudget(b, store), b.settings);
  if (express) check.problems.push(formatProblem(settingsPath, express));

  if (store.kind === "dynamodb") {
    const slots = checkBulkheadSlots(b.settings.maxConcurrentCalls, DYNAMODB_MAX_CONCURRENT_CALLS);
    if (slots) check.problems.push(formatProblem(settingsPath, slots));
  }

  if (b.healthProbe.enabled) {
    const probe = healthProbeExecutionBudget(b, store);
    const probeRun = checkHealthProbeDuration(probe.budget, probe.loopSeconds, b.settings);
    if (probeRun) check.problems.push(formatProblem(settingsPath, probeRun));
    const manual = checkManualStateAlarm(b.healthProbe.intervalMinutes, ctx.manualStateMaxMinutes);
    if (manual) check.problems.push(formatProblem(`${path}.healthProbe`, manual));
    // The request now travels in the schedule's input; the former probe environment's 4 KB stays as a conservative bound on it.
    const env = {
      BREAKER_NAME: b.name,
      BREAKER_SETTINGS: JSON.stringify(b.settings),
      TARGET_ARN: "",
      PROBE_REQUEST: JSON.stringify(b.healthProbe.request),
    };
    const big = checkEnvironment(env, PROBE_ENV_DEPLOY_TIME_BYTES, "request", b.healthProbe.request);
    if (big) check.problems.push(formatProblem(`${path}.healthProbe`, big));
  }
}
