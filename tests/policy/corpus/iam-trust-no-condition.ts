// The Lambda trust has no condition at all.
// expect: iam-trust-policy-scoped orders-handler-role
// preview: caught at a first preview too
import { breaker, trust } from "./support";

breaker({ handlerTrust: trust("lambda.amazonaws.com", null) });
