// The state table has no state-store tag (and TTL off); the handler reads it through TABLE_NAME.
// expect: breaker-resources-tagged orders-state
import { breaker } from "./support";

breaker({ table: { tags: { team: "orders" }, ttl: { enabled: false, attributeName: "expiresAt" } } });
