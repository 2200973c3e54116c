// release-slot: frees a call's bulkhead slot (./acquire-slot.ts) on every exit path; a slot already gone is a
// no-op. A failed release is logged and counted, never thrown (the slot's lease frees it). Its settings
// (onStoreError) are deploy-time, so it reads no settings parameter.

import { ReleaseSlotResult } from "../../core/contracts";
import { validateReleaseSlotEvent } from "../../core/schema/handler-events";
import { defineHandler } from "../shared/define-handler";
import { storeFromEnv } from "../store/from-env";

export const releaseSlotDefinition = defineHandler({
  name: "release-slot",
  validate: validateReleaseSlotEvent,
  settings: "deployed",
  environment: { store: storeFromEnv },
  run: async ({ event, deps }): Promise<ReleaseSlotResult> => {
    const store = await deps.store();
    await store.releaseSlot(event.breaker, event.slotId);
    return { breaker: event.breaker, slotId: event.slotId, released: true };
  },
  storeErrorResult: ({ event }) => ({ breaker: event.breaker, slotId: event.slotId, released: false }),
});

export const handler = releaseSlotDefinition.lambda();
