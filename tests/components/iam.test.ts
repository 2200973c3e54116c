// Least privilege, checked on every IAM document the program registers under mocks:
// - no "*" action and no "svc:*"; "Resource": "*" only for the wildcard-only actions, and only where needed;
// - every other resource is one of this stack's own ARNs (or the configured target / user fallback), or the
//   pattern of the stack's own settings parameters (parameter/<project>/<stack>/*/settings);
// - trust policies: one service principal, the aws:SourceAccount condition; no role shared;
// - the state machine role = requiredPermissions(its definition) (+ log delivery, + X-Ray when tracing);
// - each Lambda role = exactly what its handler needs (function-permissions.ts), on the right ARNs.

import { strict as assert } from "node:assert";
import { handlerActions, HandlerName, LOG_ACTIONS, StoreService } from "../../core/handler-manifest";
import { isWildcardOnlyAction, wildcardActionsFor, WILDCARD_ONLY_ACTIONS } from "../../components/iam-wildcard-actions";
import { AslDefinition, requiredPermissions, RESOURCES } from "../../core/state-machine-definition";
import { HANDLER_TAG } from "../../components/tags";
import { checkRolePolicySize, policyJson, ROLE_INLINE_POLICY_MAX_CHARS, scopedStatement } from "../../components/iam";
import { globMatch, stackParameterPath } from "../../policy/util/policy-document";
import { MOCK_ACCOUNT_ID, MOCK_REGION, MockRunResult, RecordedResource, runProgramUnderMocks } from "../support/run-under-mocks";
import { MAX_BREAKER_NAME_LENGTH } from "../../core/schema/names";
import { ALL_SCENARIOS, byName, byUrn, ofType, useScenarios, SCENARIOS, ScenarioName, T, USER_FALLBACK_ARN } from "./scenarios";

interface Stmt {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}
const list = (x: string | string[]) => (Array.isArray(x) ? x : [x]);
const parse = (doc: unknown): { Version: string; Statement: Stmt[] } =>
  (typeof doc === "string" ? JSON.parse(doc) : doc) as { Version: string; Statement: Stmt[] };

/** "action resource" pairs a policy grants. */
function grants(policy: RecordedResource): Set<string> {
  const out = new Set<string>();
  for (const s of parse(policy.inputs.policy).Statement)
    for (const a of list(s.Action)) for (const r of list(s.Resource)) out.add(`${a} ${r}`);
  return out;
}
const pairs = (actions: readonly string[], resources: readonly string[]) => actions.flatMap((a) => resources.map((r) => `${a} ${r}`));

function policyOfRole(r: MockRunResult, role: RecordedResource): RecordedResource {
  const ps = ofType(r, T.rolePolicy).filter((p) => p.inputs.role === role.id);
  assert.equal(ps.length, 1, `role ${role.name} must have exactly one inline policy`);
  return ps[0];
}

function storeKindOf(r: MockRunResult): StoreService {
  return ofType(r, T.table).length > 0 ? "dynamodb" : "elasticache";
}

// The ARN pattern of the stack's settings parameters (parameter/<project>/<stack>/ANY/settings), from its URNs.
function settingsPatternOf(r: MockRunResult): string {
  return `arn:aws:ssm:${r.config["aws:region"] ?? MOCK_REGION}:${MOCK_ACCOUNT_ID}:parameter${stackParameterPath(r.resources[0].urn)}*/settings`;
}

/** The ARNs this stack owns or was configured with. */
function stackArns(r: MockRunResult, scenario: ScenarioName): Set<string> {
  const arns = new Set<string>();
  for (const x of r.resources) if (typeof x.state.arn === "string") arns.add(x.state.arn);
  for (const t of Object.values((r.outputs.targetArns ?? {}) as Record<string, string>)) arns.add(t);
  if (scenario === "replicationGroup") arns.add(USER_FALLBACK_ARN);
  return arns;
}

