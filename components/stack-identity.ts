// StackIdentity: the region and account the stack deploys to, looked up once per stack and handed to every
// breaker. Each lookup is a provider call at preview and under mocks; per breaker they cost 4 calls each, which
// showed at a hundred breakers. A component given none looks them up itself, under its own provider.
// Also the names built from the stack's project and stack: settings parameters (and the one ARN pattern that
// covers them all), state machines, health-probe schedule groups.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { boundedName } from "./iam";

export interface StackIdentity {
  region: pulumi.Output<string>;
  accountId: pulumi.Output<string>;
}

/** The region and account of the default provider (or of `opts.parent`'s provider). */
export function lookUpStackIdentity(opts?: pulumi.InvokeOutputOptions): StackIdentity {
  return {
    region: aws.getRegionOutput({}, opts).region,
    accountId: aws.getCallerIdentityOutput({}, opts).accountId,
  };
}

/** The name of a breaker's settings parameter (the same for the parameter, the payload and the plane's grant), under this stack's own path. */
export function settingsParameterName(breakerName: string): string {
  return `/${pulumi.getProject()}/${pulumi.getStack()}/${breakerName}/settings`;
}

/**
 * The ARN pattern of this stack's settings parameters: what the shared handlers may read. One pattern instead of
 * one ARN per breaker, so the handlers' policy stays the same size however many breakers the stack has (IAM allows
 * a role 10,240 characters of inline policy) and adding a breaker leaves the handlers' roles untouched.
 */
export function settingsParametersArnPattern(identity: StackIdentity): pulumi.Output<string> {
  return pulumi.interpolate`arn:aws:ssm:${identity.region}:${identity.accountId}:parameter${settingsParameterName("*")}`;
}

/** `<project>-<stack>-<name>`, or the stack part hashed when that passes AWS's `max` (components/iam.ts boundedName). */
export function stackScopedName(name: string, max: number): string {
  return boundedName(`${pulumi.getProject()}-${pulumi.getStack()}`, name, max);
}

/** A breaker's state machine name, within Step Functions' 80. */
export function stateMachineName(breakerName: string): string {
  return stackScopedName(breakerName, 80);
}

/** A breaker's health-probe schedule name, within Scheduler's 64. */
export function healthProbeScheduleName(breakerName: string): string {
  return stackScopedName(`${breakerName}-health-probe`, 64);
}

/**
 * The name of a schedule group for this stack's health probes, within Scheduler's 64. Scheduler names the group,
 * never the schedule, as a role's aws:SourceArn.
 */
export function scheduleGroupName(suffix = "health-probes"): string {
  return stackScopedName(suffix, 64);
}
