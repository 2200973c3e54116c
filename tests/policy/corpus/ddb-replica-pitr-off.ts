// A global-table replica without PITR (replicas[].pointInTimeRecovery).
// expect: dynamodb-breaker-table-pitr orders-state
import { breaker } from "./support";

breaker({
  table: {
    streamEnabled: true,
    streamViewType: "NEW_AND_OLD_IMAGES",
    replicas: [{ regionName: "eu-central-1", pointInTimeRecovery: false }],
  },
});
