// Every physical name fits AWS: the mocks apply Pulumi's autonaming (name + "-" + 7 characters) and refuse a
// name over its AWS limit (tests/support/aws-mocks.ts NAME_LIMITS); the stack here uses the longest breaker names
// the schema allows in the longest project and stack Pulumi allows, with every optional resource that carries a
// breaker's name. Each template of core/schema/names.ts DERIVED_NAMES must match a name the program built.
import { strict as assert } from "node:assert";
import { DERIVED_NAMES, derivedNameLength, MAX_BREAKER_NAME_LENGTH, MAX_PROJECT_OR_STACK_LENGTH } from "../../core/schema/names";
import { NAME_LIMITS } from "../support/aws-mocks";
import { MockRunResult, runProgramUnderMocks } from "../support/run-under-mocks";
import { KMS_KEY_ARN, USER_TARGET_ARN } from "./scenarios";

const NS = "circuit-breaker";
const longest = (c: string) => c.repeat(MAX_BREAKER_NAME_LENGTH);
const PROJECT = "p".repeat(MAX_PROJECT_OR_STACK_LENGTH);
const STACK = "s".repeat(MAX_PROJECT_OR_STACK_LENGTH);
/** A breaker's own alarm topic and schedule group are built only by a CircuitBreaker given none (index.ts gives the stack's). */
const NOT_IN_THE_STACK = ["SNS topic (the breaker's own alarm topic)", "Scheduler schedule group (the breaker's own)"];

function config(a: string, b: string) {
  return {
    "aws:region": "us-east-1",
    [`${NS}:stateStore`]: "dynamodb",
    [`${NS}:dynamodb`]: { deletionProtection: true, kmsKeyArn: KMS_KEY_ARN },
    [`${NS}:alarmEmail`]: "oncall@example.com",
    [`${NS}:breakers`]: [
      {
        name: a,
        targetArn: USER_TARGET_ARN,
        healthProbe: { enabled: true, schedule: "rate(5 minutes)" },
        settingsParameter: { enabled: true, refreshSeconds: 30 },
        settings: { maxConcurrentCalls: 5 },
      },
      { name: b, demoDownstream: { failureRate: 0.2, latencyMs: 100 }, healthProbe: { enabled: true } },
    ],
  };
}

const physicalNames = (r: MockRunResult) =>
  r.resources
    .filter((x) => x.custom && NAME_LIMITS[x.type] !== undefined)
    .map((x) => ({ type: x.type, name: String(x.state.name ?? x.state.dashboardName ?? x.id ?? "") }));

/** A DERIVED_NAMES template as a regular expression for breaker `b` in this project and stack. */
function templatePattern(template: string, b: string, autonamed: boolean): RegExp {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const body = esc(template)
    .replace("cb01234567", "cb[0-9a-f]{8}")
    .replace("<b>", esc(b))
    .replace("<p>", esc(PROJECT))
    .replace("<s>", esc(STACK));
  return new RegExp(`^${body}${autonamed ? "-[0-9a-f]{7}" : ""}$`);
}

describe("infra: physical names within AWS limits (autonaming included)", function () {
  this.timeout(180_000);

  it(`builds the stack with ${MAX_BREAKER_NAME_LENGTH}-character breaker names in a ${MAX_PROJECT_OR_STACK_LENGTH}-character project and stack, every name within its limit`, async () => {
    const a = longest("a");
    const r = await runProgramUnderMocks({ project: PROJECT, stack: STACK, useStackFile: false, config: config(a, longest("b")) });
    assert.equal(r.error, undefined, r.errors.join("\n"));
    const names = physicalNames(r);
    for (const n of names)
      assert.ok(n.name.length <= NAME_LIMITS[n.type], `${n.type} ${n.name} is ${n.name.length} > ${NAME_LIMITS[n.type]}`);
    assert.ok(names.length > 20, `checked ${names.length} names`);

    // The table the rule is computed from describes the names actually built, at their computed lengths.
    for (const d of DERIVED_NAMES) {
      const built = names.filter((n) => templatePattern(d.template, a, d.autonamed).test(n.name));
      if (NOT_IN_THE_STACK.includes(d.resource)) {
        assert.equal(built.length, 0, d.resource);
        continue;
      }
      assert.ok(built.length > 0, `${d.resource}: no built name matches ${d.template}`);
      for (const n of built) assert.equal(n.name.length, derivedNameLength(d, a.length), `${d.resource}: ${n.name}`);
    }
    // The binding name (the longest alarm) is exactly at its limit.
    const alarm = names.find((n) => n.name === `${PROJECT}-${STACK}-${a}-executions-timed-out`);
    assert.equal(alarm?.name.length, NAME_LIMITS["aws:cloudwatch/metricAlarm:MetricAlarm"]);
  });

  it("refuses a breaker name one character longer, at the config, before any resource", async () => {
    const r = await runProgramUnderMocks({ stack: "qa", useStackFile: false, config: config(longest("a") + "a", "b") });
    assert.match(
      r.errors.join("\n"),
      new RegExp(`breakers\\[0\\]\\.name is "a{${MAX_BREAKER_NAME_LENGTH + 1}}"; allowed: a breaker name: 1 to ${MAX_BREAKER_NAME_LENGTH}`),
    );
    assert.equal(r.resources.filter((x) => x.custom).length, 0);
  });

  it("refuses a project name longer than the names are sized for, before any resource", async () => {
    const r = await runProgramUnderMocks({ project: PROJECT + "p", stack: "qa", useStackFile: false, config: config("a", "b") });
    assert.match(r.errors.join("\n"), /the Pulumi project name is "p{101}" \(101 characters\); allowed: 1 to 100 letters/);
    assert.equal(r.resources.filter((x) => x.custom).length, 0);
  });
});
