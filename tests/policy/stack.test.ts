import { strict as assert } from "node:assert";
import { breakerCircuitOpenedAlarm, breakerResourcesTagged, breakerRoleInvokeScope, invokedFunctions } from "../../policy/stack";
import { T } from "../../policy/util/types";
import { checkStack, StackResource, UNKNOWN, urnOf } from "./harness";

const ACCOUNT = "123456789012";
const fnArn = (n: string) => `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${n}`;
const roleArn = (n: string) => `arn:aws:iam::${ACCOUNT}:role/${n}`;
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:cb-alarms`;

function definition(...functions: string[]): string {
  const States: Record<string, unknown> = {};
  functions.forEach((f, i) => {
    States[`Call${i}`] = {
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: { FunctionName: f, "Payload.$": "$" },
      ...(i + 1 < functions.length ? { Next: `Call${i + 1}` } : { End: true }),
    };
  });
  return JSON.stringify({ StartAt: "Call0", States });
}

interface BreakerParts {
  name: string;
  invokes?: string[];
  grants?: unknown;
  alarm?: Record<string, unknown> | null;
}

/** A breaker as the stack's outputs describe it: machine, role + role policy, its functions, its alarm. */
function breaker({ name, invokes, grants, alarm }: BreakerParts): StackResource[] {
  const own = [`${name}-get-status`, `${name}-record-outcome`].map(fnArn);
  const calls = invokes ?? [...own, fnArn(`${name}-target`)];
  const resources: StackResource[] = [
    {
      type: T.stateMachine,
      name: `${name}-sfn`,
      props: { type: "EXPRESS", roleArn: roleArn(`${name}-sfn-role`), definition: definition(...calls), tags: { breaker: name } },
    },
    { type: T.role, name: `${name}-sfn-role`, props: { arn: roleArn(`${name}-sfn-role`), name: `${name}-sfn-role` } },
    {
      type: T.rolePolicy,
      name: `${name}-sfn-policy`,
      props: {
        role: `${name}-sfn-role`,
        policy:
          grants ??
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["lambda:InvokeFunction"], Resource: [...calls, ...calls.map((a) => `${a}:*`)] }],
          }),
      },
    },
    ...own.map((arn) => ({
      type: T.lambdaFunction,
      name: arn.split(":").pop()!,
      props: { arn, name: arn.split(":").pop()!, role: roleArn(arn.split(":").pop()!), tags: { breaker: name } },
    })),
  ];
  if (alarm !== null) {
    resources.push({
      type: T.metricAlarm,
      name: `${name}-circuit-opened`,
      props: { namespace: "CircuitBreaker", metricName: "CircuitOpened", dimensions: { Breaker: name }, alarmActions: [TOPIC], ...alarm },
    });
  }
  return resources;
}

describe("policy breaker-circuit-opened-alarm", () => {
  const p = breakerCircuitOpenedAlarm;

  it("passes when every breaker has a CircuitOpened alarm with an action (also through metric queries)", async () => {
    const viaQuery = {
      namespace: undefined,
      metricName: undefined,
      dimensions: undefined,
      metricQueries: [
        {
          id: "m1",
          metric: { namespace: "CircuitBreaker", metricName: "CircuitOpened", dimensions: { Breaker: "orders" }, period: 60, stat: "Sum" },
        },
      ],
    };
    const out = await checkStack(p, [...breaker({ name: "payments" }), ...breaker({ name: "orders", alarm: viaQuery })]);
    assert.deepEqual(out.violations, []);
  });

  it("reports a breaker without the alarm, on its state machine", async () => {
    const other = { dimensions: { Breaker: "payments" } };
    const out = await checkStack(p, [...breaker({ name: "payments" }), ...breaker({ name: "orders", alarm: other })]);
    assert.deepEqual(out.violations, ['Breaker "orders" has no alarm on CircuitBreaker/CircuitOpened with dimension Breaker=orders.']);
    assert.deepEqual(out.urns, [urnOf(T.stateMachine, "orders-sfn")]);
    const none = await checkStack(p, breaker({ name: "payments", alarm: null }));
    assert.equal(none.violations.length, 1);
  });

  it("reports an alarm with no action, or with actions disabled, on the alarm", async () => {
    const msg = [
      'The CircuitOpened alarm of breaker "payments" has no alarmActions (or actions are disabled); nobody is told when the circuit opens.',
    ];
    const empty = await checkStack(p, breaker({ name: "payments", alarm: { alarmActions: [] } }));
    assert.deepEqual(empty.violations, msg);
    assert.deepEqual(empty.urns, [urnOf(T.metricAlarm, "payments-circuit-opened")]);
    assert.deepEqual((await checkStack(p, breaker({ name: "payments", alarm: { actionsEnabled: false } }))).violations, msg);
  });

  it("accepts a topic ARN that is unknown at preview as an action", async () => {
    const out = await checkStack(p, breaker({ name: "payments", alarm: { alarmActions: [UNKNOWN.string] } }));
    assert.deepEqual(out.violations, []);
    assert.deepEqual(out.skipped, []);
  });

  it("takes metric and dimension names from config; not applicable without breakers", async () => {
    const out = await checkStack(p, breaker({ name: "payments" }), { config: { metricName: "Opened" } });
    assert.equal(out.violations.length, 1);
    const none = await checkStack(p, [{ type: T.table, name: "t", props: {} }]);
    assert.deepEqual(none.notApplicable, ["The stack has no breaker state machine"]);
  });
});

describe("policy breaker-role-invoke-scope", () => {
  const p = breakerRoleInvokeScope;

  it("passes roles that invoke only their own functions, target and fallback (with :* qualifiers)", async () => {
    const out = await checkStack(p, [
      ...breaker({ name: "payments" }),
      ...breaker({ name: "orders", invokes: [fnArn("orders-get-status"), fnArn("legacy-orders"), fnArn("orders-fallback")] }),
    ]);
    assert.deepEqual(out.violations, []);
  });

  it("reports a role that may invoke another breaker's function, on the role", async () => {
    const grants = {
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: [fnArn("payments-get-status"), fnArn("orders-record-outcome")] },
      ],
    };
    const out = await checkStack(p, [...breaker({ name: "payments", grants }), ...breaker({ name: "orders" })]);
    assert.deepEqual(out.violations, [
      `The role of breaker "payments" may invoke ${fnArn("orders-record-outcome")} (role policy payments-sfn-policy statement 0); only the breaker's own functions are allowed.`,
    ]);
    assert.deepEqual(out.urns, [urnOf(T.role, "payments-sfn-role")]);
  });

  it('reports "*", a wildcard function name and lambda:* on every function', async () => {
    const grants = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Effect: "Allow", Action: "lambda:*", Resource: "*" },
        { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:payments-*` },
      ],
    });
    const out = await checkStack(p, breaker({ name: "payments", grants }));
    assert.deepEqual(out.violations, [
      `The role of breaker "payments" may invoke * (role policy payments-sfn-policy statement 0); only the breaker's own functions are allowed.`,
      `The role of breaker "payments" may invoke arn:aws:lambda:eu-west-1:${ACCOUNT}:function:payments-* (role policy payments-sfn-policy statement 1); only the breaker's own functions are allowed.`,
    ]);
  });

  it("reads inline policies and attached AWS-managed policies of the role", async () => {
    const stack = breaker({ name: "payments" });
    const role = stack.find((r) => r.type === T.role)!;
    role.props.inlinePolicies = [
      {
        name: "extra",
        policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: fnArn("billing") }] }),
      },
    ];
    role.props.managedPolicyArns = ["arn:aws:iam::aws:policy/service-role/AWSLambdaRole"];
    const out = await checkStack(p, stack);
    assert.deepEqual(out.violations, [
      'The role of breaker "payments" attaches AWSLambdaRole, which may invoke every function.',
      `The role of breaker "payments" may invoke ${fnArn("billing")} (inline policy "extra" statement 0); only the breaker's own functions are allowed.`,
    ]);
  });

  it("follows propertyDependencies when role names and ARNs are unknown at preview", async () => {
    const stack = breaker({
      name: "payments",
      grants: { Statement: [{ Effect: "Allow", Action: "lambda:InvokeFunction", Resource: "*" }] },
    });
    const roleUrn = urnOf(T.role, "payments-sfn-role");
    for (const r of stack) {
      if (r.type === T.role) r.props = { arn: UNKNOWN.string, name: UNKNOWN.string };
      if (r.type === T.stateMachine)
        Object.assign(r, { props: { ...r.props, roleArn: UNKNOWN.string }, propertyDependencies: { roleArn: [roleUrn] } });
      if (r.type === T.rolePolicy)
        Object.assign(r, { props: { ...r.props, role: UNKNOWN.string }, propertyDependencies: { role: [roleUrn] } });
    }
    const out = await checkStack(p, stack);
    assert.equal(out.violations.length, 1);
    assert.match(out.violations[0], /may invoke \* \(role policy payments-sfn-policy statement 0\)/);
  });

  it("skips a breaker whose definition is unknown at preview", async () => {
    const stack = breaker({ name: "payments" });
    stack[0].props.definition = UNKNOWN.string;
    const out = await checkStack(p, stack);
    assert.deepEqual(out.violations, []);
    assert.equal(out.skipped.length, 1);
  });

  it("reports a role that is not in the stack", async () => {
    const stack = breaker({ name: "payments" }).filter((r) => r.type !== T.role);
    const out = await checkStack(p, stack);
    assert.deepEqual(out.violations, [
      `The role of breaker "payments" (${roleArn("payments-sfn-role")}) is not in this stack; its invoke permissions cannot be checked.`,
    ]);
  });

  it("reads the functions a definition invokes, in nested states too", () => {
    const def = {
      StartAt: "P",
      States: {
        P: { Type: "Parallel", Branches: [{ StartAt: "A", States: { A: { Type: "Task", Resource: fnArn("a"), End: true } } }], Next: "M" },
        M: {
          Type: "Map",
          ItemProcessor: {
            StartAt: "B",
            States: { B: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Arguments: { FunctionName: fnArn("b") }, End: true } },
          },
          Next: "D",
        },
        D: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { "FunctionName.$": "$.target" }, Next: "G" },
        G: { Type: "Task", Resource: "arn:aws:states:::dynamodb:getItem", End: true },
      },
    };
    assert.deepEqual(invokedFunctions(JSON.stringify(def)), [fnArn("a"), fnArn("b"), "(dynamic)"]);
  });
});

