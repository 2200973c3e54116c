// The handler role trusts the account root (an AWS principal), not a service.
// expect: iam-trust-policy-scoped orders-handler-role
// preview: caught at a first preview too
import * as pulumi from "@pulumi/pulumi";
import { account, breaker } from "./support";

breaker({
  handlerTrust: pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: pulumi.interpolate`arn:aws:iam::${account}:root` }, Action: "sts:AssumeRole" }],
  }),
});
