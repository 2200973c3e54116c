// health-probe (EventBridge Scheduler, every minute): finds recovery when no traffic arrives.
// Reads the breaker; when decide() routes to "probe" (OPEN and due, or HALF_OPEN with a free slot) it takes a
// probe lease like any caller, invokes the target once and records the outcome as that probe's.
// FORCED_OPEN / DISABLED: emits ManualStateActive = 1 and does nothing else (0 in every other state, so the
// gauge is continuous). Never probes when not due. A store failure is logged and counted, never thrown.
//
// Environment besides runtime.ts's: TARGET_ARN (the protected Lambda), PROBE_REQUEST (JSON object sent to
// the target as the probe's request; default {}).

import { randomUUID } from "node:crypto";
import { HANDLER_ENV } from "../../core/handler-env";
import { classify, decide, Outcome, Transition } from "../../core/breaker";
import { earlyProbeDue } from "../../core/open-period";
import { SettingsError } from "../../core/settings";
import { HealthProbeResult, InvalidEventError } from "../../core/contracts";
import { validateHealthProbeEvent } from "../shared/event-validation";
import { METRICS } from "../../core/metric-names";
import { defaultDeps } from "../shared/default-deps";
import { checkServed, Env, HandlerDeps, serviceOf, settingsNow, withTelemetry } from "../shared/runtime";
import { InvokeResult, LAMBDA_ARN_PATTERN, lambdaInvoker, TargetInvoker } from "../shared/target-invoker";

export interface HealthProbeDeps extends HandlerDeps {
  invoke: TargetInvoker;
  /** The request sent to the target. */
  probeRequest: Record<string, unknown>;
  newLeaseId: () => string;
}

export const TARGET_ARN_ENV = HANDLER_ENV.targetArn;
export const PROBE_REQUEST_ENV = HANDLER_ENV.probeRequest;

/** TARGET_ARN and PROBE_REQUEST, validated at cold start (SettingsError naming the variable). */
export function probeTargetFromEnv(env: Env = process.env): { targetArn: string; probeRequest: Record<string, unknown> } {
  const targetArn = env[TARGET_ARN_ENV] ?? "";
  if (!LAMBDA_ARN_PATTERN.test(targetArn)) {
    throw new SettingsError(
      TARGET_ARN_ENV,
      `${TARGET_ARN_ENV} is ${JSON.stringify(targetArn)}; allowed: a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<alias>])`,
    );
  }
  const text = env[PROBE_REQUEST_ENV];
  if (text === undefined || text.trim() === "") return { targetArn, probeRequest: {} };
  let probeRequest: unknown;
  try {
    probeRequest = JSON.parse(text);
  } catch {
    probeRequest = undefined;
  }
  if (typeof probeRequest !== "object" || probeRequest === null || Array.isArray(probeRequest)) {
    throw new SettingsError(
      PROBE_REQUEST_ENV,
      `${PROBE_REQUEST_ENV} is ${JSON.stringify(text)}; allowed: a JSON object (the request sent to the target)`,
    );
  }
  return { targetArn, probeRequest: probeRequest as Record<string, unknown> };
}

/** An invoker that throws is a failed call named after the thrown error. */
async function invokeOnce(invoke: TargetInvoker, request: Record<string, unknown>): Promise<InvokeResult> {
  try {
    return await invoke(request);
  } catch (e) {
    return { ok: false, error: (e as Error)?.name || "Error", cause: (e as Error)?.message ?? String(e) };
  }
}

export function makeHealthProbeHandler(deps: HealthProbeDeps): (event: unknown) => Promise<HealthProbeResult> {
  return async (raw) => {
    const event = validateHealthProbeEvent(raw);
    const breaker = event.breaker ?? deps.breakerName;
    if (!breaker) {
      throw new InvalidEventError(
        `health-probe event: field "breaker" is missing; allowed: a breaker name (required when BREAKER_NAME is not set)`,
      );
    }
    checkServed(deps, breaker, "health-probe event");
    const settings = await settingsNow(deps);
    return withTelemetry(deps, breaker, async (tel) => {
      const transitions: Transition[] = [];
      const note = (t: Transition | null) => {
        tel.transition(t);
        if (t) transitions.push(t);
      };
      try {
        const service = await serviceOf(deps);
        const rec = await service.status(breaker);
        const decision = decide(rec, deps.clock(), settings);
        // OPEN past probeAt: the health probe alone may probe before the open period ends (core/open-period.ts).
        const early = decision.route === "reject" && earlyProbeDue(rec, deps.clock());
        const manual = decision.state === "FORCED_OPEN" || decision.state === "DISABLED";
        tel.gauge(METRICS.manualStateActive, manual ? 1 : 0);
        if (manual) return { breaker, action: "manual-state", state: decision.state, reason: decision.reason, transitions };
        if (decision.route !== "probe" && !early)
          return { breaker, action: "not-due", state: decision.state, reason: decision.reason, transitions };

        const leaseId = deps.newLeaseId();
        const { grant, transition } = await service.acquireProbe(breaker, settings, leaseId, early);
        note(transition);
        if (!grant.admitted) return { breaker, action: "not-admitted", state: grant.state, reason: grant.reason, transitions };
        tel.count(METRICS.probeAttempts);

        const started = deps.clock();
        const answer = await invokeOnce(deps.invoke, deps.probeRequest);
        const durationMs = Math.max(0, deps.clock() - started);
        const outcome: Outcome = answer.ok ? { kind: "success", durationMs } : { kind: "failure", error: answer.error, durationMs };
        tel.outcome(classify(outcome, settings));
        if (!answer.ok) tel.info("health probe: target failed", { error: answer.error, cause: answer.cause });
        const report = await service.recordOutcome(breaker, settings, grant.gen, outcome, leaseId);
        note(report.transition);
        return {
          breaker,
          action: "probed",
          state: report.state,
          reason: grant.reason,
          outcome: report.classified,
          ...(answer.ok ? {} : { error: answer.error }),
          result: report.result,
          transitions,
        };
      } catch (err) {
        tel.storeError("health-probe", err, settings.onStoreError);
        return { breaker, action: "store-error", state: "UNKNOWN", reason: "store error", transitions };
      }
    });
  };
}

/** The deployed configuration: default-deps.ts's plus the target and the Lambda invoker (timeout = the deployed timeoutSeconds). */
export function healthProbeDeps(env: Env = process.env): HealthProbeDeps {
  const base = defaultDeps(env);
  const { targetArn, probeRequest } = probeTargetFromEnv(env);
  return {
    ...base,
    invoke: lambdaInvoker(targetArn, base.settings.timeoutSeconds * 1000),
    probeRequest,
    newLeaseId: () => `health-probe-${randomUUID()}`,
  };
}
