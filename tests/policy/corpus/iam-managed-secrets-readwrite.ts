// SecretsManagerReadWrite attached to the handler role ("to read the AUTH token").
// expect: iam-no-broad-managed-policies orders-secrets
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, NAME } from "./support";

const b = breaker();
new aws.iam.RolePolicyAttachment(`${NAME}-secrets`, {
  role: b.handlerRole.name,
  policyArn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite",
});
