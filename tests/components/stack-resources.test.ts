// The program under Pulumi mocks, for both store kinds and the dev/prod stack files: resource types and
// counts, parent/child URNs, TTL, EXPRESS, logging, encryption, networking, secrets, tags and outputs.

import { strict as assert } from "node:assert";
import { MockRunResult, RecordedResource } from "../support/run-under-mocks";
import { bundleHandler, LAMBDA_HANDLER } from "../../components/bundle";
import { HANDLER_NEEDS, HandlerName } from "../../core/handler-manifest";
import { HANDLER_TAG, ROLE_TAG, ROLES, TAG_KEYS } from "../../components/tags";
import { loadSettings } from "../../core/settings";
import { BREAKER_TABLE_KEY, TTL_ATTRIBUTE } from "../../core/store-schema";
import {
  ALL_SCENARIOS,
  AUTH_TOKEN,
  byName,
  byUrn,
  countByType,
  KMS_KEY_ARN,
  NETWORK_OUTPUTS,
  ofType,
  useScenarios,
  SCENARIOS,
  ScenarioName,
  T,
  USER_TARGET_ARN,
} from "./scenarios";

/** Expected resource counts per scenario (only the types listed; others must be absent). */
const EXPECTED_COUNTS: Record<ScenarioName, Record<string, number>> = {
  // handler plane: record-outcome, acquire-probe, report-store-error, fallback, get-status (the probe branch reads
  // through it); the demo downstream; the stack's health-probe schedule group and role; breaker demo: state machine, its role, the parameter
  dev: {
    [T.stack]: 1,
    [T.store]: 1,
    [T.handlerPlane]: 1,
    [T.demoDownstream]: 1,
    [T.breaker]: 1,
    [T.alarmTopic]: 1,
    [T.dashboard]: 1,
    [T.table]: 1,
    [T.fn]: 6,
    [T.logGroup]: 7,
    [T.role]: 8,
    [T.rolePolicy]: 8,
    [T.stateMachine]: 1,
    [T.schedule]: 1,
    [T.scheduleGroup]: 1,
    [T.healthProbeSchedules]: 1,
    [T.alarm]: 7,
    [T.topic]: 1,
    [T.cwDashboard]: 1,
    [T.ssmParameter]: 1,
  },
  // handler plane: record-outcome, acquire-probe, get-status, report-store-error, fallback, and (bulkhead on)
  // acquire-slot, release-slot; payments: state machine role, the stack's schedules role; alarms include bulkhead rejections
  prod: {
    [T.stack]: 1,
    [T.store]: 1,
    [T.handlerPlane]: 1,
    [T.breaker]: 1,
    [T.alarmTopic]: 1,
    [T.dashboard]: 1,
    [T.fn]: 7,
    [T.logGroup]: 8,
    [T.role]: 9,
    [T.rolePolicy]: 9,
    [T.stateMachine]: 1,
    [T.schedule]: 1,
    [T.scheduleGroup]: 1,
    [T.healthProbeSchedules]: 1,
    [T.alarm]: 8,
    [T.topic]: 1,
    [T.subscription]: 1,
    [T.cwDashboard]: 1,
    [T.securityGroup]: 3,
    [T.ingress]: 2,
    [T.egress]: 2,
    [T.vpcEndpoint]: 2,
    [T.secret]: 1,
    [T.secretVersion]: 1,
    [T.cacheUser]: 1,
    [T.cacheUserGroup]: 1,
    [T.serverlessCache]: 1,
    [T.ssmParameter]: 1,
  },
  // orders breaker (user fallback -> built-in fallback too, no health probe): a plane of 5 functions
  replicationGroup: {
    [T.stack]: 1,
    [T.store]: 1,
    [T.handlerPlane]: 1,
    [T.breaker]: 1,
    [T.alarmTopic]: 1,
    [T.dashboard]: 1,
    [T.stackReference]: 1,
    [T.fn]: 5,
    [T.logGroup]: 6,
    [T.role]: 6,
    [T.rolePolicy]: 6,
    [T.stateMachine]: 1,
    [T.alarm]: 6,
    [T.topic]: 1,
    [T.cwDashboard]: 1,
    [T.securityGroup]: 3,
    [T.ingress]: 2,
    [T.egress]: 2,
    [T.vpcEndpoint]: 1,
    [T.secret]: 1,
    [T.secretVersion]: 1,
    [T.subnetGroup]: 1,
    [T.replicationGroup]: 1,
  },
  // one plane of 5 functions for both breakers (get-status: orders has a health probe) and inventory's demo
  // downstream; each breaker a state machine with its role, orders a schedule (the stack's schedules role)
  dynamodbFull: {
    [T.stack]: 1,
    [T.store]: 1,
    [T.handlerPlane]: 1,
    [T.demoDownstream]: 1,
    [T.breaker]: 2,
    [T.alarmTopic]: 1,
    [T.dashboard]: 1,
    [T.table]: 1,
    [T.fn]: 6,
    [T.logGroup]: 8,
    [T.role]: 9,
    [T.rolePolicy]: 9,
    [T.stateMachine]: 2,
    [T.schedule]: 1,
    [T.scheduleGroup]: 1,
    [T.healthProbeSchedules]: 1,
    [T.alarm]: 13,
    [T.topic]: 1,
    [T.subscription]: 1,
    [T.cwDashboard]: 1,
    [T.ssmParameter]: 1,
  },
};

