// ReadOnlyAccess in the handler role's managedPolicyArns.
// expect: iam-no-broad-managed-policies orders-handler-role
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handlerRole: { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] } });
