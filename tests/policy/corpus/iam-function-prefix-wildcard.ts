// lambda:InvokeFunction on every function whose name starts with orders-.
// expect: iam-no-wildcard-resources orders-sfn-policy
// preview: caught at a first preview too
import { arn, breaker, NAME } from "./support";

breaker({
  machineStatements: () => [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: arn("lambda", `function:${NAME}-*`) }],
});
