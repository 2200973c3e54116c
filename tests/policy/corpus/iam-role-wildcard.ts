// iam:PassRole on role/*.
// expect: iam-no-wildcard-resources orders-handler-policy
// preview: caught at a first preview too
import * as pulumi from "@pulumi/pulumi";
import { account, breaker } from "./support";

breaker({
  handlerStatements: () => [{ Effect: "Allow", Action: ["iam:PassRole"], Resource: pulumi.interpolate`arn:aws:iam::${account}:role/*` }],
});
