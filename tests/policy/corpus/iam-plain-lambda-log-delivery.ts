// A plain Lambda role carries the state machine's log-delivery actions on "*" (copied over).
// expect: iam-wildcard-actions-match-purpose orders-handler-role
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: () => [{ Effect: "Allow", Action: ["logs:PutResourcePolicy", "logs:CreateLogDelivery"], Resource: "*" }] });
