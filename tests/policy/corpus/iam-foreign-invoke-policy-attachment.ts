// A customer Policy lets the breaker's role invoke another team's function, attached with PolicyAttachment.
// expect: breaker-role-invoke-scope orders-sfn-role
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { arn, breaker, doc, NAME } from "./support";

const b = breaker();
const foreign = new aws.iam.Policy(`${NAME}-billing-invoke`, {
  policy: doc({ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: arn("lambda", "function:billing-charge") }),
});
new aws.iam.PolicyAttachment(`${NAME}-billing-invoke-attachment`, { roles: [b.machineRole.name], policyArn: foreign.arn });
