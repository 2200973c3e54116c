// The state view the state machine's Choice states read, built from a record. get-status (Redis path)
// returns it; it equals, attribute for attribute, what a DynamoDB GetItem of the stored item returns for
// the attributes the Choice reads (state, gen, openUntilIso, recordSuccess), so one Choice serves both stores.

import { BreakerRecord, openUntilIso } from "../../core/breaker";
import { StatusView } from "../../core/contracts";

/**
 * The Choice-relevant attributes, in DynamoDB AttributeValue form. No record -> no Item (a new, CLOSED breaker).
 * openUntilIso only while OPEN, as the stores write it.
 */
export function toStatusView(rec: BreakerRecord | null): StatusView {
  if (!rec) return {};
  const until = rec.state === "OPEN" ? openUntilIso(rec) : null;
  return {
    Item: {
      state: { S: rec.state },
      gen: { N: String(rec.gen) },
      ...(until !== null ? { openUntilIso: { S: until } } : {}),
      recordSuccess: { BOOL: rec.recordSuccess },
    },
  };
}

/** get-status when the store failed: no Item, and the breaker's onStoreError for the Choice to route on. */
export function storeErrorView(allow: boolean): StatusView {
  return { StoreError: { allow } };
}
