// Action "*" on the table ARN.
// expect: iam-no-wildcard-actions orders-handler-policy
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: ({ table }) => [{ Effect: "Allow", Action: "*", Resource: table.arn }] });
