// Every policy of the pack, in one list. index.ts builds the pack from it; tests and the offline checker
// (scripts/policy-check.ts) import it, because constructing a PolicyPack starts a gRPC server.

import { Policies } from "@pulumi/policy";
import { dynamodbPolicies } from "./dynamodb";
import { elasticachePolicies } from "./elasticache";
import { iamPolicies } from "./iam";
import { lambdaPolicies } from "./lambda";
import { stackPolicies } from "./stack";
import { stepFunctionsPolicies } from "./stepfunctions";

export const PACK_NAME = "circuit-breaker-guard";

export const policies: Policies = [
  ...iamPolicies,
  ...dynamodbPolicies,
  ...elasticachePolicies,
  ...stepFunctionsPolicies,
  ...lambdaPolicies,
  ...stackPolicies,
];
