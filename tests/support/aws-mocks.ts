// Pulumi mocks for AWS resources: each resource gets the state the provider would report (a realistic ARN in
// this account and region, a physical name, the ids and endpoints the program reads), so policy documents and
// outputs built from them look like the deployed ones. Used by tests/support/run-under-mocks.ts.

import * as crypto from "node:crypto";
import * as pulumi from "@pulumi/pulumi";

export interface AwsMockOptions {
  accountId: string;
  region: string;
  /** StackReference name -> its outputs. */
  stackReferences: Record<string, Record<string, unknown>>;
  /**
   * A first `pulumi preview` of a new stack: the provider reports nothing it computes (ARNs, ids, endpoints), so
   * those outputs are unknown to the resources that use them; inputs and autonamed names stay known.
   */
  preview?: boolean;
}

export interface RecordedInvoke {
  token: string;
  inputs: Record<string, unknown>;
  /** True when no mock answers this function: the program saw a failed invoke, so the run proves nothing. */
  unmocked?: boolean;
}

const hex = (s: string, n: number) => crypto.createHash("sha1").update(s).digest("hex").slice(0, n);

/** The input that holds a resource's physical name, where it is not `name`. */
const NAME_INPUT: Readonly<Record<string, string>> = {
  "aws:elasticache/replicationGroup:ReplicationGroup": "replicationGroupId",
  "aws:cloudwatch/dashboard:Dashboard": "dashboardName",
  "aws:elasticache/user:User": "userId",
  "aws:elasticache/userGroup:UserGroup": "userGroupId",
};

/** The physical name the provider would choose: the given name, else the logical name plus a suffix (autonaming). */
function physicalName(type: string, name: string, inputs: Record<string, any>): string {
  const given = inputs[NAME_INPUT[type] ?? "name"];
  return typeof given === "string" && given !== "" ? given : `${name}-${hex(`${type}::${name}`, 7)}`;
}

/** AWS's length limits on physical names (the autoname suffix counts): a longer name fails at `pulumi up`. */
export const NAME_LIMITS: Readonly<Record<string, number>> = {
  "aws:iam/role:Role": 64,
  "aws:iam/policy:Policy": 128,
  "aws:iam/rolePolicy:RolePolicy": 128,
  "aws:lambda/function:Function": 64,
  "aws:scheduler/schedule:Schedule": 64,
  "aws:scheduler/scheduleGroup:ScheduleGroup": 64,
  "aws:sfn/stateMachine:StateMachine": 80,
  "aws:cloudwatch/metricAlarm:MetricAlarm": 255,
  "aws:cloudwatch/logGroup:LogGroup": 512,
  "aws:cloudwatch/dashboard:Dashboard": 255,
  "aws:dynamodb/table:Table": 255,
  "aws:sns/topic:Topic": 256,
  // 1011 including the ARN in front of the name (kept as 70 characters, as core/schema/names.ts does)
  "aws:ssm/parameter:Parameter": 1011 - 70,
  "aws:ec2/securityGroup:SecurityGroup": 255,
  "aws:secretsmanager/secret:Secret": 512,
  "aws:elasticache/replicationGroup:ReplicationGroup": 40,
  "aws:elasticache/serverlessCache:ServerlessCache": 40,
  "aws:elasticache/subnetGroup:SubnetGroup": 255,
  "aws:elasticache/user:User": 40,
  "aws:elasticache/userGroup:UserGroup": 40,
};

/** Throws when the physical name the provider would use is over AWS's limit for the type. */
function checkNameLimit(type: string, n: string): void {
  const limit = NAME_LIMITS[type];
  if (limit !== undefined && n.length > limit) {
    throw new Error(
      `aws-mocks: ${type} name ${JSON.stringify(n)} is ${n.length} characters; AWS allows ${limit} (Pulumi's autoname suffix included)`,
    );
  }
}

