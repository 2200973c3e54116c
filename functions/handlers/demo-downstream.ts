// Lambda entry point: the demo target (configurable failure rate, latency, error type). Logic: ../handler-factories/demo-downstream.ts.
// Cold start: FAILURE_RATE, LATENCY_MS, ERROR_NAME from the environment.
import { demoDownstreamDeps, makeDemoDownstreamHandler } from "../handler-factories/demo-downstream";

export const handler = makeDemoDownstreamHandler(demoDownstreamDeps());
