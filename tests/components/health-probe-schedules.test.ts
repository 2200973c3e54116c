// The stack's health-probe schedules: one group, its trust on the group's ARN (what Scheduler sends), and roles
// split so that each grant stays within IAM's inline-policy limit however many breakers the stack has.
import { strict as assert } from "node:assert";
import * as path from "node:path";
import { shardForRoles } from "../../components/health-probe-schedules";
import { ROLE_INLINE_POLICY_MAX_CHARS } from "../../components/iam";
import { MAX_PROJECT_OR_STACK_LENGTH } from "../../core/schema/names";
import { MOCK_ACCOUNT_ID, runProgramUnderMocks } from "../support/run-under-mocks";
import { T } from "./scenarios";

const ENTRY = path.join(__dirname, "..", "fixtures", "health-probe-schedules-program.ts");

describe("infra: health-probe schedules shared by the stack's breakers", function () {
  this.timeout(180_000);

  it("splits the roles so that every grant fits IAM's limit, each breaker's machine granted once, all trusting the stack's group", async () => {
    const project = "p".repeat(MAX_PROJECT_OR_STACK_LENGTH);
    const stack = "s".repeat(MAX_PROJECT_OR_STACK_LENGTH);
    // ap-southeast-2 is among the longest region names.
    const r = await runProgramUnderMocks({
      entry: ENTRY,
      project,
      stack,
      useStackFile: false,
      region: "ap-southeast-2",
      config: { count: 150 },
    });
    assert.equal(r.error, undefined, r.errors.join("\n"));
    const roles = r.resources.filter((x) => x.type === T.role);
    const policies = r.resources.filter((x) => x.type === T.rolePolicy);
    assert.ok(roles.length >= 2, `${roles.length} roles for 150 breakers with the longest names`);
    assert.equal(policies.length, roles.length);
    const group = r.resources.find((x) => x.type === T.scheduleGroup)!;
    assert.match(String(group.inputs.name), /^cb[0-9a-f]{8}-health-probes$/);
    const granted: string[] = [];
    for (const role of roles) {
      const trust = JSON.parse(role.inputs.assumeRolePolicy);
      assert.deepEqual(trust.Statement[0].Condition, {
        StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
        ArnEquals: { "aws:SourceArn": group.state.arn },
      });
      const policy = policies.find((p) => p.inputs.role === role.id)!;
      const text = String(policy.inputs.policy);
      assert.ok(text.replace(/\s+/g, "").length <= ROLE_INLINE_POLICY_MAX_CHARS, `${role.name}: ${text.length} characters`);
      const doc = JSON.parse(text);
      assert.deepEqual(
        doc.Statement.map((s: { Action: string[] }) => s.Action),
        [["states:StartExecution"]],
      );
      granted.push(...doc.Statement[0].Resource);
      // Each breaker's schedule runs as a role that may start its machine.
      const roleOf = r.outputs.roleOf as Record<string, string>;
      for (const [b, arn] of Object.entries(roleOf))
        if (arn === role.state.arn)
          assert.ok(
            doc.Statement[0].Resource.some((m: string) => m.endsWith(`-${b}`)),
            `${role.name} starts ${b}`,
          );
    }
    assert.equal(granted.length, 150);
    assert.equal(new Set(granted).size, 150);
    for (const m of granted)
      assert.match(m, new RegExp(`^arn:aws:states:ap-southeast-2:${MOCK_ACCOUNT_ID}:stateMachine:cb[0-9a-f]{8}-b\\d+x+$`));
    assert.match(
      String(r.outputs.unknownBreaker),
      /^breaker "not-listed" has a health probe but its HealthProbeSchedules does not list it; allowed: one of b0x+, b1x+, .* \(add it to breakerNames\)$/,
    );
  });

  it("refuses an empty breaker list with a clear error", async () => {
    const r = await runProgramUnderMocks({ entry: ENTRY, useStackFile: false, config: { count: 0 } });
    assert.match(String(r.error), /HealthProbeSchedules probes: breakerNames is empty; allowed: one or more distinct breaker names/);
    assert.equal(r.resources.filter((x) => x.custom).length, 0);
  });

  it("keeps earlier roles unchanged when a breaker is added at the end", () => {
    const names = Array.from({ length: 200 }, (_, i) => `${"p".repeat(40)}-${i}`.padEnd(80, "x"));
    const before = shardForRoles(names);
    const after = shardForRoles([...names, "y".repeat(80)]);
    assert.ok(before.length >= 3);
    assert.deepEqual(after.slice(0, before.length - 1), before.slice(0, -1));
    assert.deepEqual(after.flat(), [...before.flat(), 200]);
  });

  it("keeps a small stack in one role", () => {
    assert.deepEqual(shardForRoles(["a", "b", "c"]), [[0, 1, 2]]);
    assert.deepEqual(shardForRoles([]), []);
  });
});

describe("infra: a CircuitBreaker used alone (no stack-level schedules)", function () {
  this.timeout(180_000);
  const ENTRY_ALONE = path.join(__dirname, "..", "fixtures", "standalone-breaker-program.ts");

  it("gives a breaker with a health probe its own schedule group and role, the trust on that group", async () => {
    const r = await runProgramUnderMocks({ entry: ENTRY_ALONE, useStackFile: false });
    assert.equal(r.error, undefined, r.errors.join("\n"));
    const [group] = r.resources.filter((x) => x.type === T.scheduleGroup);
    assert.equal(group.inputs.name, "circuit-breaker-dev-orders-health-probes");
    // Under the breaker's own HealthProbeSchedules, itself under the breaker.
    const probes = r.resources.find((x) => x.urn === group.parent)!;
    assert.equal(probes.type, T.healthProbeSchedules);
    assert.equal(r.resources.find((x) => x.urn === probes.parent)!.type, T.breaker);
    const schedule = r.resources.find((x) => x.type === T.schedule)!;
    assert.equal(schedule.inputs.groupName, group.state.name);
    const role = r.resources.find((x) => x.type === T.role && x.state.arn === schedule.inputs.target.roleArn)!;
    assert.equal(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Condition.ArnEquals["aws:SourceArn"], group.state.arn);
    const policy = r.resources.find((x) => x.type === T.rolePolicy && x.inputs.role === role.id)!;
    assert.deepEqual(JSON.parse(policy.inputs.policy).Statement[0].Resource, [r.outputs.stateMachineArn]);
  });

  it("refuses schedules that do not list the breaker, naming the ones they do", async () => {
    const r = await runProgramUnderMocks({ entry: ENTRY_ALONE, useStackFile: false, config: { unlisted: true } });
    assert.match(
      String(r.error),
      /breaker "orders" has a health probe but its HealthProbeSchedules does not list it; allowed: one of payments \(add it to breakerNames\)/,
    );
  });
});
