// The state machine may invoke arn:aws:lambda:*:*:function:*.
// expect: iam-no-wildcard-resources orders-sfn-policy
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ machineStatements: () => [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: "arn:aws:lambda:*:*:function:*" }] });
