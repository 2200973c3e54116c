// The handler's policy grants dynamodb:* on the table ("it needs a few more calls").
// expect: iam-no-wildcard-actions orders-handler-policy
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: ({ table }) => [{ Effect: "Allow", Action: ["dynamodb:*"], Resource: table.arn }] });
