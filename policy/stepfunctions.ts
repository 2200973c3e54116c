// Breaker state machines (recognised by the breaker tag): EXPRESS, logging, no execution data in logs.

import { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configSchema, knob, readConfig } from "./util/config";
import { breakerKnobs, breakerName } from "./util/scope";
import { requireType, T } from "./util/types";
import { UnknownValues } from "./util/unknowns";

/** The breaker's name; not applicable unless the resource is a breaker's state machine. */
function requireBreakerMachine(args: ResourceValidationArgs, cfg: { breakerTagKey: string }): string {
  requireType(args, [T.stateMachine]);
  const name = breakerName(args.props, cfg);
  if (name === undefined) return args.notApplicable(`State machine has no ${cfg.breakerTagKey} tag`);
  return name;
}

export const sfnBreakerExpress: ResourceValidationPolicy = {
  name: "sfn-breaker-express",
  description: "Checks whether each breaker state machine is an EXPRESS workflow.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: 'Set type: "EXPRESS" (it cannot be changed in place: the machine is replaced). Callers use StartSyncExecution.',
  configSchema: configSchema(breakerKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, breakerKnobs);
    const name = requireBreakerMachine(args, cfg);
    const type = args.props.type ?? "STANDARD";
    if (type !== "EXPRESS") report(`Breaker "${name}" runs as a ${type} workflow; it must be EXPRESS (synchronous, per-call pricing).`);
  },
};

const LEVELS = ["ALL", "ERROR", "FATAL", "OFF"];

const loggingKnobs = {
  ...breakerKnobs,
  // "ERROR or above" in what is recorded: ERROR logs every failed execution, ALL logs everything; FATAL logs only
  // executions that fail outright in Step Functions itself and misses the failures on-call engineers need.
  allowedLevels: knob(["ALL", "ERROR"], "Accepted loggingConfiguration levels (FATAL records too little to debug a failed call).", LEVELS),
};

export const sfnBreakerLogging: ResourceValidationPolicy = {
  name: "sfn-breaker-logging",
  description: "Checks whether each breaker state machine logs to CloudWatch Logs at level ERROR or above (ERROR or ALL by default).",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps: 'Set loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: `${logGroup.arn}:*` }.',
  configSchema: configSchema(loggingKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, loggingKnobs);
    const name = requireBreakerMachine(args, cfg);
    const logging = args.props.loggingConfiguration as { level?: string; logDestination?: string } | undefined;
    const level = logging?.level ?? "OFF";
    if (!cfg.allowedLevels.includes(level)) {
      report(`Breaker "${name}" logs at level ${level}; the level must be one of ${cfg.allowedLevels.join(", ")}.`);
    } else if (!logging || !("logDestination" in logging) || new UnknownValues().attempt(() => logging.logDestination === "") === true) {
      // An unknown destination (a log group created in the same preview) is still a destination.
      report(`Breaker "${name}" logs at level ${level} but has no logDestination (a CloudWatch log group ARN ending in ":*").`);
    }
  },
};

const executionDataKnobs = {
  ...breakerKnobs,
  allowExecutionData: knob(false, "Allow includeExecutionData: true (logs then carry request and response payloads)."),
};

export const sfnBreakerNoExecutionData: ResourceValidationPolicy = {
  name: "sfn-breaker-no-execution-data",
  description: "Checks whether breaker state machines keep execution data (requests, responses) out of their logs.",
  enforcementLevel: "mandatory",
  severity: "medium",
  remediationSteps:
    "Set loggingConfiguration.includeExecutionData: false, or allow it in this policy's config for a stack whose payloads may be logged.",
  configSchema: configSchema(executionDataKnobs),
  validateResource: (args, report) => {
    const cfg = readConfig(args, executionDataKnobs);
    const name = requireBreakerMachine(args, cfg);
    if (!cfg.allowExecutionData && args.props.loggingConfiguration?.includeExecutionData === true) {
      report(`Breaker "${name}" logs execution data (request and response payloads); includeExecutionData must be false.`);
    }
  },
};

export const stepFunctionsPolicies = [sfnBreakerExpress, sfnBreakerLogging, sfnBreakerNoExecutionData];
