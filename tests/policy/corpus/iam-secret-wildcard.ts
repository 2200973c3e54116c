// secretsmanager:GetSecretValue on secret:*.
// expect: iam-no-wildcard-resources orders-handler-policy
// preview: caught at a first preview too
import { arn, breaker } from "./support";

breaker({
  handlerStatements: () => [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: arn("secretsmanager", "secret:*") }],
});
