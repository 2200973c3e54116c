// The state table has no tag and is reached only by the state machine's dynamodb:getItem task.
// expect: breaker-resources-tagged orders-state
import { breaker } from "./support";

breaker({ table: { tags: {}, pointInTimeRecovery: { enabled: false } }, handlerEnv: () => ({ MODE: "record" }) });
