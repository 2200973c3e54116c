// NotAction: everything but IAM, on the table.
// expect: iam-no-wildcard-actions orders-handler-policy
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: ({ table }) => [{ Effect: "Allow", NotAction: ["iam:*"], Resource: table.arn }] });
