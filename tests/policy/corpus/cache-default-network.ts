// Replication group without a subnet group (default VPC).
// expect: elasticache-private-network orders-cache
// preview: caught at a first preview too
import { breaker, cache } from "./support";

breaker();
cache({ subnetGroupName: undefined });
