// The project's own program, run under Pulumi mocks (the infrastructure tests' scenarios, shared per mocha
// process), checked by the whole pack with the per-environment configs; and a deliberately weakened copy
// (tests/fixtures/weakened-program.ts) that must fail with exactly the expected policies.

import { strict as assert } from "node:assert";
import * as path from "node:path";
import { policies } from "../../policy/policies";
import { checkResources, CheckResult } from "../../scripts/policy-check";
import { PackConfig, readPackConfig } from "../support/policy-engine";
import { MockRunResult, runProgramUnderMocks } from "../support/run-under-mocks";
import { KMS_KEY_ARN, runScenario, ScenarioName, SCENARIOS } from "../components/scenarios";

const ROOT = path.join(__dirname, "..", "..");
const CONFIG: Record<"dev" | "prod", PackConfig> = {
  dev: readPackConfig(path.join(ROOT, "policy", "config.dev.json")),
  prod: readPackConfig(path.join(ROOT, "policy", "config.prod.json")),
};

const names = (r: CheckResult, level: string) =>
  [...new Set(r.diagnostics.filter((d) => d.enforcementLevel === level).map((d) => d.policyName))].sort();
const lines = (r: CheckResult) => r.diagnostics.map((d) => `${d.enforcementLevel} ${d.policyName} ${d.urn}: ${d.message}`).join("\n");

/** The policies that applied to at least one resource (or, for stack policies, to the stack). */
function applied(r: CheckResult, run: MockRunResult): string[] {
  return policies
    .filter((p) => {
      const skipped = r.notApplicable.filter((n) => n.policyName === p.name);
      return "validateStack" in p ? skipped.length === 0 : skipped.length < run.resources.length;
    })
    .map((p) => p.name)
    .sort();
}

const ALL = policies.map((p) => p.name);
const DYNAMODB = ALL.filter((n) => n.startsWith("dynamodb-"));
const CACHE = [...ALL.filter((n) => n.startsWith("elasticache-")), "lambda-cache-clients-in-vpc", "lambda-cache-clients-in-vpc-by-use"];
// Rules for resources none of the scenarios has (TableReplica): they must say they did not apply.
const ABSENT = ["dynamodb-breaker-replica-pitr"];

describe("policy pack on the project's program (Pulumi mocks)", () => {
  const cases: [ScenarioName, string, "dev" | "prod", string[]][] = [
    ["dev", "DynamoDB", "dev", DYNAMODB],
    ["dev", "DynamoDB", "prod", DYNAMODB],
    ["prod", "serverless Valkey", "dev", CACHE],
    ["prod", "serverless Valkey", "prod", CACHE],
    ["replicationGroup", "Redis OSS replication group", "dev", CACHE],
    ["replicationGroup", "Redis OSS replication group", "prod", CACHE],
  ];
  for (const [scenario, store, env, storeRules] of cases) {
    it(`${scenario} (${store}) passes every mandatory policy of config.${env}.json`, async () => {
      const run = await runScenario(scenario);
      const result = await checkResources(run, CONFIG[env]);
      assert.deepEqual(names(result, "mandatory"), [], lines(result));
      // Not vacuous: every rule for this store kind, and every store-independent rule, looked at something.
      const otherStore = storeRules === DYNAMODB ? CACHE : DYNAMODB;
      assert.deepEqual(applied(result, run), ALL.filter((n) => !otherStore.includes(n) && !ABSENT.includes(n)).sort());
    });
  }

  it("where a customer-managed key is required, the table passes with one and fails without", async () => {
    const strict = { ...CONFIG.prod, "dynamodb-breaker-table-encryption": { minimumKeyType: "customer-managed" } };
    const without = await checkResources(await runScenario("dev"), strict);
    assert.deepEqual(names(without, "mandatory"), ["dynamodb-breaker-table-encryption"], lines(without));
    assert.deepEqual(
      without.diagnostics.map((d) => d.message),
      ["Server-side encryption uses an AWS-owned key; it must use a customer-managed KMS key."],
    );
    const withKey = await runProgramUnderMocks({
      ...SCENARIOS.dev,
      config: { dynamodb: { deletionProtection: false, kmsKeyArn: KMS_KEY_ARN } },
    });
    assert.equal(withKey.error, undefined, withKey.errors.join("\n"));
    const result = await checkResources(withKey, strict);
    assert.deepEqual(names(result, "mandatory"), [], lines(result));
  });

  describe("the weakened copy (tests/fixtures/weakened-program.ts)", () => {
    const entry = path.join(ROOT, "tests", "fixtures", "weakened-program.ts");
    let dev: Promise<MockRunResult>;
    let prod: Promise<MockRunResult>;
    before(() => {
      const run = (s: ScenarioName) =>
        runProgramUnderMocks({ ...SCENARIOS[s], entry }).then((r) => (r.error ? Promise.reject(new Error(r.errors.join("\n"))) : r));
      dev = run("dev");
      prod = dev.then(() => run("prod")); // one at a time: the machine is shared
    });

    it("dev (DynamoDB) fails with exactly the weakened rules", async () => {
      const result = await checkResources(await dev, CONFIG.dev);
      // Logging OFF also leaves the role's log-delivery actions without a purpose.
      assert.deepEqual(
        names(result, "mandatory"),
        [
          "breaker-role-invoke-scope",
          "dynamodb-breaker-table-ttl",
          "iam-no-wildcard-actions",
          "iam-wildcard-actions-match-purpose",
          "sfn-breaker-logging",
        ],
        lines(result),
      );
      assert.deepEqual(names(result, "advisory"), ["breaker-circuit-opened-alarm"]);
      const messages = result.diagnostics.map((d) => d.message);
      assert.ok(messages.includes('TTL is disabled; it must be enabled on attribute "expiresAt".'), lines(result));
      assert.ok(messages.includes('Breaker "demo" logs at level OFF; the level must be one of ALL, ERROR.'), lines(result));
      assert.ok(
        messages.some((m) => /^Policy statement \d+ allows every dynamodb action \("dynamodb:\*"\)\.$/.test(m)),
        lines(result),
      );
      assert.ok(
        messages.some((m) => /^The role of breaker "demo" may invoke arn:aws:lambda:[^ ]+:function:someone-elses-function /.test(m)),
        lines(result),
      );
    });

    it("prod (ElastiCache) fails with exactly the weakened rules, all mandatory", async () => {
      const result = await checkResources(await prod, CONFIG.prod);
      assert.deepEqual(
        names(result, "mandatory"),
        [
          "breaker-circuit-opened-alarm",
          "breaker-role-invoke-scope",
          "elasticache-auth-required",
          "iam-no-wildcard-actions",
          "iam-wildcard-actions-match-purpose",
          "sfn-breaker-logging",
        ],
        lines(result),
      );
      assert.deepEqual(names(result, "advisory"), []);
    });

    it("gives the same results whether the config defaults come from the schema (CLI) or from the code (getConfig() = {})", async () => {
      const run = await dev;
      const fromSchema = await checkResources(run, {}, { applySchemaDefaults: true });
      const fromCode = await checkResources(run, {}, { applySchemaDefaults: false });
      assert.ok(fromCode.diagnostics.length >= 5);
      assert.deepEqual(fromCode.diagnostics, fromSchema.diagnostics);
    });
  });
});
