// StackIdentity: the region and account the stack deploys to, looked up once per stack and handed to every
// breaker. Each lookup is a provider call at preview and under mocks; per breaker they cost 4 calls each, which
// showed at a hundred breakers. A component given none looks them up itself, under its own provider.
// Also the stack's settings-parameter names and the one ARN pattern that covers them all.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

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
