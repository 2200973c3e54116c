// Clean control: the breaker on a Redis replication group; the handler runs in the VPC with the ENI actions
// it needs and reaches the cache through its environment.
// expect: clean
import * as pulumi from "@pulumi/pulumi";
import { breaker, cache, ENI, VPC } from "./support";

const redis = cache();
breaker({
  handlerEnv: () => ({
    STORE_KIND: "redis",
    REDIS_HOST: redis.primaryEndpointAddress,
    CACHE_ENDPOINT: pulumi.interpolate`${redis.primaryEndpointAddress}:6379`,
  }),
  handler: { vpcConfig: VPC },
  handlerStatements: () => [ENI],
});
