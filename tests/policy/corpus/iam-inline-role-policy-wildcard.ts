// The handler role carries an inline policy (Role.inlinePolicies) with s3:*.
// expect: iam-no-wildcard-actions orders-handler-role
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({
  handlerRole: {
    inlinePolicies: [
      {
        name: "uploads",
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::orders-uploads/*" }],
        }),
      },
    ],
  },
});