describe("infra: least-privilege IAM under Pulumi mocks", function () {
  this.timeout(300_000);
  const runs = useScenarios();

  it("the wildcard-only list gives a reason for every action and names each action once", () => {
    const names = WILDCARD_ONLY_ACTIONS.map((a) => a.action);
    assert.equal(new Set(names).size, names.length);
    for (const a of WILDCARD_ONLY_ACTIONS) {
      assert.match(a.action, /^[a-z0-9]+:[A-Za-z]+$/);
      assert.ok(a.reason.length > 40, `${a.action} needs a reason`);
    }
  });

  for (const s of ALL_SCENARIOS) {
    describe(`scenario ${s}`, () => {
      it("every policy document: no * or svc:* action; * resource only for wildcard-only actions; other resources are this stack's ARNs", () => {
        const r = runs[s];
        const own = stackArns(r, s);
        const problems: string[] = [];
        for (const p of ofType(r, T.rolePolicy)) {
          const doc = parse(p.inputs.policy);
          assert.equal(doc.Version, "2012-10-17");
          for (const st of doc.Statement) {
            if (st.Effect !== "Allow") problems.push(`${p.name}: Effect ${st.Effect}`);
            for (const a of list(st.Action)) {
              if (a.includes("*")) problems.push(`${p.name}: wildcard action ${a}`);
              if (!/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(a)) problems.push(`${p.name}: malformed action ${a}`);
            }
            for (const res of list(st.Resource)) {
              if (res === "*") {
                for (const a of list(st.Action)) if (!isWildcardOnlyAction(a)) problems.push(`${p.name}: ${a} on "*"`);
              } else {
                const base = res.endsWith(":*") ? res.slice(0, -2) : res;
                if (!own.has(base) && res !== settingsPatternOf(r)) problems.push(`${p.name}: ${res} is not one of this stack's ARNs`);
              }
            }
          }
        }
        assert.deepEqual(problems, []);
      });

      it("roles: trust exactly one service principal with aws:SourceAccount (and aws:SourceArn: the machine, or the schedules' group); no managed or extra inline policies; only schedules share one", () => {
        const r = runs[s];
        const users = new Map<string, string[]>();
        const use = (roleArn: string, who: string) => users.set(roleArn, [...(users.get(roleArn) ?? []), who]);
        for (const fn of ofType(r, T.fn)) use(fn.inputs.role, `lambda.amazonaws.com ${fn.name}`);
        const sourceArn = new Map<string, string>();
        for (const sm of ofType(r, T.stateMachine)) {
          use(sm.inputs.roleArn, `states.amazonaws.com ${sm.name}`);
          sourceArn.set(sm.inputs.roleArn, sm.state.arn);
        }
        for (const sc of ofType(r, T.schedule)) {
          use(sc.inputs.target.roleArn, `scheduler.amazonaws.com ${sc.name}`);
          // Scheduler sends the schedule's group as aws:SourceArn, never the schedule.
          const group = ofType(r, T.scheduleGroup).find((g) => g.state.name === sc.inputs.groupName)!;
          sourceArn.set(sc.inputs.target.roleArn, group.state.arn);
        }
        for (const role of ofType(r, T.role)) {
          const who = users.get(role.state.arn) ?? [];
          const services = new Set(who.map((w) => w.split(" ")[0]));
          assert.equal(services.size, 1, `role ${role.name} is used by ${who.length} principals: ${who.join(", ")}`);
          if (!services.has("scheduler.amazonaws.com")) assert.equal(who.length, 1, `role ${role.name} is used by ${who.join(", ")}`);
          const trust = parse(role.inputs.assumeRolePolicy);
          assert.equal(trust.Statement.length, 1);
          const st = trust.Statement[0];
          assert.equal(st.Effect, "Allow");
          assert.equal(st.Action, "sts:AssumeRole");
          assert.deepEqual(st.Principal, { Service: who[0].split(" ")[0] });
          // Step Functions and Scheduler roles name the one machine or schedule that assumes them.
          const source = sourceArn.get(role.state.arn);
          assert.deepEqual(st.Condition, {
            StringEquals: { "aws:SourceAccount": MOCK_ACCOUNT_ID },
            ...(source ? { ArnEquals: { "aws:SourceArn": source } } : {}),
          });
          assert.equal(role.inputs.managedPolicyArns, undefined);
          assert.equal(role.inputs.inlinePolicies, undefined);
          policyOfRole(r, role);
        }
        assert.equal(
          r.resources.filter((x) => x.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" || x.type === "aws:iam/policy:Policy")
            .length,
          0,
        );
      });

      it("the state machine role grants exactly requiredPermissions(definition), plus log delivery and X-Ray only when used", () => {
        const r = runs[s];
        const tableArn = storeKindOf(r) === "dynamodb" ? byName(r, T.table, "state-store-table").state.arn : undefined;
        for (const sm of ofType(r, T.stateMachine)) {
          const def = JSON.parse(sm.inputs.definition) as AslDefinition;
          const own = { stateMachineArn: sm.state.arn as string };
          const expected = new Set(
            requiredPermissions(def, { ...(tableArn ? { tableArn } : {}), ...own }).map((p) => `${p.action} ${p.resource}`),
          );
          assert.ok(expected.size > 0);
          // The tripping execution starts its own probe loop: that one action on the machine's own ARN, nothing else of states:.
          const startsLoop = Object.values(def.States).some((st) => st.Resource === RESOURCES.startExecution);
          assert.deepEqual(
            [...grants(policyOfRole(r, byName(r, T.role, `${sm.name}-role`)))].filter((g) => g.startsWith("states:")),
            startsLoop ? [`states:StartExecution ${sm.state.arn}`] : [],
            sm.name,
          );
          if (sm.inputs.loggingConfiguration.level !== "OFF")
            for (const g of pairs(wildcardActionsFor("state-machine-logging"), ["*"])) expected.add(g);
          if (sm.inputs.tracingConfiguration.enabled) for (const g of pairs(wildcardActionsFor("tracing"), ["*"])) expected.add(g);
          const role = byName(r, T.role, `${sm.name}-role`);
          assert.deepEqual([...grants(policyOfRole(r, role))].sort(), [...expected].sort(), sm.name);
        }
      });

      it("each Lambda role grants exactly its handler's actions: own log group, the store's ARN, every breaker's settings parameter; VPC and X-Ray only when used", () => {
        const r = runs[s];
        const kind = storeKindOf(r);
        const storeArn =
          kind === "dynamodb" ? byName(r, T.table, "state-store-table").state.arn : byName(r, T.secret, "state-store-auth-token").state.arn;
        for (const fn of ofType(r, T.fn)) {
          const handler = fn.inputs.tags[HANDLER_TAG] as HandlerName;
          const role = ofType(r, T.role).find((x) => x.state.arn === fn.inputs.role)!;
          const logGroup = byName(r, T.logGroup, `${fn.name}-logs`);
          const expected = new Set(pairs(LOG_ACTIONS, [`${logGroup.state.arn}:*`]));
          // The shared handlers read the settings parameter of whichever breaker's payload names one: the stack's own
          // settings path, one pattern that every parameter of the stack matches and nothing outside its path does.
          const parameters = ofType(r, T.ssmParameter);
          const pattern = settingsPatternOf(r);
          for (const p of parameters) assert.ok(globMatch(pattern, p.state.arn as string), `${pattern} covers ${p.state.arn}`);
          for (const a of handlerActions(handler, kind, { settingsParameter: parameters.length > 0 })) {
            if (a === "ssm:GetParameter") expected.add(`${a} ${pattern}`);
            else expected.add(`${a} ${storeArn}`);
          }
          if (fn.inputs.vpcConfig) for (const g of pairs(wildcardActionsFor("lambda-vpc"), ["*"])) expected.add(g);
          if (fn.inputs.tracingConfig.mode === "Active")
            for (const g of pairs(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])) expected.add(g);
          assert.deepEqual([...grants(policyOfRole(r, role))].sort(), [...expected].sort(), fn.name);
        }
      });

      it("the health-probe schedules' role may start exactly the state machines of the breakers whose schedules run as it", () => {
        const r = runs[s];
        const started = new Map<string, string[]>();
        for (const sc of ofType(r, T.schedule)) {
          const machine = ofType(r, T.stateMachine).find((m) => m.parent === sc.parent)!;
          assert.equal(sc.inputs.target.arn, machine.state.arn);
          started.set(sc.inputs.target.roleArn, [
            ...(started.get(sc.inputs.target.roleArn) ?? []),
            `states:StartExecution ${machine.state.arn}`,
          ]);
        }
        assert.equal(started.size, ofType(r, T.schedule).length > 0 ? 1 : 0, "one schedules role per stack");
        for (const [roleArn, expected] of started) {
          const role = ofType(r, T.role).find((x) => x.state.arn === roleArn)!;
          assert.deepEqual([...grants(policyOfRole(r, role))].sort(), expected.sort(), role.name);
        }
      });

      it("only the stack's state machines may invoke the handler plane, and only a breaker's own machine may invoke its target", () => {
        const r = runs[s];
        const planeArns = new Set(
          ofType(r, T.fn)
            .filter((f) => f.inputs.tags[HANDLER_TAG] !== "demo-downstream")
            .map((f) => f.state.arn),
        );
        const machineRoles = new Set(ofType(r, T.stateMachine).map((m) => m.inputs.roleArn));
        const targets = r.outputs.targetArns as Record<string, string>;
        for (const role of ofType(r, T.role)) {
          const invoked = [...grants(policyOfRole(r, role))]
            .filter((g) => g.startsWith("lambda:InvokeFunction "))
            .map((g) => g.split(" ")[1]);
          if (!machineRoles.has(role.state.arn)) {
            assert.deepEqual(invoked, [], `${role.name} is not a state machine role and must invoke nothing`);
            continue;
          }
          const machine = ofType(r, T.stateMachine).find((m) => m.inputs.roleArn === role.state.arn)!;
          const breaker = byUrn(r, machine.parent)!.name;
          for (const arn of invoked) {
            assert.ok(
              planeArns.has(arn) || arn === targets[breaker] || JSON.stringify(SCENARIOS[s].config).includes(arn),
              `${role.name} may invoke ${arn}`,
            );
            if (Object.values(targets).includes(arn)) assert.equal(arn, targets[breaker], `${role.name} invokes another breaker's target`);
          }
        }
        // No resource policy widens who may invoke the functions.
        assert.equal(ofType(r, "aws:lambda/permission:Permission").length, 0);
      });
    });
  }

  it("dynamodb:UpdateItem on the table only for a rate-rule breaker on DynamoDB (its direct success count), never GetItem's neighbours", () => {
    const r = runs.dynamodbFull;
    const table = byName(r, T.table, "state-store-table").state.arn;
    const grantsOf = (breaker: string) => {
      const sm = ofType(r, T.stateMachine).find((m) => m.name.startsWith(`${breaker}-`) || m.name === breaker)!;
      return grants(policyOfRole(r, byName(r, T.role, `${sm.name}-role`)));
    };
    // orders: tripRule rate; inventory: the default consecutive rule.
    assert.ok(grantsOf("orders").has(`dynamodb:UpdateItem ${table}`));
    assert.ok(!grantsOf("inventory").has(`dynamodb:UpdateItem ${table}`));
    for (const b of ["orders", "inventory"]) {
      const ddb = [...grantsOf(b)].filter((g) => g.startsWith("dynamodb:")).map((g) => g.split(" ")[0]);
      assert.deepEqual(ddb.sort(), b === "orders" ? ["dynamodb:GetItem", "dynamodb:UpdateItem"] : ["dynamodb:GetItem"], b);
    }
  });

  it("scenarios cover: both store kinds, VPC functions, tracing on and off, logging OFF, a user fallback", () => {
    const fns = ALL_SCENARIOS.flatMap((s) => ofType(runs[s], T.fn));
    assert.ok(fns.some((f) => f.inputs.vpcConfig) && fns.some((f) => !f.inputs.vpcConfig));
    assert.ok(fns.some((f) => f.inputs.tracingConfig.mode === "Active") && fns.some((f) => f.inputs.tracingConfig.mode !== "Active"));
    const sms = ALL_SCENARIOS.flatMap((s) => ofType(runs[s], T.stateMachine));
    assert.ok(sms.some((m) => m.inputs.loggingConfiguration.level === "OFF"));
    assert.ok(JSON.stringify(SCENARIOS.replicationGroup.config).includes(USER_FALLBACK_ARN));
    assert.ok(
      sms.some((m) => m.inputs.definition.includes(USER_FALLBACK_ARN)),
      "the user fallback is invoked by the definition",
    );
  });
});

