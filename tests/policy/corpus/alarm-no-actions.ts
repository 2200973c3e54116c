// The circuit-opened alarm notifies nobody.
// expect: breaker-circuit-opened-alarm orders-circuit-opened
import { breaker } from "./support";

breaker({ alarm: { alarmActions: [] } });
