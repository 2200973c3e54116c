// Clean control: extra permissions through a customer Policy built with getPolicyDocument and attached with
// RolePolicyAttachment, scoped to this stack's ARNs; the table's replica keeps PITR.
// expect: clean
import * as aws from "@pulumi/aws";
import { arn, breaker, NAME } from "./support";

const b = breaker({ table: { streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES" } });
const archive = aws.iam.getPolicyDocumentOutput({
  statements: [{ actions: ["dynamodb:PutItem"], resources: [arn("dynamodb", `table/${NAME}-archive`)] }],
});
const policy = new aws.iam.Policy(`${NAME}-archive-writer`, { policy: archive.json });
new aws.iam.RolePolicyAttachment(`${NAME}-archive-writer`, { role: b.handlerRole.name, policyArn: policy.arn });
new aws.dynamodb.TableReplica(`${NAME}-state-eu`, { globalTableArn: b.table.arn, pointInTimeRecovery: true });
