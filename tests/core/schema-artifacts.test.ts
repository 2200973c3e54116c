// The files generated from the zod schemas (schema/*.json, the settings table of docs/settings.md) must match
// the schemas: a change to a rule without `npm run schemas` fails here.
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expectedFiles } from "../../scripts/generate-schemas";
import {
  AUTONAME_SUFFIX_LENGTH,
  BREAKER_NAME_PATTERN,
  DERIVED_NAMES,
  derivedNameLength,
  MAX_BREAKER_NAME_LENGTH,
} from "../../core/schema/names";
import { NUMBER_RULES, SETTING_NAMES } from "../../core/settings";
import { AWS_REGIONS } from "../../core/schema/stack-config";

const ROOT = join(__dirname, "..", "..");

describe("generated schema artifacts", () => {
  for (const [rel, text] of Object.entries(expectedFiles())) {
    it(`${rel} matches the schemas (run npm run schemas after changing a rule)`, () => {
      assert.equal(readFileSync(join(ROOT, rel), "utf8"), text);
    });
  }

  it("the settings table has one row per setting with its range", () => {
    const doc = readFileSync(join(ROOT, "docs/settings.md"), "utf8");
    for (const name of SETTING_NAMES) assert.match(doc, new RegExp(`\\| \`${name}\` \\|`), name);
    assert.match(
      doc,
      new RegExp(`\\| \`failureThreshold\` \\| integer ${NUMBER_RULES.failureThreshold.min} to ${NUMBER_RULES.failureThreshold.max} \\|`),
    );
  });

  it("the scenario JSON Schema carries the breaker-name rule and refuses unknown keys", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "schema/scenario.schema.json"), "utf8"));
    assert.equal(schema.additionalProperties, false);
    assert.equal(schema.properties.breaker.properties.name.pattern, BREAKER_NAME_PATTERN.source);
    assert.equal(schema.properties.breaker.properties.settings.additionalProperties, false);
  });

  it("the stack-config JSON Schema describes Pulumi.<stack>.yaml: our keys strictly, other namespaces freely", () => {
    const schema = JSON.parse(readFileSync(join(ROOT, "schema/stack-config.schema.json"), "utf8"));
    const config = schema.properties.config;
    assert.notEqual(config.additionalProperties, false, "aws:region and other namespaces stay allowed");
    const breaker = config.properties["circuit-breaker:breakers"].items;
    assert.equal(breaker.additionalProperties, false);
    assert.deepEqual(breaker.required, ["name"]);
    assert.equal(breaker.properties.name.pattern, BREAKER_NAME_PATTERN.source);
    assert.equal(breaker.properties.settings.additionalProperties, false);
    // The AUTH token is written encrypted ({secure: ...}), never as plain text.
    assert.deepEqual(config.properties["circuit-breaker:redisAuthToken"].required, ["secure"]);
    for (const file of ["Pulumi.dev.yaml", "Pulumi.prod.yaml"])
      assert.match(
        readFileSync(join(ROOT, file), "utf8"),
        /^# yaml-language-server: \$schema=\.\/schema\/stack-config\.schema\.json$/m,
        file,
      );
  });
});

describe("breaker-name rule", () => {
  it("is the longest length for which every derived name (autoname suffix, longest project and stack included) fits its AWS limit", () => {
    for (const d of DERIVED_NAMES) assert.ok(derivedNameLength(d, MAX_BREAKER_NAME_LENGTH) <= d.limit, d.resource);
    const binding = DERIVED_NAMES.filter((d) => derivedNameLength(d, MAX_BREAKER_NAME_LENGTH + 1) > d.limit).map((d) => d.resource);
    // One more character breaks the longest alarm name: `<p>-<s>-<b>-executions-timed-out` with 100-character
    // project and stack names is 255, CloudWatch's limit.
    assert.deepEqual(binding, ["CloudWatch alarm (longest suffix)"]);
    assert.equal(MAX_BREAKER_NAME_LENGTH, 32);
    assert.equal(AUTONAME_SUFFIX_LENGTH, "-".length + 7);
    assert.ok(BREAKER_NAME_PATTERN.test("b".repeat(MAX_BREAKER_NAME_LENGTH)));
    assert.ok(!BREAKER_NAME_PATTERN.test("b".repeat(MAX_BREAKER_NAME_LENGTH + 1)));
    for (const bad of ["constructor ", "a.b", "a:b", "-a", "", "orders#1"]) assert.ok(!BREAKER_NAME_PATTERN.test(bad), bad);
  });
});

describe("AWS region list", () => {
  it("is the Region enum of the @pulumi/aws version this project pins", () => {
    const { Region } = require("@pulumi/aws/types/enums") as { Region: Record<string, string> };
    assert.deepEqual([...AWS_REGIONS].sort(), Object.values(Region).sort());
  });
});
