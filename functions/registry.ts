// Every handler's definition by its name in the manifest (core/handler-manifest.ts): the local runtime serves the
// state machine's Task states from it, and the tests check each definition's needs against the manifest.
// A handler missing here does not compile.

import { HandlerName, HANDLERS } from "../core/handler-manifest";
import { acquireProbeDefinition } from "./handlers/acquire-probe";
import { acquireSlotDefinition } from "./handlers/acquire-slot";
import { demoDownstreamDefinition, DemoDeps } from "./handlers/demo-downstream";
import { fallbackDefinition } from "./handlers/fallback";
import { getStatusDefinition } from "./handlers/get-status";
import { recordOutcomeDefinition } from "./handlers/record-outcome";
import { releaseSlotDefinition } from "./handlers/release-slot";
import { reportStoreErrorDefinition } from "./handlers/report-store-error";
import { HandlerDefinition, HandlerDeps } from "./shared/define-handler";

export type { DemoDeps } from "./handlers/demo-downstream";

/** Plane handlers run on HandlerDeps; the target (no functionKey) on its own deps. */
export type HandlerRegistry = {
  [N in HandlerName]: (typeof HANDLERS)[N]["functionKey"] extends null
    ? HandlerDefinition<DemoDeps, unknown>
    : HandlerDefinition<HandlerDeps, unknown>;
};

export const HANDLER_DEFINITIONS: HandlerRegistry = {
  "record-outcome": recordOutcomeDefinition,
  "acquire-probe": acquireProbeDefinition,
  "get-status": getStatusDefinition,
  "report-store-error": reportStoreErrorDefinition,
  fallback: fallbackDefinition,
  "demo-downstream": demoDownstreamDefinition,
  "acquire-slot": acquireSlotDefinition,
  "release-slot": releaseSlotDefinition,
};

/** The handlers a breaker's definition names (all but the target). */
export type PlaneHandlerName = { [N in HandlerName]: (typeof HANDLERS)[N]["functionKey"] extends null ? never : N }[HandlerName];

/** The plane handlers, each on `deps`, by handler name. */
export function planeHandlers(deps: HandlerDeps): Record<PlaneHandlerName, (event: unknown) => Promise<unknown>> {
  const planes = (Object.keys(HANDLERS) as HandlerName[]).filter((n): n is PlaneHandlerName => HANDLERS[n].functionKey !== null);
  return Object.fromEntries(planes.map((n) => [n, HANDLER_DEFINITIONS[n].make(deps)])) as Record<
    PlaneHandlerName,
    (event: unknown) => Promise<unknown>
  >;
}
