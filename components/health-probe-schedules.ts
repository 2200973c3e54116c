// HealthProbeSchedules: the stack's schedule group for its breakers' health probes and the role the schedules run
// as. EventBridge Scheduler names a schedule's group, never the schedule, as the aws:SourceArn of the role it
// assumes, so the trust names this stack's own group; the role may start exactly the listed breakers' state
// machines. One role serves many breakers (IAM roles are an account quota); a role whose grant would pass IAM's
// 10,240 characters is split, so a stack of any size fits and adding a breaker touches only the last role.
// Children: `${name}-group`, `${name}-role` and `${name}-policy` (then `${name}-2-role`, ... per further role).

import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { arnOf, ROLE_INLINE_POLICY_MAX_CHARS, ScopedRole, scopedRole, scopedStatement, sourceArnOf } from "./iam";
import { lookUpStackIdentity, scheduleGroupName, StackIdentity, stateMachineName } from "./stack-identity";
import { Tags } from "./tags";

/** The actions a health-probe schedule's role needs: start a breaker's own state machine. */
export const SCHEDULE_ACTIONS: readonly string[] = Object.freeze(["states:StartExecution"]);

/** The longest region name reserved when sizing a role's grant before the region is known (today's longest is 14). */
const REGION_RESERVE = 25;
/** The policy document around the ARNs (Version, one statement, its Sid and action), with room to spare. */
const POLICY_OVERHEAD = 200;

/** The characters one machine adds to the grant, at most: its ARN with quotes and a comma. */
function grantCharacters(machineName: string): number {
  return `"${arnOf("stateMachine", "r".repeat(REGION_RESERVE), "123456789012", machineName)}",`.length;
}

/** The breakers split, in order, into groups whose grants each fit one role's inline policy. */
export function shardForRoles(machineNames: readonly string[], limit = ROLE_INLINE_POLICY_MAX_CHARS): number[][] {
  const shards: number[][] = [];
  let size = Infinity;
  machineNames.forEach((m, i) => {
    const add = grantCharacters(m);
    if (size + add > limit) {
      shards.push([]);
      size = POLICY_OVERHEAD;
    }
    shards[shards.length - 1].push(i);
    size += add;
  });
  return shards;
}

export interface HealthProbeSchedulesArgs {
  /** The breakers whose health-probe schedules run here (their state machines are named from these). */
  breakerNames: readonly string[];
  /** The schedule group's name (default: `<project>-<stack>-health-probes`). */
  groupName?: string;
  /** The stack's region and account (default: this component looks them up). */
  identity?: StackIdentity;
  tags?: Tags;
}

/** What a breaker's schedule needs: the group to live in and the role to run as (whose policy must exist first). */
export interface HealthProbeScheduleSlot {
  groupName: pulumi.Output<string>;
  roleArn: pulumi.Output<string>;
  policy: aws.iam.RolePolicy;
}

export class HealthProbeSchedules extends pulumi.ComponentResource {
  public readonly group: aws.scheduler.ScheduleGroup;
  /** The schedules' roles, each with the breakers it may start. */
  public readonly roles: readonly (ScopedRole & { breakerNames: readonly string[] })[];
  private readonly slots = new Map<string, HealthProbeScheduleSlot>();

  constructor(name: string, args: HealthProbeSchedulesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("circuitbreaker:index:HealthProbeSchedules", name, {}, opts);
    const duplicate = args.breakerNames.find((b, i) => args.breakerNames.indexOf(b) !== i);
    if (args.breakerNames.length === 0 || duplicate !== undefined)
      throw new Error(
        `HealthProbeSchedules ${name}: breakerNames ${duplicate !== undefined ? `names "${duplicate}" twice` : "is empty"}; allowed: one or more distinct breaker names`,
      );
    const tags: Tags = { ...(args.tags ?? {}) };
    const { region, accountId } = args.identity ?? lookUpStackIdentity({ parent: this });
    const groupName = args.groupName ?? scheduleGroupName();
    this.group = new aws.scheduler.ScheduleGroup(`${name}-group`, { name: groupName, tags }, { parent: this });
    const machines = args.breakerNames.map(stateMachineName);
    this.roles = shardForRoles(machines).map((shard, i) => {
      const breakerNames = shard.map((k) => args.breakerNames[k]);
      const arns = pulumi.all(shard.map((k) => sourceArnOf("stateMachine", region, accountId, machines[k])));
      const role = scopedRole(this, i === 0 ? name : `${name}-${i + 1}`, {
        service: "scheduler.amazonaws.com",
        accountId,
        sourceArn: sourceArnOf("scheduleGroup", region, accountId, groupName),
        statements: arns.apply((a) => [scopedStatement("StartHealthProbes", [...SCHEDULE_ACTIONS], a)]),
        description: `Circuit breaker health probes: the schedules of ${breakerNames.length === 1 ? breakerNames[0] : `${breakerNames[0]} .. ${breakerNames[breakerNames.length - 1]}`}`,
        tags,
      });
      for (const b of breakerNames) this.slots.set(b, { groupName: this.group.name, roleArn: role.role.arn, policy: role.policy });
      return { ...role, breakerNames };
    });
    this.registerOutputs({ groupName: this.group.name, roleArns: this.roles.map((r) => r.role.arn) });
  }

  /** The group and role of `breakerName`'s schedule; a clear error for a breaker these schedules were not built for. */
  slotFor(breakerName: string): HealthProbeScheduleSlot {
    const slot = this.slots.get(breakerName);
    if (!slot)
      throw new Error(
        `breaker "${breakerName}" has a health probe but its HealthProbeSchedules does not list it; allowed: one of ${[...this.slots.keys()].join(", ")} (add it to breakerNames)`,
      );
    return slot;
  }
}
