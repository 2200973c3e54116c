// The pack as a whole: metadata every policy must carry, the list index.ts serves, the type tokens, the
// per-environment config files, and code defaults that match the schema defaults.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import * as dynamodb from "../../policy/dynamodb";
import * as elasticache from "../../policy/elasticache";
import * as iam from "../../policy/iam";
import * as lambda from "../../policy/lambda";
import { PACK_NAME, policies } from "../../policy/policies";
import * as stack from "../../policy/stack";
import * as stepfunctions from "../../policy/stepfunctions";
import { T } from "../../policy/util/types";
import { PolicyConfigError, PolicyEngine, readPackConfig } from "../support/policy-engine";

const POLICY_DIR = path.join(__dirname, "..", "..", "policy");

describe("policy pack circuit-breaker-guard", () => {
  it("every policy has a unique kebab-case name, a 'Checks whether' description, a level, severity, remediation and a schema with defaults", () => {
    const names = policies.map((p) => p.name);
    assert.equal(new Set(names).size, names.length, "names are unique");
    for (const p of policies) {
      assert.match(p.name, /^[a-z0-9]+(-[a-z0-9]+)*$/, p.name);
      assert.notEqual(p.name, "all");
      assert.match(p.description, /^Checks whether /, p.name);
      assert.ok(p.enforcementLevel && ["advisory", "mandatory"].includes(p.enforcementLevel), p.name);
      assert.ok(p.severity, p.name);
      assert.ok((p.remediationSteps ?? "").length > 20, p.name);
      const props = p.configSchema?.properties ?? {};
      assert.ok(Object.keys(props).length > 0, `${p.name} has config knobs`);
      assert.ok(!("enforcementLevel" in props), p.name);
      for (const [k, s] of Object.entries(props))
        assert.notEqual((s as PolicyConfigJSONSchema).default, undefined, `${p.name}.${k} has a default`);
    }
  });

  it("serves every policy the area files export, and index.ts only constructs the pack from that list", () => {
    const exported = [iam, dynamodb, elasticache, stepfunctions, lambda, stack].flatMap((m) =>
      Object.values(m).filter((v): v is { name: string } => typeof v === "object" && v !== null && "description" in v && "name" in v),
    );
    assert.deepEqual(new Set(exported), new Set(policies));
    const index = fs.readFileSync(path.join(POLICY_DIR, "index.ts"), "utf8");
    assert.equal(index.match(/new PolicyPack\(/g)?.length, 1);
    assert.match(index, /import \{ PACK_NAME, policies \} from "\.\/policies"/);
    assert.equal(PACK_NAME, "circuit-breaker-guard");
  });

  it("every policy has its own describe block in tests/policy", () => {
    const dir = path.join(__dirname);
    const text = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith(".test.ts"))
      .map((f) => fs.readFileSync(path.join(dir, f), "utf8"))
      .join("\n");
    for (const p of policies) assert.ok(text.includes(`describe("policy ${p.name}"`), p.name);
  });

  it("package.json carries name, version and the pinned SDKs; PulumiPolicy.yaml says runtime nodejs", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8"));
    assert.equal(pkg.name, PACK_NAME);
    assert.match(pkg.version, /^\d+\.\d+\.\d+$/);
    assert.deepEqual(pkg.dependencies, { "@pulumi/aws": "7.48.0", "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.248.0" });
    const yaml = fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8");
    assert.match(yaml, /^runtime: nodejs$/m);
    assert.match(yaml, /^description: \S/m);
  });

  it("uses the type tokens of @pulumi/aws 7", () => {
    const aws = require("@pulumi/aws");
    const classes: Record<keyof typeof T, { __pulumiType: string }> = {
      role: aws.iam.Role,
      rolePolicy: aws.iam.RolePolicy,
      policy: aws.iam.Policy,
      userPolicy: aws.iam.UserPolicy,
      groupPolicy: aws.iam.GroupPolicy,
      rolePolicyAttachment: aws.iam.RolePolicyAttachment,
      policyAttachment: aws.iam.PolicyAttachment,
      userPolicyAttachment: aws.iam.UserPolicyAttachment,
      groupPolicyAttachment: aws.iam.GroupPolicyAttachment,
      rolePolicyAttachmentsExclusive: aws.iam.RolePolicyAttachmentsExclusive,
      table: aws.dynamodb.Table,
      replicationGroup: aws.elasticache.ReplicationGroup,
      serverlessCache: aws.elasticache.ServerlessCache,
      cacheCluster: aws.elasticache.Cluster,
      tableReplica: aws.dynamodb.TableReplica,
      schedule: aws.scheduler.Schedule,
      stateMachine: aws.sfn.StateMachine,
      lambdaFunction: aws.lambda.Function,
      metricAlarm: aws.cloudwatch.MetricAlarm,
    };
    for (const [key, cls] of Object.entries(classes)) assert.equal(T[key as keyof typeof T], cls.__pulumiType, key);
  });

  describe("config files", () => {
    const dev = readPackConfig(path.join(POLICY_DIR, "config.dev.json"));
    const prod = readPackConfig(path.join(POLICY_DIR, "config.prod.json"));

    it("both are valid for the pack", () => {
      new PolicyEngine(policies, { config: dev });
      new PolicyEngine(policies, { config: prod });
    });

    it("prod makes every policy mandatory; dev keeps the security rules mandatory", () => {
      const d = new PolicyEngine(policies, { config: dev });
      const p = new PolicyEngine(policies, { config: prod });
      for (const policy of policies) assert.equal(p.levelOf(policy.name), "mandatory", policy.name);
      for (const name of [
        "iam-no-wildcard-actions",
        "iam-no-wildcard-resources",
        "dynamodb-breaker-table-ttl",
        "sfn-breaker-logging",
        "breaker-role-invoke-scope",
      ]) {
        assert.equal(d.levelOf(name), "mandatory", name);
      }
      assert.equal(d.levelOf("dynamodb-breaker-table-pitr"), "advisory");
    });
  });

  describe("the engine mirror", () => {
    it("resolves levels: policy entry > all > the policy's default", () => {
      const e = new PolicyEngine(policies, {
        config: { all: "advisory", "iam-no-wildcard-actions": "disabled", "sfn-breaker-logging": { allowedLevels: ["ALL"] } },
      });
      assert.equal(e.levelOf("iam-no-wildcard-actions"), "disabled");
      assert.equal(e.levelOf("sfn-breaker-logging"), "advisory");
      assert.equal(new PolicyEngine(policies).levelOf("lambda-runtime-supported"), "advisory");
      assert.equal(new PolicyEngine(policies).levelOf("iam-no-wildcard-actions"), "mandatory");
    });

    it("rejects config for an unknown policy, an unknown knob, a wrong type or value", () => {
      const bad: [Record<string, unknown>, RegExp][] = [
        [{ "iam-no-wildcards": "mandatory" }, /config names policy "iam-no-wildcards", which is not in the pack/],
        [{ "sfn-breaker-logging": { levels: ["ALL"] } }, /sfn-breaker-logging has no config property "levels"/],
        [{ "sfn-breaker-logging": { allowedLevels: "ALL" } }, /sfn-breaker-logging\.allowedLevels must be of type array/],
        [{ "sfn-breaker-logging": { allowedLevels: ["DEBUG"] } }, /allowedLevels\[0\] must be one of "ALL", "ERROR", "FATAL", "OFF"/],
        [{ "sfn-breaker-logging": "strict" }, /enforcementLevel must be one of advisory, mandatory, remediate, disabled/],
        [{ all: "loud" }, /config "all" must be one of/],
      ];
      for (const [config, re] of bad)
        assert.throws(
          () => new PolicyEngine(policies, { config: config as never }),
          (e: Error) => e instanceof PolicyConfigError && re.test(e.message),
        );
    });

    it("reads config files with a clear error when missing or not JSON", () => {
      assert.throws(() => readPackConfig("/nonexistent/config.json"), /cannot read policy config \/nonexistent\/config\.json/);
      const file = path.join(fs.mkdtempSync(path.join(require("node:os").tmpdir(), "cbg-")), "bad.json");
      fs.writeFileSync(file, "{ nope");
      assert.throws(() => readPackConfig(file), /is not valid JSON/);
    });
  });
});
