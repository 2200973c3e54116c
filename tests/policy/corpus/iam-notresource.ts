// NotResource: every table but one.
// expect: iam-no-wildcard-resources orders-handler-policy
// preview: caught at a first preview too
import { arn, breaker } from "./support";

breaker({ handlerStatements: () => [{ Effect: "Allow", Action: ["dynamodb:DeleteItem"], NotResource: arn("dynamodb", "table/audit") }] });
