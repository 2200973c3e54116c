// The handler runs on nodejs18.x.
// expect: lambda-runtime-supported orders-record-outcome
// preview: caught at a first preview too
import { breaker } from "./support";

breaker({ handler: { runtime: "nodejs18.x" } });
