// A Lambda outside any VPC may create and delete network interfaces on "*".
// expect: iam-wildcard-actions-match-purpose orders-handler-role
// preview: caught at a first preview too
import { breaker, ENI } from "./support";

breaker({ handlerStatements: () => [ENI] });
