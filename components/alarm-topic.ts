// AlarmTopic: the SNS topic every breaker alarm notifies (one per stack), with an optional email subscription.

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EMAIL_PATTERN } from "../core/schema/stack-config";
import { ROLES, roleTags, Tags } from "./tags";

export interface AlarmTopicArgs {
  /** Subscribed by email (the recipient must confirm the subscription). */
  email?: string;
  /** Customer managed KMS key for the topic; CloudWatch must be allowed to use it (an AWS managed key does not work with alarms). */
  kmsKeyArn?: pulumi.Input<string>;
  tags?: Tags;
}

export class AlarmTopic extends pulumi.ComponentResource {
  public readonly topic: aws.sns.Topic;
  public readonly topicArn: pulumi.Output<string>;
  public readonly emailSubscription?: aws.sns.TopicSubscription;

  constructor(name: string, args: AlarmTopicArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:AlarmTopic", name, {}, opts);
    if (args.email !== undefined && !EMAIL_PATTERN.test(args.email)) {
      throw new Error(`AlarmTopic: email is ${JSON.stringify(args.email)}; allowed: an email address`);
    }
    this.topic = new aws.sns.Topic(
      `${name}-topic`,
      {
        displayName: "Circuit breaker alarms",
        ...(args.kmsKeyArn !== undefined ? { kmsMasterKeyId: args.kmsKeyArn } : {}),
        tags: roleTags(args.tags, ROLES.alarmTopic),
      },
      { parent: this },
    );
    this.topicArn = this.topic.arn;
    if (args.email !== undefined) {
      this.emailSubscription = new aws.sns.TopicSubscription(
        `${name}-email`,
        { topic: this.topic.arn, protocol: "email", endpoint: args.email },
        { parent: this },
      );
    }
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