/** ARN and id/extra state per resource type. */
function providerState(
  type: string,
  name: string,
  inputs: Record<string, any>,
  o: AwsMockOptions,
): { id: string; state: Record<string, unknown> } {
  const region = typeof inputs.region === "string" ? inputs.region : o.region;
  const acct = o.accountId;
  const n = physicalName(type, name, inputs);
  checkNameLimit(type, n);
  const suffix = hex(`${type}::${name}`, 17);
  const regional = (service: string, resource: string) => `arn:aws:${service}:${region}:${acct}:${resource}`;
  switch (type) {
    case "aws:dynamodb/table:Table":
      return {
        id: n,
        state: {
          name: n,
          arn: regional("dynamodb", `table/${n}`),
          streamArn: regional("dynamodb", `table/${n}/stream/2026-01-01T00:00:00.000`),
        },
      };
    case "aws:lambda/function:Function":
      return {
        id: n,
        state: {
          name: n,
          arn: regional("lambda", `function:${n}`),
          invokeArn: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${regional("lambda", `function:${n}`)}/invocations`,
          qualifiedArn: regional("lambda", `function:${n}:$LATEST`),
          version: "$LATEST",
        },
      };
    case "aws:iam/role:Role":
      return { id: n, state: { name: n, arn: `arn:aws:iam::${acct}:role/${n}`, uniqueId: `AROA${suffix.toUpperCase()}` } };
    case "aws:iam/policy:Policy":
      return { id: `arn:aws:iam::${acct}:policy/${n}`, state: { name: n, arn: `arn:aws:iam::${acct}:policy/${n}` } };
    case "aws:iam/rolePolicy:RolePolicy":
      return { id: `${inputs.role}:${n}`, state: { name: n } };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { id: n, state: { name: n, arn: regional("logs", `log-group:${n}`) } };
    case "aws:sfn/stateMachine:StateMachine":
      return {
        id: regional("states", `stateMachine:${n}`),
        state: { name: n, arn: regional("states", `stateMachine:${n}`), status: "ACTIVE" },
      };
    case "aws:sns/topic:Topic":
      return { id: regional("sns", n), state: { name: n, arn: regional("sns", n) } };
    case "aws:sns/topicSubscription:TopicSubscription":
      return { id: regional("sns", `${n}:${suffix}`), state: { arn: regional("sns", `${n}:${suffix}`) } };
    case "aws:secretsmanager/secret:Secret":
      return {
        id: regional("secretsmanager", `secret:${n}-${suffix.slice(0, 6)}`),
        state: { name: n, arn: regional("secretsmanager", `secret:${n}-${suffix.slice(0, 6)}`) },
      };
    case "aws:secretsmanager/secretVersion:SecretVersion":
      return { id: `${inputs.secretId}|${suffix}`, state: { arn: inputs.secretId, versionId: suffix } };
    case "aws:scheduler/schedule:Schedule": {
      const group = typeof inputs.groupName === "string" ? inputs.groupName : "default";
      return { id: `${group}/${n}`, state: { name: n, arn: regional("scheduler", `schedule/${group}/${n}`), groupName: group } };
    }
    case "aws:scheduler/scheduleGroup:ScheduleGroup":
      return { id: n, state: { name: n, arn: regional("scheduler", `schedule-group/${n}`), state: "ACTIVE" } };
    case "aws:cloudwatch/metricAlarm:MetricAlarm":
      return { id: n, state: { name: n, arn: regional("cloudwatch", `alarm:${n}`) } };
    case "aws:cloudwatch/dashboard:Dashboard":
      return { id: n, state: { dashboardName: n, dashboardArn: `arn:aws:cloudwatch::${acct}:dashboard/${n}` } };
    case "aws:elasticache/serverlessCache:ServerlessCache":
      return {
        id: n,
        state: {
          name: n,
          arn: regional("elasticache", `serverlesscache:${n}`),
          endpoints: [{ address: `${n}-${suffix.slice(0, 6)}.serverless.${region}.cache.amazonaws.com`, port: 6379 }],
          readerEndpoints: [{ address: `${n}-${suffix.slice(0, 6)}.serverless.${region}.cache.amazonaws.com`, port: 6380 }],
        },
      };
    case "aws:elasticache/replicationGroup:ReplicationGroup":
      return {
        id: n,
        state: {
          replicationGroupId: n,
          arn: regional("elasticache", `replicationgroup:${n}`),
          primaryEndpointAddress: `master.${n}.${suffix.slice(0, 6)}.${region}.cache.amazonaws.com`,
          readerEndpointAddress: `replica.${n}.${suffix.slice(0, 6)}.${region}.cache.amazonaws.com`,
        },
      };
    case "aws:elasticache/subnetGroup:SubnetGroup":
      return { id: n, state: { name: n, arn: regional("elasticache", `subnetgroup:${n}`) } };
    case "aws:elasticache/user:User":
      return { id: n, state: { userId: n, arn: regional("elasticache", `user:${n}`) } };
    case "aws:elasticache/userGroup:UserGroup":
      return { id: n, state: { userGroupId: n, arn: regional("elasticache", `usergroup:${n}`) } };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { id: `sg-${suffix}`, state: { arn: regional("ec2", `security-group/sg-${suffix}`), name: n } };
    case "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
    case "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule":
      return {
        id: `sgr-${suffix}`,
        state: { arn: regional("ec2", `security-group-rule/sgr-${suffix}`), securityGroupRuleId: `sgr-${suffix}` },
      };
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return { id: `vpce-${suffix}`, state: { arn: regional("ec2", `vpc-endpoint/vpce-${suffix}`), dnsEntries: [] } };
    case "aws:ssm/parameter:Parameter":
      return {
        id: n,
        state: {
          name: n,
          arn: regional("ssm", `parameter${n.startsWith("/") ? n : `/${n}`}`),
          version: 1,
          tier: inputs.tier ?? "Standard",
        },
      };
    case "pulumi:pulumi:StackReference": {
      const outputs = o.stackReferences[String(inputs.name ?? name)] ?? {};
      return { id: String(inputs.name ?? name), state: { name: inputs.name ?? name, outputs, secretOutputNames: [] } };
    }
    default: {
      // aws:<module>/<resource>:<Type> -> a plausible regional ARN.
      const m = /^aws:([a-z0-9]+)\/([A-Za-z0-9]+):/.exec(type);
      if (!m) return { id: `${name}-id`, state: {} };
      return { id: n, state: { name: n, arn: regional(m[1], `${m[2].toLowerCase()}/${n}`) } };
    }
  }
}

/** One IAM policy-document value: a single string stays a string, as the provider writes it. */
const oneOrMany = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);

/** aws.iam.getPolicyDocument: the JSON the provider builds from `statements` (sources and overrides merged by Sid). */
export function policyDocumentJson(inputs: Record<string, any>): string {
  const statements: Record<string, unknown>[] = [];
  const add = (list: unknown, override: boolean) => {
    for (const st of Array.isArray(list) ? list : []) {
      const at = st.Sid ? statements.findIndex((x) => x.Sid === st.Sid) : -1;
      if (at >= 0 && override) statements[at] = st;
      else if (at < 0) statements.push(st);
    }
  };
  for (const src of inputs.sourcePolicyDocuments ?? []) add(JSON.parse(src).Statement, false);
  const principals = (list: any[] | undefined) => {
    if (!Array.isArray(list) || list.length === 0) return undefined;
    if (list.length === 1 && list[0].type === "*") return "*";
    const out: Record<string, unknown> = {};
    for (const p of list) out[p.type] = oneOrMany([...((out[p.type] as string[] | undefined) ?? []), ...(p.identifiers ?? [])].flat());
    return out;
  };
  add(
    (inputs.statements ?? []).map((st: any) => {
      const condition: Record<string, Record<string, unknown>> = {};
      for (const c of st.conditions ?? []) (condition[c.test] ??= {})[c.variable] = oneOrMany(c.values ?? []);
      const entries: [string, unknown][] = [
        ["Sid", st.sid || undefined],
        ["Effect", st.effect ?? "Allow"],
        ["Action", st.actions?.length ? oneOrMany(st.actions) : undefined],
        ["NotAction", st.notActions?.length ? oneOrMany(st.notActions) : undefined],
        ["Resource", st.resources?.length ? oneOrMany(st.resources) : undefined],
        ["NotResource", st.notResources?.length ? oneOrMany(st.notResources) : undefined],
        ["Principal", principals(st.principals)],
        ["NotPrincipal", principals(st.notPrincipals)],
        ["Condition", Object.keys(condition).length ? condition : undefined],
      ];
      return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
    }),
    true,
  );
  for (const ov of inputs.overridePolicyDocuments ?? []) add(JSON.parse(ov).Statement, true);
  return JSON.stringify({
    Version: inputs.version ?? "2012-10-17",
    ...(inputs.policyId ? { Id: inputs.policyId } : {}),
    Statement: statements,
  });
}

/** The provider functions a program may call, answered as AWS would for this account and region. */
function invokeResult(token: string, inputs: Record<string, any>, o: AwsMockOptions): Record<string, any> | undefined {
  const region = typeof inputs.region === "string" ? inputs.region : o.region;
  switch (token) {
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return { accountId: o.accountId, arn: `arn:aws:iam::${o.accountId}:user/mock`, userId: "AIDAMOCK", id: o.accountId };
    case "aws:index/getRegion:getRegion":
      return { region, name: region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", reverseDnsPrefix: "com.amazonaws", id: "aws" };
    case "aws:index/getAvailabilityZones:getAvailabilityZones": {
      const names = ["a", "b", "c"].map((z) => `${region}${z}`);
      return { names, zoneIds: names.map((_, i) => `use1-az${i + 1}`), groupNames: [region], id: region };
    }
    case "aws:index/getDefaultTags:getDefaultTags":
      return { tags: {}, id: "aws" };
    case "aws:iam/getPolicyDocument:getPolicyDocument": {
      const json = policyDocumentJson(inputs);
      return { json, minifiedJson: json, id: hex(json, 10) };
    }
    case "aws:iam/getPolicy:getPolicy": {
      const name =
        inputs.name ??
        String(inputs.arn ?? "")
          .split("/")
          .pop();
      const arn = inputs.arn ?? `arn:aws:iam::aws:policy/${name}`;
      return { arn, name, path: "/", policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }), id: arn };
    }
    case "aws:ec2/getVpc:getVpc":
      return {
        id: "vpc-0mock0000000000001",
        arn: `arn:aws:ec2:${region}:${o.accountId}:vpc/vpc-0mock0000000000001`,
        cidrBlock: "10.0.0.0/16",
        default: Boolean(inputs.default),
        ownerId: o.accountId,
      };
    case "aws:ec2/getSubnets:getSubnets":
      return { id: region, ids: ["subnet-0mock00000000000a", "subnet-0mock00000000000b"] };
    case "aws:ec2/getSecurityGroup:getSecurityGroup":
      return {
        id: inputs.id ?? "sg-0mock0000000000001",
        arn: `arn:aws:ec2:${region}:${o.accountId}:security-group/${inputs.id ?? "sg-0mock0000000000001"}`,
        name: inputs.name ?? "default",
        vpcId: "vpc-0mock0000000000001",
      };
    case "aws:kms/getAlias:getAlias":
      return {
        id: inputs.name,
        name: inputs.name,
        arn: `arn:aws:kms:${region}:${o.accountId}:${inputs.name}`,
        targetKeyId: "mock-key",
        targetKeyArn: `arn:aws:kms:${region}:${o.accountId}:key/mock-key`,
      };
    default:
      return undefined;
  }
}

/** Mocks answering AWS invokes and resources; records invokes (an unmocked one is recorded, then fails). */
export function awsMocks(o: AwsMockOptions, invokes: RecordedInvoke[]): pulumi.runtime.Mocks {
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: Record<string, any> } {
      const { id, state } = providerState(args.type, args.name, args.inputs, o);
      // A read (args.id) or a stack reference reports everything even at preview.
      if (o.preview && !args.id && args.type !== "pulumi:pulumi:StackReference") {
        const named = typeof state.name === "string" ? { name: state.name } : {};
        return { id: "", state: { ...args.inputs, ...named } };
      }
      return { id: args.id || id, state: { ...args.inputs, ...state } };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, any> {
      const result = invokeResult(args.token, args.inputs, o);
      invokes.push({ token: args.token, inputs: args.inputs, ...(result === undefined ? { unmocked: true } : {}) });
      if (result === undefined) throw new Error(`aws-mocks: no mock for invoke ${args.token}; add it to tests/support/aws-mocks.ts`);
      return result;
    },
  };
}

/** The outputs the provider computes for a resource (unknown at a first preview). */
export function computedOutputs(type: string, name: string, inputs: Record<string, any>, o: AwsMockOptions): string[] {
  const { state } = providerState(type, name, inputs, o);
  return ["id", ...Object.keys(state).filter((k) => k !== "name" && !(k in inputs))];
}
