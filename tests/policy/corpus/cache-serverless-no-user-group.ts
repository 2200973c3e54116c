// Serverless cache without a user group.
// expect: elasticache-auth-required orders-serverless
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, NAME, STORE_TAGS, VPC } from "./support";

breaker();
new aws.elasticache.ServerlessCache(`${NAME}-serverless`, {
  engine: "valkey",
  subnetIds: VPC.subnetIds,
  securityGroupIds: ["sg-0cache"],
  tags: STORE_TAGS,
});
