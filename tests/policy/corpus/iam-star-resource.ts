// dynamodb:GetItem on Resource "*".
// expect: iam-no-wildcard-resources orders-handler-policy
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: () => [{ Effect: "Allow", Action: ["dynamodb:GetItem"], Resource: "*" }] });
