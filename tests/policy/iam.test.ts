import { strict as assert } from "node:assert";
import {
  iamNoBroadManagedPolicies,
  iamNoWildcardActions,
  iamNoWildcardResources,
  iamRoleNotShared,
  iamTrustPolicyScoped,
  iamWildcardActionsMatchPurpose,
} from "../../policy/iam";
import { actionBreadth, isWildcardResource } from "../../policy/util/policy-document";
import { T } from "../../policy/util/types";
import { checkResource, checkStack, UNKNOWN, urnOf } from "./harness";

const ACCOUNT = "123456789012";
const TABLE = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/cb-state`;
const doc = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[] = TABLE) => ({ Effect: "Allow", Action, Resource });
const trust = (Principal: unknown, Condition: unknown = { StringEquals: { "aws:SourceAccount": ACCOUNT } }) =>
  JSON.stringify(doc({ Effect: "Allow", Principal, Action: "sts:AssumeRole", ...(Condition ? { Condition } : {}) }));

describe("policy iam-no-wildcard-actions", () => {
  const p = iamNoWildcardActions;

  it("passes exact actions, in a JSON string and in an object document", async () => {
    const good = doc(allow(["dynamodb:GetItem", "dynamodb:UpdateItem"]));
    assert.deepEqual((await checkResource(p, T.rolePolicy, { role: "r", policy: JSON.stringify(good) })).violations, []);
    assert.deepEqual((await checkResource(p, T.rolePolicy, { role: "r", policy: good })).violations, []);
  });

  it('reports "*" and "svc:*" in a JSON string document', async () => {
    const policy = JSON.stringify(doc(allow(["dynamodb:GetItem", "*"]), allow("lambda:*")));
    const out = await checkResource(p, T.rolePolicy, { role: "r", policy });
    assert.deepEqual(out.violations, [
      'Policy statement 0 allows every action ("*").',
      'Policy statement 1 allows every lambda action ("lambda:*").',
    ]);
  });

  it("reports the same in an object document, in a Role's inline policy and in a managed Policy", async () => {
    const bad = doc(allow("dynamodb:*"));
    const inline = await checkResource(p, T.role, { assumeRolePolicy: "{}", inlinePolicies: [{ name: "store", policy: bad }] });
    assert.deepEqual(inline.violations, ['Inline policy "store" statement 0 allows every dynamodb action ("dynamodb:*").']);
    const managed = await checkResource(p, T.policy, { policy: bad });
    assert.deepEqual(managed.violations, ['Policy statement 0 allows every dynamodb action ("dynamodb:*").']);
  });

  it("reports NotAction in an Allow statement, ignores Deny statements", async () => {
    const policy = doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }, { Effect: "Deny", Action: "*", Resource: "*" });
    const out = await checkResource(p, T.rolePolicy, { role: "r", policy });
    assert.deepEqual(out.violations, ["Policy statement 0 allows every action except iam:* (NotAction)."]);
  });

  it("reports partial wildcards only when configured", async () => {
    const policy = doc(allow("dynamodb:Get*"));
    assert.deepEqual((await checkResource(p, T.rolePolicy, { role: "r", policy })).violations, []);
    const strict = await checkResource(p, T.rolePolicy, { role: "r", policy }, { config: { forbidPartialWildcards: true } });
    assert.deepEqual(strict.violations, ['Policy statement 0 uses the wildcard action "dynamodb:Get*".']);
  });

  it("reports a document that is not JSON", async () => {
    const out = await checkResource(p, T.rolePolicy, { role: "r", policy: "{not json" });
    assert.equal(out.violations.length, 1);
    assert.match(out.violations[0], /^Policy is not a valid policy document: policy document is not valid JSON/);
  });

  it("skips a document that is unknown at preview with the engine's advisory note, not a violation", async () => {
    const out = await checkResource(p, T.rolePolicy, { role: "r", policy: UNKNOWN.string });
    assert.deepEqual(out.violations, []);
    assert.equal(out.skipped.length, 1);
    assert.match(
      out.skipped[0],
      /^can't run policy 'iam-no-wildcard-actions' from policy pack 'circuit-breaker-guard@v0\.1\.0' during preview: string value at \.policy can't be known during preview$/,
    );
  });

  it("checks the known statements of an object document; only an unknown Action earns the advisory note", async () => {
    const policy = doc(allow("lambda:InvokeFunction", UNKNOWN.string), allow("*"));
    const out = await checkResource(p, T.rolePolicy, { role: "r", policy });
    assert.deepEqual(out.violations, ['Policy statement 1 allows every action ("*").']);
    assert.deepEqual(out.skipped, [], "the action check does not depend on the unknown Resource");
    const unknownAction = await checkResource(p, T.rolePolicy, { role: "r", policy: doc(allow(["dynamodb:GetItem", UNKNOWN.string])) });
    assert.deepEqual(unknownAction.violations, []);
    assert.match(unknownAction.skipped[0], /string value at \.policy\.Statement\.0\.Action\.1 can't be known during preview$/);
  });

  it("is not applicable to other resource types", async () => {
    const out = await checkResource(p, T.table, { name: "t" });
    assert.deepEqual(out.violations, []);
    assert.equal(out.notApplicable.length, 1);
  });
});

describe("policy iam-no-wildcard-resources", () => {
  const p = iamNoWildcardResources;

  it("passes scoped resources and the wildcard-only actions on *", async () => {
    const policy = doc(allow("dynamodb:GetItem"), allow(["logs:CreateLogDelivery", "xray:PutTraceSegments"], "*"));
    assert.deepEqual((await checkResource(p, T.rolePolicy, { role: "r", policy: JSON.stringify(policy) })).violations, []);
  });

  it("reports actions granted on * that have resource-level permissions", async () => {
    const policy = JSON.stringify(doc(allow(["lambda:InvokeFunction", "logs:CreateLogDelivery"], "*")));
    const out = await checkResource(p, T.rolePolicy, { role: "r", policy });
    assert.deepEqual(out.violations, ['Policy statement 0 grants lambda:InvokeFunction on "*".']);
  });

  it("treats an ARN whose resource part is * as every resource, and NotResource as well", async () => {
    const policy = doc(allow("logs:PutLogEvents", "arn:aws:logs:*:*:*"), {
      Effect: "Allow",
      Action: "s3:GetObject",
      NotResource: "arn:aws:s3:::private/*",
    });
    const out = await checkResource(p, T.policy, { policy });
    assert.deepEqual(out.violations, [
      'Policy statement 0 grants logs:PutLogEvents on "arn:aws:logs:*:*:*".',
      "Policy statement 1 grants s3:GetObject on NotResource arn:aws:s3:::private/*.",
    ]);
  });

  it("takes the allow-list from config, and extra actions on top of it", async () => {
    const policy = doc(allow("cloudwatch:PutMetricData", "*"));
    assert.equal((await checkResource(p, T.rolePolicy, { role: "r", policy })).violations.length, 1);
    const extra = await checkResource(
      p,
      T.rolePolicy,
      { role: "r", policy },
      { config: { extraAllowedWildcardActions: ["cloudwatch:PutMetricData"] } },
    );
    assert.deepEqual(extra.violations, []);
    const replaced = await checkResource(
      p,
      T.rolePolicy,
      { role: "r", policy: doc(allow("xray:PutTraceSegments", "*")) },
      { config: { allowedWildcardActions: ["cloudwatch:*"] } },
    );
    assert.deepEqual(replaced.violations, ['Policy statement 0 grants xray:PutTraceSegments on "*".']);
  });
});

describe("policy iam-no-wildcard-resources: Parameter Store paths", () => {
  const p = iamNoWildcardResources;
  // The harness's resources belong to the stack "dev" of the project "circuit-breaker".
  const own = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/circuit-breaker/dev/*/settings`;
  const check = (resource: string, config?: Record<string, unknown>) =>
    checkResource(
      p,
      T.rolePolicy,
      { role: "r", policy: JSON.stringify(doc(allow("ssm:GetParameter", resource))) },
      config ? { config } : {},
    );

  it("passes a pattern below the stack's own /<project>/<stack>/ path", async () => {
    assert.deepEqual((await check(own)).violations, []);
    assert.deepEqual((await check(`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/circuit-breaker/dev/a*`)).violations, []);
  });

  it("reports a pattern that leaves the stack's path, or whose region or account is a wildcard", async () => {
    for (const wide of [
      `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/circuit-breaker/prod/*/settings`,
      `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/circuit-breaker/*`,
      `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/circuit-breaker/dev*`,
      `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/*`,
      `arn:aws:ssm:*:${ACCOUNT}:parameter/circuit-breaker/dev/*`,
      "arn:aws:ssm:us-east-1:*:parameter/circuit-breaker/dev/*",
      `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:/circuit-breaker/dev/*`,
    ])
      assert.deepEqual((await check(wide)).violations, [`Policy statement 0 grants ssm:GetParameter on "${wide}".`], wide);
  });

  it("reports the stack's own path too when allowStackParameterPaths is false", async () => {
    assert.deepEqual((await check(own, { allowStackParameterPaths: false })).violations, [
      `Policy statement 0 grants ssm:GetParameter on "${own}".`,
    ]);
  });
});

