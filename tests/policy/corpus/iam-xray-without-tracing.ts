// X-Ray actions on "*" for a function with tracing off.
// expect: iam-wildcard-actions-match-purpose orders-handler-role
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerStatements: () => [{ Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], Resource: "*" }] });
