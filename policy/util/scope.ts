// Which resources the breaker-specific rules apply to, and the knobs that say so.

import { knob } from "./config";
import { BREAKER_TAG_KEY, ROLE_TAG_KEY, STATE_STORE_ROLE } from "./project-defaults";
import { hasTag, tagValue } from "./tags";

/** Knobs shared by the policies on the state store. */
export const stateStoreKnobs = {
  stateStoreTagKey: knob(ROLE_TAG_KEY, "Tag key that marks the DynamoDB table or cache holding breaker state."),
  stateStoreTagValue: knob(STATE_STORE_ROLE, "Value of that tag."),
};

export function isStateStore(props: Record<string, unknown>, cfg: { stateStoreTagKey: string; stateStoreTagValue: string }): boolean {
  return hasTag(props, cfg.stateStoreTagKey, cfg.stateStoreTagValue);
}

/** Knob shared by the policies on breaker state machines. */
export const breakerKnobs = {
  breakerTagKey: knob(BREAKER_TAG_KEY, "Tag key whose presence marks a breaker's state machine; its value is the breaker's name."),
};

/** The breaker's name, or undefined when the resource is not a breaker's. */
export function breakerName(props: Record<string, unknown>, cfg: { breakerTagKey: string }): string | undefined {
  return tagValue(props, cfg.breakerTagKey);
}
