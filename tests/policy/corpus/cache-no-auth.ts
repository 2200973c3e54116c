// Replication group without AUTH token or user group.
// expect: elasticache-auth-required orders-cache
// preview: caught at a first preview too
import { breaker, cache } from "./support";

breaker();
cache({ authToken: undefined });
