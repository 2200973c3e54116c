// The CircuitBreaker's arguments, checked with the stack config's own schema (core/schema/stack-config.ts:
// breakerSchema, breakerContextProblems), so both accept and reject the same values with the same words:
// `CircuitBreaker(<name>).<option> is <value>; allowed: ...`, every problem at once.

import * as pulumi from "@pulumi/pulumi";
import { describeValue, formatIssue, formatPath } from "../core/schema/format";
import { AlarmThresholds } from "../core/schema/alarms";
import { loadAlarmThresholds } from "./alarm-settings";
import { BREAKER_NAME_DOC, isBreakerName } from "../core/schema/names";
import { BreakerConfig, breakerContextProblems, breakerSchema, DEFAULT_LOGGING, DemoConfigOut } from "../core/schema/stack-config";
import type { CircuitBreakerArgs } from "./circuit-breaker";

/** Validated, completed options (everything the component decides before creating resources). */
export interface ResolvedBreakerOptions extends Omit<BreakerConfig, "name" | "demoDownstream" | "targetArn" | "userFallbackArn"> {
  breakerName: string;
  targetArn?: pulumi.Input<string>;
  userFallbackArn?: pulumi.Input<string>;
  demo: DemoConfigOut | null;
  thresholds: AlarmThresholds;
}

const componentBreakerSchema = breakerSchema((v) => pulumi.Output.isInstance(v));

/** Validates the arguments; throws one error listing every problem. */
export function resolveBreakerOptions(name: string, args: CircuitBreakerArgs): ResolvedBreakerOptions {
  const where = `CircuitBreaker(${name})`;
  const problems: string[] = [];
  const line = (path: PropertyKey[], value: unknown, allowed: string) =>
    problems.push(`${formatPath(where, path)} is ${value === undefined ? "not set" : describeValue(value)}; allowed: ${allowed}`);
  // The component name prefixes its children's autonamed names, so it obeys the breaker-name rule too.
  if (args.breakerName !== undefined && args.breakerName !== name && !isBreakerName(name))
    problems.push(
      `${where}: the component name is ${describeValue(name)}; allowed: ${BREAKER_NAME_DOC} (it prefixes the resources' names)`,
    );
  const store = args.store;
  if (!store || typeof store.service !== "string") line(["store"], undefined, "a CircuitStateStore");
  if (!args.handlers || !args.handlers.functionArns) line(["handlers"], undefined, "the stack's HandlerPlane");

  let thresholds: AlarmThresholds | undefined;
  try {
    thresholds = loadAlarmThresholds(args.alarms?.thresholds, `${where}.alarms.thresholds`);
  } catch (e) {
    problems.push(...(e as Error).message.split("\n"));
  }
  if (args.alarms?.topicArn !== undefined && args.alarms?.email !== undefined)
    line(["alarms", "email"], args.alarms.email, "not set together with alarms.topicArn (subscribe the email to that topic instead)");

  const raw = Object.fromEntries(
    Object.entries({
      name: args.breakerName ?? name,
      targetArn: args.targetArn,
      fallback: args.fallback,
      userFallbackArn: args.userFallbackArn,
      settings: args.settings,
      settingsParameter: args.settingsParameter,
      healthProbe: args.healthProbe,
      logging: args.logging,
      tracing: args.tracing,
    }).filter(([, v]) => v !== undefined),
  );
  const b = componentBreakerSchema.safeParse(raw, { reportInput: true });
  if (!b.success) problems.push(...b.error.issues.map((i) => formatIssue(where, i, raw, formatPath, "not set").message));

  if (b.success && thresholds && store && typeof store.service === "string") {
    const context = {
      manualStateMaxMinutes: thresholds.manualStateMaxMinutes,
      store: { service: store.service, timeoutMs: store.storeTimeoutMs },
    };
    for (const p of breakerContextProblems(b.data, context)) line(p.path, p.input, p.message);
  }
  if (problems.length > 0 || !b.success || !thresholds) throw new Error(problems.join("\n"));

  const { name: breakerName, demoDownstream, logging, ...rest } = b.data;
  return {
    ...rest,
    breakerName,
    logging: { ...logging, retentionDays: logging.retentionDays ?? DEFAULT_LOGGING.retentionDays },
    demo: demoDownstream ?? null,
    thresholds,
  };
}