describe("policy iam-no-broad-managed-policies", () => {
  const p = iamNoBroadManagedPolicies;

  it("passes narrow AWS-managed and customer-managed policies", async () => {
    const arns = ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess", `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess`];
    assert.deepEqual((await checkResource(p, T.role, { assumeRolePolicy: "{}", managedPolicyArns: arns })).violations, []);
  });

  it("reports broad AWS-managed policies on roles and attachments", async () => {
    const role = await checkResource(p, T.role, {
      assumeRolePolicy: "{}",
      managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"],
    });
    assert.deepEqual(role.violations, [
      'Attaches the AWS-managed policy AmazonDynamoDBFullAccess (arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess); it grants every action of a service ("svc:*") on every resource.',
    ]);
    const att = await checkResource(p, T.rolePolicyAttachment, {
      role: "r",
      policyArn: "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
    });
    assert.deepEqual(att.violations, [
      "Attaches the AWS-managed policy AWSLambdaRole (arn:aws:iam::aws:policy/service-role/AWSLambdaRole); it grants lambda:InvokeFunction on every function.",
    ]);
    const admin = await checkResource(p, T.policyAttachment, { policyArn: "arn:aws-us-gov:iam::aws:policy/AdministratorAccess" });
    assert.equal(admin.violations.length, 1);
  });

  it("judges policies by what they grant, not by a FullAccess pattern alone", async () => {
    for (const name of [
      "SecretsManagerReadWrite",
      "ReadOnlyAccess",
      "PowerUserAccess",
      "AmazonS3ReadOnlyAccess",
      "service-role/AWSLambdaBasicExecutionRole",
    ]) {
      const out = await checkResource(p, T.rolePolicyAttachment, { role: "r", policyArn: `arn:aws:iam::aws:policy/${name}` });
      assert.equal(out.violations.length, 1, name);
    }
    const exclusive = await checkResource(p, T.rolePolicyAttachmentsExclusive, {
      roleName: "r",
      policyArns: ["arn:aws:iam::aws:policy/AWSLambdaRole", UNKNOWN.string],
    });
    assert.equal(exclusive.violations.length, 1);
    assert.equal(exclusive.skipped.length, 1);
  });

  it("takes more forbidden names, and reviewed exceptions, from config", async () => {
    const props = { role: "r", policyArn: "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess" };
    assert.deepEqual((await checkResource(p, T.rolePolicyAttachment, props)).violations, []);
    const out = await checkResource(p, T.rolePolicyAttachment, props, { config: { forbiddenPolicyNames: ["AWSXRay*"] } });
    assert.equal(out.violations.length, 1);
    const ro = { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" };
    assert.deepEqual(
      (await checkResource(p, T.rolePolicyAttachment, ro, { config: { allowedPolicyNames: ["ReadOnlyAccess"] } })).violations,
      [],
    );
  });
});

describe("policy iam-trust-policy-scoped", () => {
  const p = iamTrustPolicyScoped;

  it("passes one service principal with aws:SourceAccount (string) or aws:SourceArn (object document)", async () => {
    assert.deepEqual((await checkResource(p, T.role, { assumeRolePolicy: trust({ Service: "lambda.amazonaws.com" }) })).violations, []);
    const arnCond = { ArnEquals: { "aws:SourceArn": `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:payments` } };
    const obj = JSON.parse(trust({ Service: "states.amazonaws.com" }, arnCond));
    assert.deepEqual((await checkResource(p, T.role, { assumeRolePolicy: obj })).violations, []);
  });

  it("reports conditions that match any caller, and a trust Action other than sts:AssumeRole", async () => {
    const anyAccount = await checkResource(p, T.role, {
      assumeRolePolicy: trust({ Service: "lambda.amazonaws.com" }, { StringLike: { "aws:SourceAccount": "*" } }),
    });
    assert.deepEqual(anyAccount.violations, [
      `Trust statement 0 for lambda.amazonaws.com has a condition that matches more than one caller (StringLike aws:SourceAccount "*"); it needs this account's id or the one ARN allowed to assume the role.`,
    ]);
    const anyMachine = { ArnLike: { "aws:SourceArn": `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:*` } };
    assert.equal(
      (await checkResource(p, T.role, { assumeRolePolicy: trust({ Service: "states.amazonaws.com" }, anyMachine) })).violations.length,
      1,
    );
    const accountOnly = await checkResource(p, T.role, { assumeRolePolicy: trust({ Service: "scheduler.amazonaws.com" }) });
    assert.match(accountOnly.violations[0], /for scheduler\.amazonaws\.com has no aws:SourceArn condition/);
    const doc = JSON.parse(trust({ Service: "lambda.amazonaws.com" }));
    doc.Statement[0].Action = "sts:*";
    assert.deepEqual((await checkResource(p, T.role, { assumeRolePolicy: JSON.stringify(doc) })).violations, [
      "Trust statement 0 allows sts:*; a service trust may allow only sts:AssumeRole, sts:TagSession.",
    ]);
  });

  it("accepts a Scheduler trust on a schedule group, and reports one on a schedule (Scheduler never sends a schedule's ARN)", async () => {
    const group = { ArnEquals: { "aws:SourceArn": `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule-group/payments-health-probes` } };
    assert.deepEqual(
      (await checkResource(p, T.role, { assumeRolePolicy: trust({ Service: "scheduler.amazonaws.com" }, group) })).violations,
      [],
    );
    const schedule = `arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/default/payments-health-probe`;
    const out = await checkResource(p, T.role, {
      assumeRolePolicy: trust({ Service: "scheduler.amazonaws.com" }, { ArnEquals: { "aws:SourceArn": schedule } }),
    });
    assert.deepEqual(out.violations, [
      `Trust statement 0 for scheduler.amazonaws.com names the schedule ${schedule}; Scheduler sends the schedule group's ARN (arn:aws:scheduler:<region>:<account>:schedule-group/<group>), so this role can never be assumed.`,
    ]);
  });

  it("reports a trust statement without the condition", async () => {
    const out = await checkResource(p, T.role, { assumeRolePolicy: trust({ Service: "lambda.amazonaws.com" }, null) });
    assert.deepEqual(out.violations, ["Trust statement 0 for lambda.amazonaws.com has no aws:SourceAccount or aws:SourceArn condition."]);
  });

  it("reports several principals, a wildcard principal and an AWS principal", async () => {
    const two = await checkResource(p, T.role, { assumeRolePolicy: trust({ Service: ["lambda.amazonaws.com", "states.amazonaws.com"] }) });
    assert.deepEqual(two.violations, [
      "Trust statement 0 must name exactly one service principal; it names Service: lambda.amazonaws.com, states.amazonaws.com.",
    ]);
    const star = await checkResource(p, T.role, { assumeRolePolicy: trust("*") });
    assert.deepEqual(star.violations, ['Trust statement 0 must name exactly one service principal; it names "*".']);
    const aws = await checkResource(p, T.role, { assumeRolePolicy: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) });
    assert.deepEqual(aws.violations, [
      `Trust statement 0 must name exactly one service principal; it names AWS: arn:aws:iam::${ACCOUNT}:root.`,
    ]);
  });

  it("exempts configured service principals from the condition rule", async () => {
    const props = { assumeRolePolicy: trust({ Service: "edgelambda.amazonaws.com" }, null) };
    assert.equal((await checkResource(p, T.role, props)).violations.length, 1);
    assert.deepEqual(
      (await checkResource(p, T.role, props, { config: { exemptServicePrincipals: ["edgelambda.amazonaws.com"] } })).violations,
      [],
    );
  });

  it("skips a trust policy that is unknown at preview", async () => {
    const out = await checkResource(p, T.role, { assumeRolePolicy: UNKNOWN.string });
    assert.deepEqual(out.violations, []);
    assert.equal(out.skipped.length, 1);
  });
});

