// The breaker's state machine is a STANDARD workflow.
// expect: sfn-breaker-express orders-machine
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ machine: { type: "STANDARD" } });