describe("policy breaker-resources-tagged", () => {
  const p = breakerResourcesTagged;
  const TABLE_ARN = `arn:aws:dynamodb:eu-west-1:${ACCOUNT}:table/cb-state`;
  const handler = {
    type: T.lambdaFunction,
    name: "record-outcome",
    props: {
      name: "cb-record-outcome",
      arn: fnArn("cb-record-outcome"),
      tags: { breaker: "payments" },
      environment: { variables: { STATE: "cb-state" } },
    },
  };
  const table = (tags: Record<string, string>) => ({ type: T.table, name: "state", props: { name: "cb-state", arn: TABLE_ARN, tags } });
  const machine = (tags: Record<string, string>) => ({
    type: T.stateMachine,
    name: "sm",
    props: { definition: definition("cb-record-outcome"), tags },
  });

  it("passes when the machine and the table the breaker uses carry their tags", async () => {
    const out = await checkStack(p, [handler, table({ "circuitbreaker:role": "state-store" }), machine({ breaker: "payments" })]);
    assert.deepEqual(out.violations, []);
  });

  it("reports an untagged table a breaker function reads through its environment, and an untagged machine calling the handlers", async () => {
    const out = await checkStack(p, [handler, table({}), machine({})]);
    assert.deepEqual(out.violations, [
      "State machine sm calls the breaker's functions but has no breaker tag, so the breaker rules (EXPRESS, logging, invoke scope) skip it.",
      "Table state holds breaker state (used by function record-outcome) but is not tagged circuitbreaker:role=state-store, so the state-store rules (TTL, PITR, encryption, TLS, AUTH) skip it.",
    ]);
    assert.deepEqual(out.urns, [urnOf(T.stateMachine, "sm"), urnOf(T.table, "state")]);
  });

  it("is not applicable to a stack without breaker resources", async () => {
    const out = await checkStack(p, [table({})]);
    assert.deepEqual(out.notApplicable, ["The stack has no breaker resources"]);
  });
});
