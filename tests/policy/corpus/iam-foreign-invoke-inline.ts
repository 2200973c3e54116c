// The state machine role's own policy may invoke another team's function.
// expect: breaker-role-invoke-scope orders-sfn-role
// preview: caught at a first preview too
import { arn, breaker } from "./support";

breaker({
  machineStatements: () => [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: arn("lambda", "function:billing-charge") }],
});
