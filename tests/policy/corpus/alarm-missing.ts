// No circuit-opened alarm at all.
// expect: breaker-circuit-opened-alarm orders-machine
import { breaker } from "./support";

breaker({ alarm: null });
