// One role trusted by Lambda and Step Functions "to keep it simple".
// expect: iam-trust-policy-scoped orders-handler-role
// preview: caught at a first preview too
import * as pulumi from "@pulumi/pulumi";
import { account, breaker } from "./support";

breaker({
  handlerTrust: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: ["lambda.amazonaws.com", "states.amazonaws.com"] },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": account } },
      },
    ],
  }),
});
