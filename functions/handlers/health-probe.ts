// Lambda entry point: scheduled probe of an OPEN circuit that is due. Logic: ../handler-factories/health-probe.ts.
// Cold start: settings, breaker name, store configuration, TARGET_ARN and PROBE_REQUEST from the environment.
import { healthProbeDeps, makeHealthProbeHandler } from "../handler-factories/health-probe";

export const handler = makeHealthProbeHandler(healthProbeDeps());
