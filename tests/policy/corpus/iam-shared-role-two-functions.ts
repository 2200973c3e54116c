// A second function reuses the handler's role.
// expect: iam-role-not-shared-by-functions orders-handler-role
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, BREAKER_TAGS, CODE, NAME } from "./support";

const b = breaker();
new aws.lambda.Function(`${NAME}-fallback`, {
  runtime: "nodejs22.x",
  architectures: ["arm64"],
  handler: "index.handler",
  role: b.handlerRole.arn,
  code: CODE,
  tags: BREAKER_TAGS,
});
