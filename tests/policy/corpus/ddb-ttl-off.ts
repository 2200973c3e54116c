// TTL left off on the state table.
// expect: dynamodb-breaker-table-ttl orders-state
import { breaker } from "./support";

breaker({ table: { ttl: { enabled: false, attributeName: "expiresAt" } } });
