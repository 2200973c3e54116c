// The engine mirror (tests/support/policy-engine.ts, used by the test harness and `npm run policy:check`) against the
// real thing: policy/index.ts is started as the Pulumi CLI starts it (a process serving the Analyzer gRPC
// service on a port it prints), and the same resources go to both. Diagnostics must agree, including the
// advisory "can't run ... during preview" notes for unknown values.

import { strict as assert } from "node:assert";
import { ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { policies } from "../../policy/policies";
import { T } from "../../policy/util/types";
import { Diagnostic, PolicyEngine, ResourceDescription } from "../support/policy-engine";
import { runScenario } from "../components/scenarios";
import { UNKNOWN, urnOf } from "./harness";

const ROOT = path.join(__dirname, "..", "..");
const grpc = require("@grpc/grpc-js");
const analyzerpb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const structpb = require(
  require.resolve("google-protobuf/google/protobuf/struct_pb", {
    paths: [path.dirname(require.resolve("@pulumi/pulumi/proto/analyzer_pb"))],
  }),
);

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"];

function options(parent?: string) {
  const o = new analyzerpb.AnalyzerResourceOptions();
  o.setProtect(false);
  if (parent) o.setParent(parent);
  return o;
}

function fromServer(resp: any, urnFallback: string): Diagnostic[] {
  return resp.getDiagnosticsList().map((d: any) => ({
    policyName: d.getPolicyname(),
    enforcementLevel: LEVELS[d.getEnforcementlevel()],
    urn: d.getUrn() || urnFallback,
    message: d.getMessage(),
  }));
}

/** The server prefixes each message with the policy's description (makeReportViolationFun). */
function asServerReports(ds: Diagnostic[]): Diagnostic[] {
  const description = new Map(policies.map((p) => [p.name, p.description]));
  return ds.map((d) => ({
    ...d,
    message: d.message.startsWith("can't run policy") ? d.message : `${description.get(d.policyName)}\n${d.message}`,
  }));
}

const sortDs = (ds: Diagnostic[]) => [...ds].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe("engine mirror parity with the @pulumi/policy server", function () {
  let server: ChildProcess;
  let client: any;

  before(async () => {
    server = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], {
      cwd: path.join(ROOT, "policy"),
      env: { ...process.env, TS_NODE_PROJECT: path.join(ROOT, "policy", "tsconfig.json") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const port = await new Promise<string>((resolve, reject) => {
      let out = "";
      let err = "";
      server.stdout!.on("data", (d) => {
        out += d;
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) resolve(m[1]);
      });
      server.stderr!.on("data", (d) => (err += d));
      server.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${err}`)));
    });
    client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  after(() => {
    client?.close();
    if (server && server.exitCode === null) server.kill();
  });

  const call = (method: string, req: unknown): Promise<any> =>
    new Promise((resolve, reject) => client[method](req, (e: Error | null, r: any) => (e ? reject(e) : resolve(r))));

  /** Sets what an AnalyzeRequest and an AnalyzerResource have in common. */
  function fill<M>(msg: M, r: ResourceDescription): M {
    const m = msg as any;
    m.setType(r.type);
    m.setName(r.name);
    m.setUrn(r.urn);
    m.setProperties(structpb.Struct.fromJavaScript(r.props));
    m.setOptions(options(r.parent));
    return msg;
  }

  async function serverAnalyze(r: ResourceDescription): Promise<Diagnostic[]> {
    return fromServer(await call("analyze", fill(new analyzerpb.AnalyzeRequest(), r)), r.urn);
  }

  async function serverAnalyzeStack(rs: ResourceDescription[]): Promise<Diagnostic[]> {
    const req = new analyzerpb.AnalyzeStackRequest();
    req.setResourcesList(
      rs.map((r) => {
        const a = fill(new analyzerpb.AnalyzerResource(), r);
        if (r.parent) a.setParent(r.parent);
        a.setDependenciesList(r.dependencies ?? []);
        for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
          const deps = new analyzerpb.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          a.getPropertydependenciesMap().set(k, deps);
        }
        return a;
      }),
    );
    return fromServer(await call("analyzeStack", req), "");
  }

  /** Hand-built resources that violate, pass, or hold unknown values. */
  function handBuilt(): ResourceDescription[] {
    const r = (
      type: string,
      name: string,
      props: Record<string, unknown>,
      extra: Partial<ResourceDescription> = {},
    ): ResourceDescription => ({ type, name, urn: urnOf(type, name), props, ...extra });
    const roleUrn = urnOf(T.role, "sfn-role");
    return [
      r(T.rolePolicy, "wild", {
        role: "sfn-role",
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["*", "s3:*"], Resource: "*" }] }),
      }),
      r(T.rolePolicy, "object-doc", {
        role: "sfn-role",
        policy: {
          Statement: [
            { Effect: "Allow", Action: "dynamodb:GetItem", Resource: UNKNOWN.string },
            { Effect: "Allow", Action: "lambda:*", Resource: "*" },
          ],
        },
      }),
      r(T.rolePolicy, "unknown-doc", { role: "sfn-role", policy: UNKNOWN.string }),
      r(T.role, "sfn-role", {
        arn: UNKNOWN.string,
        name: UNKNOWN.string,
        assumeRolePolicy: JSON.stringify({
          Statement: [{ Effect: "Allow", Principal: { Service: "states.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
      }),
      r(T.table, "state", {
        ttl: { enabled: true, attributeName: "ttl" },
        pointInTimeRecovery: { enabled: UNKNOWN.boolean },
        tags: { "circuitbreaker:role": "state-store" },
      }),
      r(T.table, "other", { tags: { team: "x" } }),
      r(
        T.stateMachine,
        "sm",
        {
          type: "STANDARD",
          roleArn: UNKNOWN.string,
          definition: JSON.stringify({
            StartAt: "A",
            States: {
              A: {
                Type: "Task",
                Resource: "arn:aws:states:::lambda:invoke",
                Parameters: { FunctionName: "arn:aws:lambda:us-east-1:123456789012:function:x" },
                End: true,
              },
            },
          }),
          loggingConfiguration: { level: "OFF" },
          tags: { breaker: "b" },
        },
        { propertyDependencies: { roleArn: [roleUrn] } },
      ),
      r(
        T.lambdaFunction,
        "f1",
        { runtime: "nodejs18.x", role: UNKNOWN.string, environment: { variables: { STORE_KIND: "redis" } } },
        { propertyDependencies: { role: [roleUrn] } },
      ),
      r(T.lambdaFunction, "f2", { runtime: "nodejs22.x", role: UNKNOWN.string }, { propertyDependencies: { role: [roleUrn] } }),
      r(T.serverlessCache, "cache", { engine: "valkey", subnetIds: UNKNOWN.array }),
    ];
  }

  it("reports the same diagnostics for each resource (hand-built, with unknowns)", async () => {
    const engine = new PolicyEngine(policies, { applySchemaDefaults: false });
    const all: Diagnostic[] = [];
    for (const r of handBuilt()) {
      const theirs = await serverAnalyze(r);
      assert.deepEqual(sortDs(theirs), sortDs(asServerReports((await engine.analyze(r)).diagnostics)), r.name);
      all.push(...theirs);
    }
    assert.ok(all.filter((d) => d.enforcementLevel === "mandatory").length >= 8, JSON.stringify(all, null, 1));
    assert.ok(all.filter((d) => d.message.startsWith("can't run policy")).length >= 3, JSON.stringify(all, null, 1));
  });

  it("reports the same stack diagnostics (hand-built, with propertyDependencies and unknowns)", async () => {
    const rs = handBuilt();
    const mine = (await new PolicyEngine(policies, { applySchemaDefaults: false }).analyzeStack(rs)).diagnostics;
    const theirs = await serverAnalyzeStack(rs);
    assert.ok(theirs.length > 0);
    assert.deepEqual(sortDs(theirs), sortDs(asServerReports(mine)));
  });

  it("agrees on every resource of the project's dev stack", async () => {
    const run = await runScenario("dev");
    const engine = new PolicyEngine(policies, { applySchemaDefaults: false });
    const rs: ResourceDescription[] = run.resources.map((r) => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      parent: r.parent,
      props: r.inputs,
    }));
    for (const r of rs) assert.deepEqual(await serverAnalyze(r), asServerReports((await engine.analyze(r)).diagnostics), r.urn);
  });
});