describe("infra: a role's inline policy within IAM's 10,240 characters", function () {
  this.timeout(300_000);

  it("the handler plane's policies do not grow with the breakers: 1 and 40 breakers with settings parameters and the longest names", async () => {
    const breaker = (i: number) => ({
      name: `${String(i).padStart(2, "0")}${"n".repeat(MAX_BREAKER_NAME_LENGTH - 2)}`,
      targetArn: `arn:aws:lambda:us-east-1:${MOCK_ACCOUNT_ID}:function:target`,
      healthProbe: { enabled: true },
      settingsParameter: { enabled: true },
      settings: { maxConcurrentCalls: 5 },
    });
    const run = (n: number) =>
      runProgramUnderMocks({ stack: "dev", config: { breakers: Array.from({ length: n }, (_, i) => breaker(i)) } });
    const [one, many] = [await run(1), await run(40)];
    for (const r of [one, many]) assert.equal(r.error, undefined, r.errors.join("\n"));
    const planePolicies = (r: MockRunResult) =>
      Object.fromEntries(
        ofType(r, T.rolePolicy)
          .filter((p) => p.name.startsWith("handlers-"))
          .map((p) => [p.name, p.inputs.policy]),
      );
    assert.ok(Object.keys(planePolicies(one)).length >= 4);
    assert.deepEqual(planePolicies(many), planePolicies(one));
    assert.equal(ofType(many, T.ssmParameter).length, 40);
    const largest = Math.max(...ofType(many, T.rolePolicy).map((p) => String(p.inputs.policy).replace(/\s+/g, "").length));
    assert.ok(largest < ROLE_INLINE_POLICY_MAX_CHARS / 2, `largest inline policy ${largest} characters`);
  });

  it("checkRolePolicySize refuses an oversized policy, naming the role, the size, the limit and the fix", () => {
    const arns = (n: number) =>
      Array.from(
        { length: n },
        (_, i) => `arn:aws:ssm:us-east-1:123456789012:parameter/circuit-breaker/prod/${"b".repeat(25)}-${i}/settings`,
      );
    const policy = (n: number) => policyJson([scopedStatement("SettingsParameters", ["ssm:GetParameter"], arns(n))]);
    assert.doesNotThrow(() => checkRolePolicySize("handlers-record-outcome-role", policy(50)));
    assert.ok(policy(100).length > ROLE_INLINE_POLICY_MAX_CHARS);
    assert.throws(
      () => checkRolePolicySize("handlers-record-outcome-role", policy(100)),
      new RegExp(
        `^Error: IAM role handlers-record-outcome-role: its inline policy is ${policy(100).length} characters; allowed: at most 10240 \\(IAM's limit for a role's inline policies\\)\\. Fewer or shorter resources`,
      ),
    );
    // Whitespace does not count.
    assert.doesNotThrow(() => checkRolePolicySize("r", `{${" ".repeat(20_000)}}`));
  });
});
