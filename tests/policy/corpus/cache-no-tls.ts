// Replication group without encryption in transit.
// expect: elasticache-encryption orders-cache
// preview: caught at a first preview too
import { breaker, cache } from "./support";

breaker();
cache({ transitEncryptionEnabled: false, authToken: undefined, userGroupIds: ["orders-users"] });
