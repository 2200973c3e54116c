// Point-in-time recovery left off.
// expect: dynamodb-breaker-table-pitr orders-state
import { breaker } from "./support";

breaker({ table: { pointInTimeRecovery: { enabled: false } } });
