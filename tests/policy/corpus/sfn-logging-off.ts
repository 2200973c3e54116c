// Logging level OFF.
// expect: sfn-breaker-logging orders-machine
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ logging: { level: "OFF" } });
