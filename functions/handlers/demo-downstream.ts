// demo-downstream: a protected target for dev stacks, demos and the local runner. Each call waits latencyMs,
// then fails with probability failureRate by throwing an Error whose `name` is errorName (Lambda reports it as
// the errorType, which Step Functions sees as the error name; "ClientError" is ignored by default settings).
//
// Environment: FAILURE_RATE (0..1, default 0), LATENCY_MS (integer ms, default 0), ERROR_NAME (default
// ServiceUnavailable). Each is overridable per request by the event fields failureRate, latencyMs, errorName
// (the local runner drives scenario phases that way); the rest of the event is the caller's request.
//
// A malformed request is the caller's fault, not the target's: it fails with an Error named "ClientError",
// which the default settings' ignoredErrors lists, so it never counts towards tripping the breaker. Your
// own target marks its client errors the same way: give the error it throws for a bad request a `name`
// (Lambda's errorType, the error name Step Functions sees) that is in the breaker's ignoredErrors, such as
// "ClientError", or add the name your code already uses (e.g. "ValidationException") to ignoredErrors.

import { SettingsError } from "../../core/settings";
import { DEFAULT_DEMO_CONFIG, DemoConfig } from "../../core/demo-config";
import { DEMO_ENV } from "../../core/handler-env";
import { ERROR_NAME_PATTERN } from "../../core/names";
import { DemoOverrides, validateDemoOverrides } from "../../core/schema/handler-events";
import { HandlerDefinition, lazyEntry } from "../shared/define-handler";
import type { Env } from "../shared/runtime";
import { sleep } from "../shared/sleep";

export interface DemoDeps {
  config: DemoConfig;
  /** Uniform in [0, 1): Math.random in Lambda; a seeded generator (local/rng.ts) for reproducible runs and tests. */
  random: () => number;
  sleep: (ms: number) => Promise<void>;
}

export interface DemoResponse {
  ok: true;
  message: string;
  latencyMs: number;
}

function envNumber(env: Env, name: string, min: number, max: number, integer: boolean, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new SettingsError(
      name,
      `${name} is ${JSON.stringify(text)}; allowed: ${integer ? "an integer" : "a number"} from ${min} to ${max}`,
    );
  }
  return n;
}

/** FAILURE_RATE, LATENCY_MS, ERROR_NAME, validated at cold start (SettingsError naming the variable). */
export function demoConfigFromEnv(env: Env = process.env): DemoConfig {
  const errorName = env[DEMO_ENV.errorName]?.trim() || DEFAULT_DEMO_CONFIG.errorName;
  if (!ERROR_NAME_PATTERN.test(errorName)) {
    throw new SettingsError(
      DEMO_ENV.errorName,
      `${DEMO_ENV.errorName} is ${JSON.stringify(errorName)}; allowed: an error name: 1 to 128 letters, digits, _ . : -`,
    );
  }
  return {
    failureRate: envNumber(env, DEMO_ENV.failureRate, 0, 1, false, DEFAULT_DEMO_CONFIG.failureRate),
    latencyMs: envNumber(env, DEMO_ENV.latencyMs, 0, 900_000, true, DEFAULT_DEMO_CONFIG.latencyMs),
    errorName,
  };
}

/** The error the demo downstream throws: `name` is the configured error type. */
export function demoError(errorName: string, failureRate: number): Error {
  const err = new Error(`demo downstream failed on purpose (${errorName}, failure rate ${failureRate})`);
  err.name = errorName;
  return err;
}

/** The error name of a malformed request: listed in the default ignoredErrors, so it never trips the breaker. */
export const DEMO_CLIENT_ERROR = "ClientError";

/** The caller's request was malformed: a client error (its message names the field and what is allowed). */
export function demoClientError(cause: unknown): Error {
  const err = new Error(`malformed request: ${(cause as Error)?.message ?? String(cause)}`);
  err.name = DEMO_CLIENT_ERROR;
  return err;
}

function makeDemoDownstreamHandler(deps: DemoDeps): (event: unknown) => Promise<DemoResponse> {
  return async (raw) => {
    let overrides: DemoOverrides;
    try {
      overrides = validateDemoOverrides(raw);
    } catch (e) {
      throw demoClientError(e);
    }
    const { failureRate, latencyMs, errorName } = { ...deps.config, ...overrides };
    await deps.sleep(latencyMs);
    // failureRate 1 always fails and 0 never does: random() is in [0, 1).
    if (deps.random() < failureRate) throw demoError(errorName, failureRate);
    return { ok: true, message: "demo downstream answered", latencyMs };
  };
}

export function demoDownstreamDeps(env: Env = process.env): DemoDeps {
  return { config: demoConfigFromEnv(env), random: Math.random, sleep };
}

// The target is no breaker handler (its event is the caller's request, it reads no settings and no store), so it
// has its own deps; like the others it is defined once, for the Lambda entry and the local runtime.
export const demoDownstreamDefinition: HandlerDefinition<DemoDeps, DemoResponse> = {
  name: "demo-downstream",
  needs: { store: false, settingsParameter: false },
  make: makeDemoDownstreamHandler,
  lambda: () => lazyEntry(() => demoDownstreamDeps(), makeDemoDownstreamHandler),
};

export const handler = demoDownstreamDefinition.lambda();
