// Execution data (payloads) written to the logs.
// expect: sfn-breaker-no-execution-data orders-machine
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ logging: { includeExecutionData: true } });