describe("policy iam-role-not-shared-by-functions", () => {
  const p = iamRoleNotShared;
  const roleArn = (n: string) => `arn:aws:iam::${ACCOUNT}:role/${n}`;
  const role = (n: string) => ({ type: T.role, name: n, props: { arn: roleArn(n), name: n } });
  const fn = (n: string, r: string) => ({ type: T.lambdaFunction, name: n, props: { role: roleArn(r), runtime: "nodejs22.x" } });

  it("passes one role per function", async () => {
    const out = await checkStack(p, [role("a"), role("b"), fn("fa", "a"), fn("fb", "b")]);
    assert.deepEqual(out.violations, []);
  });

  it("reports a role shared by two functions, on the role", async () => {
    const out = await checkStack(p, [role("a"), fn("fa", "a"), fn("fb", "a")]);
    assert.deepEqual(out.violations, [`Role ${roleArn("a")} is shared by 2 Lambda functions (fa, fb).`]);
    assert.deepEqual(out.urns, [urnOf(T.role, "a")]);
  });

  it("follows propertyDependencies when the role ARN is unknown at preview", async () => {
    const preview = (n: string) => ({
      type: T.lambdaFunction,
      name: n,
      props: { role: UNKNOWN.string },
      propertyDependencies: { role: [urnOf(T.role, "a")] },
    });
    const out = await checkStack(p, [{ type: T.role, name: "a", props: { arn: UNKNOWN.string } }, preview("fa"), preview("fb")]);
    assert.equal(out.violations.length, 1);
    assert.match(out.violations[0], /is shared by 2 Lambda functions \(fa, fb\)\.$/);
  });

  it("skips functions whose role is unknown, with the advisory note", async () => {
    const out = await checkStack(p, [fn("fa", "a"), { type: T.lambdaFunction, name: "fb", props: { role: UNKNOWN.string } }]);
    assert.deepEqual(out.violations, []);
    assert.equal(out.skipped.length, 1);
  });

  it("allows more functions per role when configured", async () => {
    const out = await checkStack(p, [role("a"), fn("fa", "a"), fn("fb", "a")], { config: { maxFunctionsPerRole: 2 } });
    assert.deepEqual(out.violations, []);
  });
});

