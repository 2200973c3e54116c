// The trust statement allows sts:* instead of sts:AssumeRole.
// expect: iam-trust-policy-scoped orders-handler-role
// preview: caught at a first preview too
import { breaker, trust } from "./support";

breaker({ handlerTrust: trust("lambda.amazonaws.com", undefined, "sts:*") });
