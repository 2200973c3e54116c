// A standalone Policy built with aws.iam.getPolicyDocument grants dynamodb:* (attached to the handler).
// expect: iam-no-wildcard-actions orders-extra
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { arn, breaker, NAME } from "./support";

const b = breaker();
const extra = aws.iam.getPolicyDocumentOutput({
  statements: [{ actions: ["dynamodb:*"], resources: [arn("dynamodb", `table/${NAME}-archive`)] }],
});
const policy = new aws.iam.Policy(`${NAME}-extra`, { policy: extra.json });
new aws.iam.RolePolicyAttachment(`${NAME}-extra-attachment`, { role: b.handlerRole.name, policyArn: policy.arn });
