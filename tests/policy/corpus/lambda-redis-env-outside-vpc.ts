// STORE_KIND=redis on a handler without vpcConfig.
// expect: lambda-cache-clients-in-vpc orders-record-outcome
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerEnv: () => ({ STORE_KIND: "redis", REDIS_HOST: "orders.cache.internal" }) });
