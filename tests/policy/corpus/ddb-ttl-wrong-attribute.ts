// TTL on an attribute the breaker never writes.
// expect: dynamodb-breaker-table-ttl orders-state
import { breaker } from "./support";

breaker({ table: { ttl: { enabled: true, attributeName: "ttl" } } });
