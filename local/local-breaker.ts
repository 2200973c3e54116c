// This project's breaker, assembled locally exactly as `pulumi up` deploys it: the definition from the
// component's builder, the handlers from the manifest and functions/registry.ts (in process, with the run's
// store, settings and clock), executed by the generic local executor. Nothing here routes a call: the definition does.

import { buildDefinition } from "../core/state-machine-definition";
import { BreakerSettings } from "../core/settings";
import { FunctionKey, HANDLER_NAMES, HANDLERS, HandlerName } from "../core/handler-manifest";
import { planeHandlers } from "../functions/registry";
import { Log } from "../functions/shared/logging";
import { MetricsSink } from "../functions/shared/metrics";
import { HandlerDeps } from "../functions/shared/runtime";
import { LocalStore } from "./local-store";
import { FallbackKind } from "./scenario";
import { createLocalStateMachine, LocalLambda, LocalStateMachine, StartedExecution } from "./sfn-runtime";
import { scaleSettings } from "./speed";
import { inLambda } from "./work-meter";

/** The names the local definition gives the breaker's functions (the stack gives ARNs): each plane handler's manifest name. */
export const LOCAL_FUNCTIONS: Readonly<Record<FunctionKey, HandlerName>> = Object.freeze(
  Object.fromEntries(
    HANDLER_NAMES.flatMap((name) => {
      const key = HANDLERS[name].functionKey;
      return key === null ? [] : [[key, name]];
    }),
  ) as Record<FunctionKey, HandlerName>,
);

export const TARGET_FUNCTION = "demo-downstream";

/** Wraps handlers so the work meter counts each invocation and marks the work done inside it. */
export function meteredLambdas(handlers: Record<string, LocalLambda>, uncounted: string[] = []): Record<string, LocalLambda> {
  return Object.fromEntries(
    Object.entries(handlers).map(([name, h]) => [
      name,
      (event: unknown) => inLambda(name, !uncounted.includes(name), async () => h(event)),
    ]),
  );
}

export interface LocalBreakerOptions {
  breakerName: string;
  /** Design settings (whole seconds, as deployed). */
  settings: BreakerSettings;
  fallback: FallbackKind;
  store: LocalStore;
  speed: number;
  target: LocalLambda;
  metrics: MetricsSink;
  log: Log;
  /** The schedule's probe request and who runs the probe loops a tripping execution starts (local/run-local.ts). */
  healthProbe?: { request: Record<string, unknown>; startExecution: (started: StartedExecution) => void };
}

export interface LocalBreaker {
  machine: LocalStateMachine;
  /** The settings the handlers run with (durations divided by speed). */
  runSettings: BreakerSettings;
}

export function localBreaker(o: LocalBreakerOptions): LocalBreaker {
  const runSettings = scaleSettings(o.settings, o.speed);
  const deps: HandlerDeps = {
    // Every payload carries the design settings (whole seconds, as deployed); the handlers validate them as in
    // Lambda and then run with them scaled by speed, as the executor scales Retry and TimeoutSeconds.
    settings: null,
    adjustSettings: (s) => scaleSettings(s, o.speed),
    store: () => Promise.resolve(o.store.store),
    clock: Date.now,
    metrics: o.metrics,
    log: o.log,
  };
  const definition = buildDefinition({
    breakerName: o.breakerName,
    store: o.store.kind === "dynamodb" ? { kind: "dynamodb", tableName: o.store.tableName! } : { kind: "redis" },
    functions: { ...LOCAL_FUNCTIONS },
    targetArn: TARGET_FUNCTION,
    fallback: o.fallback,
    // Whole seconds, as deployed: the executor divides Retry and TimeoutSeconds by speed itself.
    settings: o.settings,
    // As deployed with a health probe: {"healthProbe": {"request": ...}} runs the probe branch (the waste bench's
    // schedule starts it: local/health-probe-loop.ts).
    healthProbe: true,
    ...(o.healthProbe ? { healthProbeRequest: o.healthProbe.request } : {}),
  });
  const { "get-status": getStatus, ...others } = planeHandlers(deps);
  const lambdas = meteredLambdas(
    {
      ...others,
      // The probe loop's budget is design seconds, like the settings: scaled by speed as adjustSettings scales them.
      [LOCAL_FUNCTIONS.getStatus]: (e: { loopSeconds?: unknown }) =>
        getStatus(typeof e?.loopSeconds === "number" ? { ...e, loopSeconds: e.loopSeconds / o.speed } : e),
      [TARGET_FUNCTION]: o.target,
    },
    [TARGET_FUNCTION],
  );
  const machine = createLocalStateMachine(definition, {
    lambdas,
    dynamodbClient: o.store.dynamodb ?? undefined,
    speed: o.speed,
    name: o.breakerName,
    ...(o.healthProbe ? { startExecution: o.healthProbe.startExecution } : {}),
  });
  return { machine, runSettings };
}
