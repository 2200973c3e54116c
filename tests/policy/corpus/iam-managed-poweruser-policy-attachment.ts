// PowerUserAccess attached through aws.iam.PolicyAttachment.
// expect: iam-no-broad-managed-policies orders-power
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, NAME } from "./support";

const b = breaker();
new aws.iam.PolicyAttachment(`${NAME}-power`, { roles: [b.handlerRole.name], policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" });
