// The trust condition is present but matches any account (StringLike aws:SourceAccount "*").
// expect: iam-trust-policy-scoped orders-handler-role
// preview: caught at a first preview too
import { breaker, trust } from "./support";

breaker({ handlerTrust: trust("lambda.amazonaws.com", { StringLike: { "aws:SourceAccount": "*" } }) });
