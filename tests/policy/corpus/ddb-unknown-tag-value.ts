// An unrelated tag whose value is unknown at preview (the owner's ARN) must not switch off the TTL rule.
// expect: dynamodb-breaker-table-ttl orders-state
// preview: caught at a first preview too
import * as aws from "@pulumi/aws";
import { breaker, NAME, STORE_TAGS } from "./support";

const owner = new aws.sns.Topic(`${NAME}-owner`);
breaker({ table: { tags: { ...STORE_TAGS, owner: owner.arn }, ttl: { enabled: false, attributeName: "expiresAt" } } });
