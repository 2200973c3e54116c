// dynamodb:Query on every table of the account (table/*).
// expect: iam-no-wildcard-resources orders-handler-policy
// preview: caught at a first preview too
import { arn, breaker } from "./support";

breaker({ handlerStatements: () => [{ Effect: "Allow", Action: ["dynamodb:Query"], Resource: arn("dynamodb", "table/*") }] });
