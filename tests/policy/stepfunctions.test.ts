import { strict as assert } from "node:assert";
import { sfnBreakerExpress, sfnBreakerLogging, sfnBreakerNoExecutionData } from "../../policy/stepfunctions";
import { T } from "../../policy/util/types";
import { checkResource, UNKNOWN } from "./harness";

const LOGS = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/vendedlogs/states/cb-dev-payments:*";

function machine(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: "EXPRESS",
    roleArn: "arn:aws:iam::123456789012:role/cb-sfn",
    definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
    loggingConfiguration: { level: "ERROR", includeExecutionData: false, logDestination: LOGS },
    tags: { breaker: "payments" },
    ...overrides,
  };
}

describe("policy sfn-breaker-express", () => {
  const p = sfnBreakerExpress;

  it("passes an EXPRESS breaker machine", async () => {
    assert.deepEqual((await checkResource(p, T.stateMachine, machine())).violations, []);
  });

  it("reports STANDARD, also when type is left to its default", async () => {
    const msg = ['Breaker "payments" runs as a STANDARD workflow; it must be EXPRESS (synchronous, per-call pricing).'];
    assert.deepEqual((await checkResource(p, T.stateMachine, machine({ type: "STANDARD" }))).violations, msg);
    assert.deepEqual((await checkResource(p, T.stateMachine, machine({ type: undefined }))).violations, msg);
  });

  it("does not apply to machines without the breaker tag", async () => {
    const out = await checkResource(p, T.stateMachine, machine({ type: "STANDARD", tags: { team: "x" } }));
    assert.deepEqual(out.violations, []);
    assert.deepEqual(out.notApplicable, ["State machine has no breaker tag"]);
  });
});

describe("policy sfn-breaker-logging", () => {
  const p = sfnBreakerLogging;

  it("passes ERROR and ALL with a destination", async () => {
    for (const level of ["ERROR", "ALL"]) {
      const props = machine({ loggingConfiguration: { level, includeExecutionData: false, logDestination: LOGS } });
      assert.deepEqual((await checkResource(p, T.stateMachine, props)).violations, [], level);
    }
  });

  it("reports logging OFF or missing", async () => {
    const msg = ['Breaker "payments" logs at level OFF; the level must be one of ALL, ERROR.'];
    assert.deepEqual((await checkResource(p, T.stateMachine, machine({ loggingConfiguration: { level: "OFF" } }))).violations, msg);
    assert.deepEqual((await checkResource(p, T.stateMachine, machine({ loggingConfiguration: undefined }))).violations, msg);
  });

  it("reports a level without a destination", async () => {
    const out = await checkResource(p, T.stateMachine, machine({ loggingConfiguration: { level: "ERROR" } }));
    assert.deepEqual(out.violations, [
      'Breaker "payments" logs at level ERROR but has no logDestination (a CloudWatch log group ARN ending in ":*").',
    ]);
  });

  it("reports FATAL by default: it does not record failed calls", async () => {
    const out = await checkResource(p, T.stateMachine, machine({ loggingConfiguration: { level: "FATAL", logDestination: LOGS } }));
    assert.deepEqual(out.violations, ['Breaker "payments" logs at level FATAL; the level must be one of ALL, ERROR.']);
  });

  it("takes the accepted levels from config", async () => {
    const fatal = machine({ loggingConfiguration: { level: "FATAL", logDestination: LOGS } });
    assert.deepEqual(
      (await checkResource(p, T.stateMachine, fatal, { config: { allowedLevels: ["ALL", "ERROR", "FATAL"] } })).violations,
      [],
    );
    const out = await checkResource(p, T.stateMachine, machine({ loggingConfiguration: { level: "ALL", logDestination: LOGS } }), {
      config: { allowedLevels: ["ERROR"] },
    });
    assert.deepEqual(out.violations, ['Breaker "payments" logs at level ALL; the level must be one of ERROR.']);
  });

  it("accepts a destination unknown at preview: it is there, its ARN comes later", async () => {
    const out = await checkResource(
      p,
      T.stateMachine,
      machine({ loggingConfiguration: { level: "ERROR", logDestination: UNKNOWN.string } }),
    );
    assert.deepEqual(out.violations, []);
    assert.deepEqual(out.skipped, []);
  });
});

describe("policy sfn-breaker-no-execution-data", () => {
  const p = sfnBreakerNoExecutionData;
  const withData = machine({ loggingConfiguration: { level: "ALL", includeExecutionData: true, logDestination: LOGS } });

  it("passes includeExecutionData false", async () => {
    assert.deepEqual((await checkResource(p, T.stateMachine, machine())).violations, []);
  });

  it("reports includeExecutionData true", async () => {
    const out = await checkResource(p, T.stateMachine, withData);
    assert.deepEqual(out.violations, [
      'Breaker "payments" logs execution data (request and response payloads); includeExecutionData must be false.',
    ]);
  });

  it("allows it when config says so", async () => {
    assert.deepEqual((await checkResource(p, T.stateMachine, withData, { config: { allowExecutionData: true } })).violations, []);
  });
});
