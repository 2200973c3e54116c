// Transit encryption mode "preferred" accepts plaintext clients.
// expect: elasticache-encryption orders-cache
// preview: caught at a first preview too
import { breaker, cache } from "./support";

breaker();
cache({ transitEncryptionMode: "preferred" });
