// Tag keys and values, defined once. Tags are applied in plain code (not by a stack transform, which
// does not run under mocks). The policy pack recognises breaker resources by ROLE_TAG.

/** Default tags every taggable resource of the stack carries. */
export const TAG_KEYS = {
  project: "project",
  stack: "stack",
  /** On the resources of one breaker (not on the shared store, topic and dashboard). */
  breaker: "breaker",
} as const;

/** What a resource is for, e.g. `circuitbreaker:role = state-store` on the breaker table / cache. */
export const ROLE_TAG = "circuitbreaker:role";
/** On a Lambda function and its role/log group: which handler it runs. */
export const HANDLER_TAG = "circuitbreaker:handler";

export const ROLES = {
  stateStore: "state-store",
  stateMachine: "state-machine",
  function: "function",
  alarm: "alarm",
  alarmTopic: "alarm-topic",
  network: "network",
  secret: "secret",
} as const;
export type ResourceRole = (typeof ROLES)[keyof typeof ROLES];

export type Tags = Record<string, string>;

/** `base` with `extra` on top (later keys win). */
export function withTags(base: Tags | undefined, extra: Tags): Tags {
  return { ...(base ?? {}), ...extra };
}

/** Tags for a resource with a role (and optionally the handler it runs). */
export function roleTags(base: Tags | undefined, role: ResourceRole, handler?: string): Tags {
  return withTags(base, handler ? { [ROLE_TAG]: role, [HANDLER_TAG]: handler } : { [ROLE_TAG]: role });
}
