// The state machine role trusts any state machine of the account (no aws:SourceArn).
// expect: iam-trust-policy-scoped orders-sfn-role
// preview: caught at a first preview too
import { breaker, trust } from "./support";

breaker({ machineTrust: trust("states.amazonaws.com") });