describe("IAM matchers", () => {
  it("treats any wildcard in an ARN's region, account or resource name as a wildcard resource", () => {
    for (const r of [
      "*",
      "arn:aws:lambda:*:*:function:*",
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:*`,
      `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/*`,
      `arn:aws:iam::${ACCOUNT}:role/*`,
      `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:*`,
      "arn:aws:s3:::*",
      `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*`,
      `arn:aws:dynamodb:*:${ACCOUNT}:table/cb-state`,
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:cb-*`,
    ]) {
      assert.equal(isWildcardResource(r), true, r);
    }
    for (const r of [
      TABLE,
      `${TABLE}/index/*`,
      `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:cb:*`,
      `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/lambda/cb:*`,
      "arn:aws:s3:::my-bucket/*",
      `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:cb-token-??????`,
    ]) {
      assert.equal(isWildcardResource(r), false, r);
    }
  });

  it("reads svc:** and other wildcard-only names as service-wide", () => {
    assert.equal(actionBreadth("dynamodb:**"), "service");
    assert.equal(actionBreadth("dynamodb:?*"), "service");
    assert.equal(actionBreadth("**"), "all");
    assert.equal(actionBreadth("*:*"), "all");
    assert.equal(actionBreadth("dynamodb:Get*"), "partial");
    assert.equal(actionBreadth("dynamodb:GetItem"), "exact");
  });

  it("judges the known parts of a statement whose other values are unknown at preview", async () => {
    const out = await checkResource(iamNoWildcardActions, T.rolePolicy, {
      role: "r",
      policy: doc({ Effect: "Allow", Action: ["dynamodb:*"], Resource: [UNKNOWN.string] }),
    });
    assert.deepEqual(out.violations, [
      'Policy statement 0 allows every dynamodb action ("dynamodb:*") (not known yet at preview: Resource[0]).',
    ]);
    const star = await checkResource(iamNoWildcardResources, T.rolePolicy, {
      role: "r",
      policy: doc({ Effect: "Allow", Action: ["dynamodb:GetItem", UNKNOWN.string], Resource: "*" }),
    });
    assert.deepEqual(star.violations, ['Policy statement 0 grants dynamodb:GetItem on "*" (not known yet at preview: Action[1]).']);
  });
});

describe("policy iam-wildcard-actions-match-purpose", () => {
  const p = iamWildcardActionsMatchPurpose;
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/fn`;
  const role = (actions: string[]) => ({
    type: T.role,
    name: "fn",
    props: { arn: roleArn, name: "fn", inlinePolicies: [{ name: "p", policy: JSON.stringify(doc(allow(actions, "*"))) }] },
  });
  const fn = (extra: Record<string, unknown> = {}) => ({ type: T.lambdaFunction, name: "f", props: { role: roleArn, ...extra } });

  it("passes ENI actions for a Lambda in a VPC and X-Ray with tracing on", async () => {
    const out = await checkStack(p, [
      role(["ec2:CreateNetworkInterface", "xray:PutTraceSegments"]),
      fn({ vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] }, tracingConfig: { mode: "Active" } }),
    ]);
    assert.deepEqual(out.violations, []);
  });

  it("reports log-delivery and ENI actions on a plain Lambda role", async () => {
    const out = await checkStack(p, [role(["logs:PutResourcePolicy", "ec2:DeleteNetworkInterface"]), fn()]);
    assert.deepEqual(out.violations, [
      'Role fn holds logs:PutResourcePolicy (only for a state machine that logs), ec2:DeleteNetworkInterface (only for a Lambda function in a VPC) on "*", but nothing it runs needs them.',
    ]);
    assert.deepEqual(out.urns, [urnOf(T.role, "fn")]);
  });
});

describe("iam-role-not-shared-by-functions across services", () => {
  it("reports a role used by a Lambda and a state machine", async () => {
    const arn = `arn:aws:iam::${ACCOUNT}:role/shared`;
    const out = await checkStack(iamRoleNotShared, [
      { type: T.role, name: "shared", props: { arn, name: "shared" } },
      { type: T.lambdaFunction, name: "f", props: { role: arn } },
      { type: T.stateMachine, name: "m", props: { roleArn: arn } },
    ]);
    assert.deepEqual(out.violations, [
      "Role shared is used by more than one kind of service (Lambda f; state machine m); each needs its own permissions.",
    ]);
  });
});
