// The state machine lacks the breaker tag (and runs STANDARD) but calls the breaker's handler.
// expect: breaker-resources-tagged orders-machine
import { breaker } from "./support";

breaker({ machine: { tags: { team: "orders" }, type: "STANDARD" } });