/** Types that take no tags. */
const UNTAGGABLE = new Set<string>([
  T.stack,
  T.store,
  T.breaker,
  T.alarmTopic,
  T.dashboard,
  T.handlerPlane,
  T.healthProbeSchedules,
  T.demoDownstream,
  T.rolePolicy,
  T.secretVersion,
  T.subscription,
  T.cwDashboard,
  T.schedule,
  T.stackReference,
]);

const handlerOf = (fn: RecordedResource) => fn.inputs.tags[HANDLER_TAG] as HandlerName;
const breakerOf = (r: MockRunResult, x: RecordedResource): RecordedResource | undefined => {
  let p = byUrn(r, x.parent);
  while (p && p.type !== T.breaker) p = byUrn(r, p.parent);
  return p;
};

describe("infra: resources under Pulumi mocks", function () {
  this.timeout(300_000);
  const runs = useScenarios();

  for (const s of ALL_SCENARIOS) {
    describe(`scenario ${s}`, () => {
      it("registers exactly the expected resource types and counts", () => {
        assert.deepEqual(countByType(runs[s]), EXPECTED_COUNTS[s]);
      });

      it("parents every resource: components under the stack, children under their component with the component's name as prefix", () => {
        const r = runs[s];
        for (const x of r.resources) {
          if (x.type === T.stack) continue;
          const parent = byUrn(r, x.parent);
          assert.ok(parent, `${x.urn} has no registered parent (${x.parent})`);
          if (x.type.startsWith("circuitbreaker:") || x.type === T.stackReference) {
            assert.equal(parent!.type, T.stack, `${x.urn} should be top-level`);
          } else {
            assert.ok(parent!.type.startsWith("circuitbreaker:index:"), `${x.urn} is parented to ${parent!.type}`);
            assert.ok(x.name.startsWith(`${parent!.name}-`), `${x.name} is not named after its component ${parent!.name}`);
            assert.ok(x.urn.endsWith(`${parent!.type}$${x.type}::${x.name}`), `${x.urn} does not carry its parent's type`);
          }
        }
      });

      it("tags every taggable resource with project, stack and the user's tags; breaker resources with the breaker", () => {
        const r = runs[s];
        const stack = String(SCENARIOS[s].stack);
        for (const x of r.resources) {
          if (UNTAGGABLE.has(x.type)) continue;
          const tags = x.inputs.tags as Record<string, string> | undefined;
          assert.ok(tags, `${x.urn} has no tags`);
          assert.equal(tags![TAG_KEYS.project], "circuit-breaker", `${x.urn} project tag`);
          assert.equal(tags![TAG_KEYS.stack], stack, `${x.urn} stack tag`);
          const b = breakerOf(r, x);
          if (b) assert.equal(tags![TAG_KEYS.breaker], b.name, `${x.urn} breaker tag`);
          else assert.equal(tags![TAG_KEYS.breaker], undefined, `${x.urn} is shared and must not carry a breaker tag`);
          if (s === "dev") assert.equal(tags!.environment, "dev");
          if (s === "dynamodbFull") assert.equal(tags!.team, "payments");
        }
      });

      it("runs every Lambda on nodejs22.x arm64 with the deterministic bundle of its handler and JSON logs to its own log group", () => {
        const r = runs[s];
        for (const fn of ofType(r, T.fn)) {
          const handler = handlerOf(fn);
          assert.ok(HANDLER_NEEDS[handler], `${fn.name} has an unknown handler tag ${handler}`);
          assert.equal(fn.inputs.runtime, "nodejs22.x");
          assert.deepEqual(fn.inputs.architectures, ["arm64"]);
          assert.equal(fn.inputs.handler, LAMBDA_HANDLER);
          assert.deepEqual(Object.keys(fn.inputs.code.__archive), ["index.js"]);
          assert.equal(
            fn.inputs.code.__archive["index.js"].sha256,
            bundleHandler(handler).hash,
            `${fn.name} code is not the bundle of ${handler}`,
          );
          const logGroup = byName(r, T.logGroup, `${fn.name}-logs`);
          assert.equal(fn.inputs.loggingConfig.logFormat, "JSON");
          assert.equal(fn.inputs.loggingConfig.logGroup, logGroup.inputs.name);
          assert.ok(logGroup.inputs.retentionInDays > 0);
          // The handler plane's functions serve every breaker; a demo downstream is a target of its own.
          assert.equal(byUrn(r, fn.parent)?.type, handler === "demo-downstream" ? T.demoDownstream : T.handlerPlane);
        }
      });

      it("gives each Lambda the environment its handler reads: the store's only (each breaker's settings come with its payloads)", () => {
        const r = runs[s];
        for (const fn of ofType(r, T.fn)) {
          const handler = handlerOf(fn);
          const env = fn.inputs.environment.variables as Record<string, string>;
          if (handler === "demo-downstream") {
            assert.ok(env.FAILURE_RATE !== undefined && env.LATENCY_MS !== undefined && env.ERROR_NAME !== undefined);
            continue;
          }
          for (const gone of ["BREAKER_NAME", "BREAKER_SETTINGS", "SETTINGS_PARAMETER", "TARGET_ARN"])
            assert.equal(env[gone], undefined, `${fn.name} ${gone}`);
          const usesStore = HANDLER_NEEDS[handler].store;
          assert.equal(env.STORE_KIND !== undefined, usesStore, `${fn.name}: STORE_KIND only where the store is used`);
          if (usesStore && env.STORE_KIND === "dynamodb") {
            assert.equal(env.TABLE_NAME, byName(r, T.table, "state-store-table").state.name);
            assert.equal(env.TTL_ATTRIBUTE, TTL_ATTRIBUTE);
          }
          if (usesStore && env.STORE_KIND === "redis") {
            assert.equal(env.REDIS_TLS, "true");
            assert.equal(env.REDIS_AUTH_SECRET_ARN, byName(r, T.secret, "state-store-auth-token").state.arn);
            assert.ok(/^\d+$/.test(env.REDIS_PORT) && env.REDIS_HOST.length > 0);
            assert.equal(Object.values(env).includes(AUTH_TOKEN), false, "the AUTH token must not be in the environment");
          }
        }
      });

      it("each state machine sends its breaker's name, deployed settings and settings parameter in every handler payload", () => {
        const r = runs[s];
        const planeArns = new Set(
          ofType(r, T.fn)
            .filter((f) => handlerOf(f) !== "demo-downstream")
            .map((f) => f.state.arn),
        );
        for (const sm of ofType(r, T.stateMachine)) {
          const breaker = breakerOf(r, sm)!;
          const parameter = ofType(r, T.ssmParameter).find((p) => p.parent === breaker.urn);
          const def = JSON.parse(sm.inputs.definition);
          let handlerTasks = 0;
          for (const [name, st] of Object.entries<any>(def.States)) {
            if (st.Type !== "Task" || !planeArns.has(st.Parameters?.FunctionName)) continue;
            handlerTasks++;
            const p = st.Parameters.Payload;
            assert.equal(p.breaker, breaker.name, `${sm.name} ${name} breaker`);
            assert.doesNotThrow(() => loadSettings(p.settings, "settings"), `${sm.name} ${name} settings`);
            assert.deepEqual(p.settingsParameter?.name, parameter?.state.name, `${sm.name} ${name} settingsParameter`);
          }
          assert.ok(handlerTasks > 0);
        }
      });

      it("deploys EXPRESS state machines logging to their own log group, with the configured level", () => {
        const r = runs[s];
        for (const sm of ofType(r, T.stateMachine)) {
          assert.equal(sm.inputs.type, "EXPRESS");
          const lg = byName(r, T.logGroup, `${sm.name}-logs`);
          assert.equal(sm.inputs.loggingConfiguration.logDestination, `${lg.state.arn}:*`);
          assert.ok(String(lg.inputs.name).startsWith("/aws/vendedlogs/states/"));
          const breaker = breakerOf(r, sm)!.name;
          const expected = LOGGING[s][breaker];
          assert.equal(sm.inputs.loggingConfiguration.level, expected.level);
          assert.equal(sm.inputs.loggingConfiguration.includeExecutionData, false);
          assert.equal(sm.inputs.tracingConfiguration.enabled, expected.tracing);
          assert.equal(sm.inputs.roleArn, byName(r, T.role, `${sm.name}-role`).state.arn);
          assert.ok(sm.dependencies.includes(byName(r, T.rolePolicy, `${sm.name}-policy`).urn), "state machine waits for its role policy");
        }
      });
    });
  }

  const LOGGING: Record<ScenarioName, Record<string, { level: string; tracing: boolean }>> = {
    dev: { demo: { level: "ERROR", tracing: false } },
    prod: { payments: { level: "ERROR", tracing: false } },
    replicationGroup: { orders: { level: "ALL", tracing: true } },
    dynamodbFull: { orders: { level: "ERROR", tracing: true }, inventory: { level: "OFF", tracing: false } },
  };

  describe("DynamoDB store", () => {
    it("dev: on-demand table keyed by the breaker name, TTL on the attribute functions/ writes, PITR, AWS-owned SSE, no deletion protection", () => {
      const t = byName(runs.dev, T.table, "state-store-table");
      assert.equal(t.inputs.billingMode, "PAY_PER_REQUEST");
      assert.equal(t.inputs.hashKey, BREAKER_TABLE_KEY);
      assert.deepEqual(t.inputs.attributes, [{ name: BREAKER_TABLE_KEY, type: "S" }]);
      assert.deepEqual(t.inputs.ttl, { enabled: true, attributeName: TTL_ATTRIBUTE });
      assert.equal(TTL_ATTRIBUTE, "expiresAt");
      assert.deepEqual(t.inputs.pointInTimeRecovery, { enabled: true });
      assert.deepEqual(t.inputs.serverSideEncryption, { enabled: false }, "enabled:false selects the AWS-owned key");
      assert.equal(t.inputs.deletionProtectionEnabled, false);
      assert.equal(t.inputs.tags[ROLE_TAG], ROLES.stateStore);
      assert.equal(t.parent, byName(runs.dev, T.store, "state-store").urn);
      assert.ok(t.urn.endsWith("::circuitbreaker:index:CircuitStateStore$aws:dynamodb/table:Table::state-store-table"));
    });

    it("customer KMS key and deletion protection when configured", () => {
      const t = byName(runs.dynamodbFull, T.table, "state-store-table");
      assert.deepEqual(t.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: KMS_KEY_ARN });
      assert.equal(t.inputs.deletionProtectionEnabled, true);
      assert.deepEqual(t.inputs.ttl, { enabled: true, attributeName: TTL_ATTRIBUTE });
    });

    it("user tags cannot override the default tags", () => {
      for (const x of runs.dynamodbFull.resources) {
        if (x.inputs.tags) assert.equal(x.inputs.tags.project, "circuit-breaker", x.urn);
      }
    });
  });

  describe("ElastiCache store", () => {
    const sgId = (r: MockRunResult, name: string) => byName(r, T.securityGroup, name).id;

    it("prod: Valkey serverless in the configured subnets, behind its own security group, authenticated by a user group", () => {
      const r = runs.prod;
      const cache = byName(r, T.serverlessCache, "state-store-cache");
      assert.equal(cache.inputs.engine, "valkey");
      assert.deepEqual(cache.inputs.subnetIds, ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]);
      assert.deepEqual(cache.inputs.securityGroupIds, [sgId(r, "state-store-cache-sg")]);
      const group = byName(r, T.cacheUserGroup, "state-store-user-group");
      assert.equal(cache.inputs.userGroupId, group.inputs.userGroupId);
      const user = byName(r, T.cacheUser, "state-store-default-user");
      assert.equal(user.inputs.userName, "default");
      assert.equal(user.inputs.accessString, "on ~cb:* +@all", "the token reaches only the breaker's keys");
      assert.deepEqual(group.inputs.userIds, [user.inputs.userId]);
      assert.equal(user.inputs.authenticationMode.type, "password");
      assert.deepEqual(user.secretInputs, ["authenticationMode.passwords[0]"]);
      assert.equal(cache.protect, true, "deletionProtection -> protect");
      assert.equal(byName(r, T.secret, "state-store-auth-token").protect, true);
      assert.equal(cache.inputs.tags[ROLE_TAG], ROLES.stateStore);
    });

    it("replication group: Redis OSS with TLS required, encryption at rest, AUTH token (secret), Multi-AZ, VPC from the stack reference", () => {
      const r = runs.replicationGroup;
      const g = byName(r, T.replicationGroup, "state-store-cache");
      assert.equal(g.inputs.engine, "redis");
      assert.equal(g.inputs.transitEncryptionEnabled, true);
      assert.equal(g.inputs.transitEncryptionMode, "required");
      assert.equal(g.inputs.atRestEncryptionEnabled, true);
      assert.equal(g.inputs.authToken, AUTH_TOKEN);
      assert.ok(g.secretInputs.includes("authToken"), "authToken is a secret");
      assert.equal(g.inputs.numCacheClusters, 2);
      assert.equal(g.inputs.automaticFailoverEnabled, true);
      assert.equal(g.inputs.multiAzEnabled, true);
      assert.equal(g.inputs.subnetGroupName, byName(r, T.subnetGroup, "state-store-subnet-group").state.name);
      assert.deepEqual(byName(r, T.subnetGroup, "state-store-subnet-group").inputs.subnetIds, NETWORK_OUTPUTS.privateSubnetIds);
      for (const sg of ofType(r, T.securityGroup)) assert.equal(sg.inputs.vpcId, NETWORK_OUTPUTS.vpcId);
      assert.equal(g.protect, false);
    });

    for (const s of ["prod", "replicationGroup"] as const) {
      it(`${s}: the cache admits only the breaker Lambdas' security group; the Lambdas reach only the cache and the endpoints`, () => {
        const r = runs[s];
        const lambdaSg = sgId(r, "state-store-lambda-sg");
        const cacheSg = sgId(r, "state-store-cache-sg");
        const endpointSg = sgId(r, "state-store-endpoint-sg");
        for (const rule of [...ofType(r, T.ingress), ...ofType(r, T.egress)]) {
          assert.equal(rule.inputs.cidrIpv4, undefined, `${rule.name} must not open a CIDR`);
          assert.equal(rule.inputs.cidrIpv6, undefined);
          assert.equal(rule.inputs.ipProtocol, "tcp");
        }
        const ingress = ofType(r, T.ingress).map((x) => [
          x.inputs.securityGroupId,
          x.inputs.referencedSecurityGroupId,
          x.inputs.fromPort,
          x.inputs.toPort,
        ]);
        assert.deepEqual(
          ingress.sort(),
          [
            [cacheSg, lambdaSg, 6379, 6380],
            [endpointSg, lambdaSg, 443, 443],
          ].sort(),
        );
        const egress = ofType(r, T.egress).map((x) => [
          x.inputs.securityGroupId,
          x.inputs.referencedSecurityGroupId,
          x.inputs.fromPort,
          x.inputs.toPort,
        ]);
        assert.deepEqual(
          egress.sort(),
          [
            [lambdaSg, cacheSg, 6379, 6380],
            [lambdaSg, endpointSg, 443, 443],
          ].sort(),
        );
      });

      it(`${s}: store-using Lambdas (only those) run in the VPC with the Lambda security group`, () => {
        const r = runs[s];
        const lambdaSg = sgId(r, "state-store-lambda-sg");
        for (const fn of ofType(r, T.fn)) {
          if (HANDLER_NEEDS[handlerOf(fn)].store) {
            assert.deepEqual(fn.inputs.vpcConfig.securityGroupIds, [lambdaSg], fn.name);
            assert.ok(fn.inputs.vpcConfig.subnetIds.length >= 2);
          } else {
            assert.equal(fn.inputs.vpcConfig, undefined, `${fn.name} needs no VPC`);
          }
        }
      });

      it(`${s}: Secrets Manager (and SSM for settings parameters) through private-DNS interface endpoints, so no NAT is needed; no Lambda endpoint: no handler invokes a target`, () => {
        const r = runs[s];
        const region = "aws:region" in r.config ? r.config["aws:region"] : "us-east-1";
        const wanted = s === "prod" ? ["secretsmanager", "ssm"] : ["secretsmanager"];
        const endpoints = ofType(r, T.vpcEndpoint);
        assert.deepEqual(
          endpoints.map((e) => e.inputs.serviceName).sort(),
          wanted.map((w) => `com.amazonaws.${region}.${w}`),
        );
        for (const e of endpoints) {
          assert.equal(e.inputs.vpcEndpointType, "Interface");
          assert.equal(e.inputs.privateDnsEnabled, true);
          assert.deepEqual(e.inputs.securityGroupIds, [sgId(r, "state-store-endpoint-sg")]);
        }
      });

      it(`${s}: the AUTH token is kept in Secrets Manager as a secret and appears nowhere else in plain text`, () => {
        const r = runs[s];
        const version = byName(r, T.secretVersion, "state-store-auth-token-version");
        assert.equal(version.inputs.secretString, AUTH_TOKEN);
        assert.deepEqual(version.secretInputs, ["secretString"]);
        assert.equal(version.inputs.secretId, byName(r, T.secret, "state-store-auth-token").id);
        const leaks: string[] = [];
        const walk = (x: RecordedResource, v: unknown, at: string) => {
          if (typeof v === "string" && v.includes(AUTH_TOKEN) && !x.secretInputs.includes(at)) leaks.push(`${x.urn} ${at}`);
          else if (Array.isArray(v)) v.forEach((e, i) => walk(x, e, `${at}[${i}]`));
          else if (v && typeof v === "object") for (const [k, e] of Object.entries(v)) walk(x, e, at ? `${at}.${k}` : k);
        };
        for (const x of r.resources) walk(x, x.inputs, "");
        assert.deepEqual(leaks, []);
        assert.equal(r.config["circuit-breaker:redisAuthToken"], "[secret]");
      });
    }
  });

  describe("settings parameter", () => {
    it("is created empty ({} = no overrides) at /<project>/<stack>/<breaker>/settings, and later value changes are kept", () => {
      for (const [s, breaker, refresh] of [
        ["dev", "demo", "60"],
        ["prod", "payments", "60"],
        ["dynamodbFull", "orders", "30"],
      ] as const) {
        const p = byName(runs[s], T.ssmParameter, `${breaker}-settings`);
        assert.equal(p.inputs.name, `/circuit-breaker/${SCENARIOS[s].stack}/${breaker}/settings`);
        assert.equal(p.inputs.type, "String");
        assert.equal(p.inputs.value, "{}");
        assert.deepEqual(p.ignoreChanges, ["value"]);
        // Named in every payload of the breaker's state machine, with its refresh; the plane may read the stack's own
        // settings path only, one pattern whatever the number of breakers.
        const def = JSON.parse(byName(runs[s], T.stateMachine, `${breaker}-state-machine`).inputs.definition);
        const payloads = Object.values(def.States as Record<string, { Parameters?: { Payload?: Record<string, unknown> } }>)
          .map((st) => st.Parameters?.Payload)
          .filter((pl) => pl?.settings !== undefined);
        assert.ok(payloads.length > 0);
        for (const pl of payloads) assert.deepEqual(pl!.settingsParameter, { name: p.inputs.name, refreshSeconds: Number(refresh) });
        const planePolicy = JSON.parse(byName(runs[s], T.rolePolicy, "handlers-record-outcome-policy").inputs.policy);
        const ssm = planePolicy.Statement.filter((x: { Action: string[] }) => x.Action.includes("ssm:GetParameter"));
        const pattern = `${(p.state.arn as string).split(":parameter/")[0]}:parameter/circuit-breaker/${SCENARIOS[s].stack}/*/settings`;
        assert.deepEqual(
          ssm.map((x: { Resource: string[] }) => x.Resource),
          [[pattern]],
        );
      }
      assert.equal(
        ofType(runs.dynamodbFull, T.ssmParameter).some((p) => p.name.startsWith("inventory")),
        false,
      );
    });
  });

  describe("health probe and alarm topic", () => {
    it("schedules the health probe with EventBridge Scheduler on the configured rate, starting the breaker's own state machine with the probe input", () => {
      for (const [s, rate] of [
        ["dev", "rate(1 minute)"],
        ["dynamodbFull", "rate(5 minutes)"],
      ] as const) {
        const r = runs[s];
        for (const sched of ofType(r, T.schedule)) {
          const breaker = breakerOf(r, sched)!.name;
          assert.equal(sched.inputs.scheduleExpression, rate);
          assert.deepEqual(sched.inputs.flexibleTimeWindow, { mode: "OFF" });
          const machine = byName(r, T.stateMachine, `${breaker}-state-machine`);
          assert.equal(sched.inputs.target.arn, machine.state.arn);
          // Every schedule of the stack is in its one group and runs as the stack's one schedules role.
          const group = byName(r, T.scheduleGroup, "health-probe-schedules-group");
          assert.equal(group.inputs.name, `circuit-breaker-${SCENARIOS[s].stack}-health-probes`);
          assert.equal(sched.inputs.groupName, group.state.name);
          const role = byName(r, T.role, "health-probe-schedules-role");
          assert.equal(sched.inputs.target.roleArn, role.state.arn);
          assert.deepEqual(Object.keys(JSON.parse(sched.inputs.target.input)), ["healthProbe"]);
          assert.equal(typeof JSON.parse(sched.inputs.target.input).healthProbe.request, "object");
          const policy = JSON.parse(byName(r, T.rolePolicy, "health-probe-schedules-policy").inputs.policy);
          assert.deepEqual(
            policy.Statement.map((x: { Action: string[] }) => x.Action),
            [["states:StartExecution"]],
          );
          assert.ok(policy.Statement[0].Resource.includes(machine.state.arn));
          const trust = JSON.parse(role.inputs.assumeRolePolicy).Statement[0];
          assert.deepEqual(Object.keys(trust.Condition).sort(), ["ArnEquals", "StringEquals"]);
          // Scheduler sends the schedule's group as aws:SourceArn, never the schedule.
          assert.equal(trust.Condition.ArnEquals["aws:SourceArn"], group.state.arn);
          // The probe branch is in the definition the schedule starts.
          assert.ok("HealthProbeValidate" in JSON.parse(machine.inputs.definition).States);
        }
      }
    });

    it("subscribes the alarm email only when configured", () => {
      assert.equal(ofType(runs.dev, T.subscription).length, 0);
      const sub = byName(runs.prod, T.subscription, "alarms-email");
      assert.equal(sub.inputs.protocol, "email");
      assert.equal(sub.inputs.endpoint, "oncall@example.com");
      assert.equal(sub.inputs.topic, byName(runs.prod, T.topic, "alarms-topic").state.arn);
    });
  });

  describe("stack outputs", () => {
    it("dev: state machine ARN per breaker, table name, alarm topic ARN, dashboard URL", () => {
      const r = runs.dev;
      const o = r.outputs as Record<string, any>;
      assert.deepEqual(o.stateMachineArns, { demo: byName(r, T.stateMachine, "demo-state-machine").state.arn });
      assert.equal(o.tableName, byName(r, T.table, "state-store-table").state.name);
      assert.equal(o.redisEndpoint, undefined);
      assert.equal(o.alarmTopicArn, byName(r, T.topic, "alarms-topic").state.arn);
      assert.equal(
        o.dashboardUrl,
        "https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/circuit-breaker-dev",
      );
      assert.equal(o.stateStore, "dynamodb");
      // What `npm run breaker -- ... --stack dev` reads: the breaker names with their deployed settings, and the region.
      assert.deepEqual(Object.keys(o.breakers), ["demo"]);
      assert.equal(o.breakers.demo.stateMachineArn, o.stateMachineArns.demo);
      assert.equal(o.breakers.demo.settings.tripRule, "consecutive");
      assert.equal(o.breakers.demo.settings.failureThreshold, 5);
      assert.equal(o.region, "us-east-1");
      assert.equal(o.redisAuthSecretArn, undefined);
    });

    it("prod: Redis endpoint instead of a table name; the target is the configured ARN", () => {
      const r = runs.prod;
      const o = r.outputs as Record<string, any>;
      assert.equal(o.redisEndpoint, byName(r, T.serverlessCache, "state-store-cache").state.endpoints[0].address);
      assert.equal(o.tableName, undefined);
      assert.deepEqual(o.targetArns, { payments: "arn:aws:lambda:eu-west-1:123456789012:function:payments-api" });
      assert.deepEqual(Object.keys(o.stateMachineArns), ["payments"]);
      assert.equal(o.breakers.payments.settings.tripRule, "rate");
      assert.equal(o.redisPort, byName(r, T.serverlessCache, "state-store-cache").state.endpoints[0].port);
      assert.match(o.redisAuthSecretArn, /secret/);
    });

    it("two breakers: one state machine ARN each", () => {
      const o = runs.dynamodbFull.outputs as Record<string, any>;
      assert.deepEqual(Object.keys(o.stateMachineArns).sort(), ["inventory", "orders"]);
      assert.equal(o.targetArns.orders, USER_TARGET_ARN);
    });
  });
});
