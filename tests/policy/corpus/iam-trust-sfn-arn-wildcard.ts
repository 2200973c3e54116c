// aws:SourceArn with ArnLike stateMachine:* (any machine).
// expect: iam-trust-policy-scoped orders-sfn-role
// preview: caught at a first preview too
import { arn, breaker, trust } from "./support";

breaker({ machineTrust: trust("states.amazonaws.com", { ArnLike: { "aws:SourceArn": arn("states", "stateMachine:*") } }) });
