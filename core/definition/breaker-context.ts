// The breaker context every shared handler receives: one handler plane serves every breaker of a stack, so each
// state machine names its breaker and passes its deployed settings (and, when enabled, its settings parameter)
// in the payload of each handler invocation. Added in one pass over the built definition, so every handler
// Task gets it, whichever part of the builder made the state. The target and a user fallback never get it.

import type { BreakerSettings } from "../settings";

/** A breaker's runtime settings parameter (SSM), named in the payload so the shared handlers can read it. */
export interface SettingsParameterRef {
  name: string;
  refreshSeconds: number;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON
type State = Record<string, any>;

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";

/**
 * `states` with `settings` (and `settingsParameter`) added to the Payload of every lambda:invoke Task whose
 * FunctionName is one of `handlerFunctions` (the stack's handler plane).
 */
export function withBreakerContext(
  states: Record<string, State>,
  handlerFunctions: readonly string[],
  settings: BreakerSettings,
  settingsParameter?: SettingsParameterRef,
): Record<string, State> {
  const handlers = new Set(handlerFunctions);
  const out: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    const fn = state.Parameters?.FunctionName;
    if (state.Type !== "Task" || state.Resource !== LAMBDA_INVOKE || typeof fn !== "string" || !handlers.has(fn)) {
      out[name] = state;
      continue;
    }
    const payload = {
      ...state.Parameters.Payload,
      settings: { ...settings },
      ...(settingsParameter ? { settingsParameter: { ...settingsParameter } } : {}),
    };
    out[name] = { ...state, Parameters: { ...state.Parameters, Payload: payload } };
  }
  return out;
}
