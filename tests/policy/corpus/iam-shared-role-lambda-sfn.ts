// The state machine runs as the handler's role.
// expect: iam-role-not-shared-by-functions orders-handler-role
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ machineRoleArn: ({ handlerRole }) => handlerRole.arn });
