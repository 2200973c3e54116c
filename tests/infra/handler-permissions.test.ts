// function-permissions.ts against the handlers' real code: each handler is bundled (local code only, tree-
// shaken, so code a handler cannot reach is left out) and scanned for the AWS SDK commands it can send.
// A handler that starts sending a new command without a matching grant fails here.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as esbuild from "esbuild";
import { HANDLERS_DIR, REPO_ROOT } from "../../components/bundle";
import { HANDLER_NAMES, HANDLER_NEEDS, handlerActions, HandlerName, SDK_COMMAND_ACTIONS, STORE_ACTIONS } from "../../core/handler-manifest";

/** The AWS SDK command classes a handler's reachable code references (packages external, not minified). */
export function sdkCommandsOf(handler: string): string[] {
  const out = esbuild.buildSync({
    entryPoints: [`${HANDLERS_DIR}/${handler}.ts`],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: "node",
    format: "cjs",
    packages: "external",
    treeShaking: true,
    minify: false,
    write: false,
    logLevel: "silent",
  });
  const code = out.outputFiles[0].text;
  // esbuild refers to an external module's exports through its namespace: `new import_lib_dynamodb.GetCommand(`.
  return [...new Set([...code.matchAll(/\bimport_[A-Za-z0-9_$]+\.([A-Za-z0-9]+Command)\b/g)].map((m) => m[1]))].sort();
}

describe("infra: Lambda permissions match the SDK commands each handler sends", function () {
  this.timeout(120_000);
  const commands = new Map<HandlerName, string[]>();
  before(() => {
    for (const h of HANDLER_NAMES) commands.set(h, sdkCommandsOf(h));
  });

  it("function-permissions.ts lists exactly the handlers in functions/handlers/", () => {
    const files = fs
      .readdirSync(path.join(REPO_ROOT, HANDLERS_DIR))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => f.slice(0, -3));
    assert.deepEqual([...files].sort(), [...HANDLER_NAMES].sort());
  });

  it("the scan sees commands (the store handlers send DynamoDB and Secrets Manager commands)", () => {
    assert.ok(commands.get("record-outcome")!.includes("GetCommand"), `record-outcome: ${commands.get("record-outcome")}`);
    assert.ok(commands.get("record-outcome")!.includes("GetSecretValueCommand"));
    // No handler invokes a target any more: only the state machines do (the health probe is a branch of the definition).
    for (const h of HANDLER_NAMES) assert.ok(!commands.get(h)!.includes("InvokeCommand"), `${h} sends InvokeCommand`);
    assert.ok(commands.get("acquire-probe")!.includes("GetParameterCommand"));
  });

  for (const h of HANDLER_NAMES) {
    it(`${h}: every command it can send is granted, and nothing else is`, () => {
      const sent = commands.get(h)!;
      const unmapped = sent.filter((c) => !(c in SDK_COMMAND_ACTIONS));
      assert.deepEqual(unmapped, [], `${h} sends commands function-permissions.ts does not map to an IAM action`);
      const needed = [...new Set(sent.map((c) => SDK_COMMAND_ACTIONS[c]))].sort();
      // A store handler's bundle holds both stores' code; each stack grants only its own store's actions.
      const all = { settingsParameter: true };
      const granted = [...new Set([...handlerActions(h, "dynamodb", all), ...handlerActions(h, "elasticache", all)])].sort();
      assert.deepEqual(
        needed,
        granted,
        `${h}: actions its code needs vs. actions granted across both store kinds (with a settings parameter)`,
      );
    });
  }

  it("store actions are split by store kind; SSM only with a settings parameter", () => {
    assert.ok(STORE_ACTIONS.dynamodb.every((a) => a.startsWith("dynamodb:")));
    assert.ok(STORE_ACTIONS.elasticache.every((a) => a.startsWith("secretsmanager:")));
    for (const h of HANDLER_NAMES) {
      assert.equal(
        handlerActions(h, "dynamodb").some((a) => a.startsWith("secretsmanager:")),
        false,
      );
      assert.equal(
        handlerActions(h, "elasticache").some((a) => a.startsWith("dynamodb:")),
        false,
      );
      assert.equal(handlerActions(h, "dynamodb").includes("lambda:InvokeFunction"), false);
      assert.equal(handlerActions(h, "dynamodb").includes("ssm:GetParameter"), false, "no settings parameter, no SSM grant");
      assert.equal(
        handlerActions(h, "dynamodb", { settingsParameter: true }).includes("ssm:GetParameter"),
        HANDLER_NEEDS[h].settingsParameter,
      );
    }
  });
});
