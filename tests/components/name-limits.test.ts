// Every physical name fits AWS: the mocks apply Pulumi's autonaming (name + "-" + 7 characters) and refuse a
// name over its AWS limit (tests/support/aws-mocks.ts NAME_LIMITS); the stack here uses the longest breaker names
// the schema allows, with every optional resource that carries a breaker's name.
import { strict as assert } from "node:assert";
import { MAX_BREAKER_NAME_LENGTH } from "../../core/schema/names";
import { NAME_LIMITS } from "../support/aws-mocks";
import { runProgramUnderMocks } from "../support/run-under-mocks";
import { KMS_KEY_ARN, USER_TARGET_ARN } from "./scenarios";

const longest = (c: string) => c.repeat(MAX_BREAKER_NAME_LENGTH);

function config(a: string, b: string) {
  return {
    "aws:region": "us-east-1",
    stateStore: "dynamodb",
    dynamodb: { deletionProtection: true, kmsKeyArn: KMS_KEY_ARN },
    alarmEmail: "oncall@example.com",
    breakers: [
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

describe("infra: physical names within AWS limits (autonaming included)", function () {
  this.timeout(180_000);

  it(`builds the stack with ${MAX_BREAKER_NAME_LENGTH}-character breaker names, every name within its limit`, async () => {
    const r = await runProgramUnderMocks({ stack: "qa", useStackFile: false, config: config(longest("a"), longest("b")) });
    assert.equal(r.error, undefined, r.errors.join("\n"));
    let checked = 0;
    for (const res of r.resources) {
      const limit = NAME_LIMITS[res.type];
      if (limit === undefined || !res.custom) continue;
      const n = String(res.state.name ?? res.state.dashboardName ?? res.id ?? "");
      assert.ok(n.length <= limit, `${res.type} ${n} is ${n.length} > ${limit}`);
      checked++;
    }
    assert.ok(checked > 20, `checked ${checked} names`);
    assert.ok(
      r.resources.some((x) => x.type === "aws:scheduler/schedule:Schedule"),
      "the health-probe schedule is built",
    );
  });

  it("refuses a breaker name one character longer, at the config, before any resource", async () => {
    const r = await runProgramUnderMocks({ stack: "qa", useStackFile: false, config: config(longest("a") + "a", "b") });
    assert.match(r.errors.join("\n"), /breakers\[0\]\.name is "a{28}"; allowed: a breaker name: 1 to 27/);
  });
});
