// AWSLambdaRole attached through RolePolicyAttachmentsExclusive on the state machine role.
// expect: iam-no-broad-managed-policies orders-sfn-exclusive
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, NAME } from "./support";

const b = breaker();
new aws.iam.RolePolicyAttachmentsExclusive(`${NAME}-sfn-exclusive`, {
  roleName: b.machineRole.name,
  policyArns: ["arn:aws:iam::aws:policy/service-role/AWSLambdaRole"],
});
