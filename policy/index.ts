// The policy pack. Only this file constructs it (a PolicyPack starts a gRPC server; one per process).

import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, policies } from "./policies";

new PolicyPack(PACK_NAME, {
  description: "Least-privilege IAM, state-store TTL and encryption, breaker logging and alarms for circuit-breaker stacks.",
  displayName: "Circuit Breaker Guard",
  enforcementLevel: "advisory",
  policies,
});
