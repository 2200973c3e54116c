// Clean control: the hand-written DynamoDB breaker stack with no weakness.
// expect: clean
import { breaker } from "./support";

breaker();
