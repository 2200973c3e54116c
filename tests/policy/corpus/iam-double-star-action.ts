// dynamodb:** slips past a check that looks for "svc:*" only.
// expect: iam-no-wildcard-actions orders-handler-policy
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: ({ table }) => [{ Effect: "Allow", Action: ["dynamodb:**"], Resource: table.arn }] });
