// An aws.dynamodb.TableReplica of the state table without PITR.
// expect: dynamodb-breaker-replica-pitr orders-state-eu
import * as aws from "@pulumi/aws";
import { breaker, NAME } from "./support";

const b = breaker({ table: { streamEnabled: true, streamViewType: "NEW_AND_OLD_IMAGES" } });
new aws.dynamodb.TableReplica(`${NAME}-state-eu`, { globalTableArn: b.table.arn, pointInTimeRecovery: false });
