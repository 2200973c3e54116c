// DemoDownstream: the demo target (dev stacks and demos), a Lambda with a configurable failure rate, latency and
// error name. A target like any other, not part of a breaker: a breaker protects it through its ARN.
// Children: `${name}` with its `-logs`, `-role`, `-policy`.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DemoConfig } from "../core/demo-config";
import { DEMO_ENV } from "../core/handler-env";
import { BreakerFunction, createBreakerFunction } from "./breaker-function";
import { Tags } from "./tags";

export interface DemoDownstreamArgs {
  config: DemoConfig;
  retentionDays?: number;
  tracing?: boolean;
  tags?: Tags;
}

export class DemoDownstream extends pulumi.ComponentResource {
  public readonly function: BreakerFunction;
  public readonly arn: pulumi.Output<string>;

  constructor(name: string, args: DemoDownstreamArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:DemoDownstream", name, {}, opts);
    const c = args.config;
    this.function = createBreakerFunction(this, `${name}-fn`, {
      handler: "demo-downstream",
      description: `Demo downstream: failure rate ${c.failureRate}, latency ${c.latencyMs} ms`,
      accountId: aws.getCallerIdentityOutput({}, { parent: this }).accountId,
      environment: {
        [DEMO_ENV.failureRate]: String(c.failureRate),
        [DEMO_ENV.latencyMs]: String(c.latencyMs),
        [DEMO_ENV.errorName]: c.errorName,
      },
      statements: [],
      timeoutSeconds: Math.min(900, Math.max(30, Math.ceil(c.latencyMs / 1000) + 5)),
      memorySize: 256,
      logGroupName: `/${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
      retentionDays: args.retentionDays ?? 30,
      tracing: args.tracing ?? false,
      tags: { ...(args.tags ?? {}) },
    });
    this.arn = this.function.function.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
