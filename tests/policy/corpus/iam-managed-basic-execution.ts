// AWSLambdaBasicExecutionRole: logs on every log group of the account.
// expect: iam-no-broad-managed-policies orders-handler-role
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerRole: { managedPolicyArns: ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"] } });
