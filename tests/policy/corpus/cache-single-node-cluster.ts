// A single-node aws.elasticache.Cluster (Redis) as the state store: no TLS, no AUTH possible.
// expect: elasticache-auth-required orders-cache-node
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, NAME, STORE_TAGS } from "./support";

breaker();
new aws.elasticache.Cluster(`${NAME}-cache-node`, {
  engine: "redis",
  nodeType: "cache.t4g.micro",
  numCacheNodes: 1,
  subnetGroupName: "orders-subnets",
  securityGroupIds: ["sg-0cache"],
  tags: STORE_TAGS,
});
