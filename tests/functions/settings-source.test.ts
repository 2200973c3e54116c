import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { ServerResponse } from "node:http";
import { SSMClient } from "@aws-sdk/client-ssm";
import { BreakerSettings, SETTING_NAMES } from "../../core/settings";
import { acquireProbeDefinition } from "../../functions/handlers/acquire-probe";
import { getStatusDefinition } from "../../functions/handlers/get-status";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { currentSettings, HandlerDeps } from "../../functions/shared/runtime";
import { applyOverrides, DEPLOY_TIME_SETTINGS, refreshDue, RUNTIME_SETTINGS } from "../../core/settings-overrides";
import { ParameterFetcher, SettingsSource } from "../../functions/shared/settings-source";
import { boundedSsmClient, ssmParameterFetcher } from "../../functions/shared/ssm-parameter";
import { ensureTable } from "../../functions/store/table-schema";
import { dynamoClient, startDynamoLocal } from "../support/servers";
import { StateStore } from "../../core/state-store";
import {
  answerAwsJson,
  AWS_JSON,
  closeStores,
  FAKE_AWS_CLIENT,
  FakeAwsEndpoint,
  fakeAwsEndpoint,
  harness,
  lambdaDeps,
  openStore,
  RecordingLog,
  SeenRequest,
  settingsOf,
  TestClock,
  uniqueBreaker,
} from "./support";

const PARAM = "/circuit-breaker/test/orders/settings";
const DEPLOYED = settingsOf({ failureThreshold: 5, openDurationSeconds: 30 });

/** A fetcher answering from `answers` in turn (a thrown Error when the answer is one); records each name asked for. */
function scriptedFetcher(...answers: (string | Error)[]): { fetch: ParameterFetcher; names: string[] } {
  const names: string[] = [];
  let n = 0;
  const fetch: ParameterFetcher = async (name) => {
    names.push(name);
    const answer = answers[Math.min(n++, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { fetch, names };
}

function sourceOf(fetch: ParameterFetcher, refreshSeconds = 60, deployed: BreakerSettings = DEPLOYED) {
  const clock = new TestClock();
  const log = new RecordingLog();
  const source = new SettingsSource({ parameter: PARAM, refreshSeconds, deployed, fetch, now: clock.now });
  return { source, clock, log, current: () => source.current(log) };
}

const warnings = (log: RecordingLog) => log.entries.filter((e) => e.level === "warn");

function ssmError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe("runtime settings: which settings change without a redeploy, and merging overrides", () => {
  it("every setting is either applied at runtime or needs a redeploy, never both", () => {
    const runtime = [...RUNTIME_SETTINGS] as string[];
    const deployTime = Object.keys(DEPLOY_TIME_SETTINGS);
    assert.deepEqual([...runtime, ...deployTime].sort(), [...SETTING_NAMES].sort());
    assert.equal(runtime.filter((k) => deployTime.includes(k)).length, 0);
    for (const k of [
      "timeoutSeconds",
      "retryAttempts",
      "retryIntervalSeconds",
      "retryBackoffRate",
      "retryMaxDelaySeconds",
      "ignoredErrors",
      "onStoreError",
      "tripRule",
    ]) {
      assert.ok(deployTime.includes(k), `${k} is baked into the state machine`);
    }
    for (const k of ["failureThreshold", "openDurationSeconds", "maxOpenDurationSeconds", "openDurationMultiplier", "halfOpenProbes"]) {
      assert.ok(runtime.includes(k), `${k} applies at runtime`);
    }
  });

  it("a partial document is merged over the deployed settings; {} is the deployed settings", () => {
    const merged = applyOverrides(DEPLOYED, '{"failureThreshold":3,"openDurationSeconds":60}', PARAM);
    assert.deepEqual(merged, { ...DEPLOYED, failureThreshold: 3, openDurationSeconds: 60 });
    assert.deepEqual(applyOverrides(DEPLOYED, "{}", PARAM), DEPLOYED);
  });

  it("checks only the document: the deployed settings (validated at deploy time and cold start) are not validated again", () => {
    // A deployed value no schema would accept today stays as deployed; the document's own keys are checked.
    const deployed = { ...DEPLOYED, failureThreshold: 0 };
    assert.deepEqual(applyOverrides(deployed, '{"openDurationSeconds":60}', PARAM), { ...deployed, openDurationSeconds: 60 });
    assert.throws(
      () => applyOverrides(deployed, '{"failureThreshold":0}', PARAM),
      /failureThreshold is 0; allowed: an integer from 1 to 10000$/,
    );
  });

  it("bad documents throw a SettingsError naming the setting and what is allowed", () => {
    const cases: [string, string, RegExp][] = [
      ["{failureThreshold:3", PARAM, /is not valid JSON .*allowed: a JSON object of breaker settings/],
      ["[3]", PARAM, /must be a JSON object of breaker settings, got \[3\]/],
      ['{"failureThreshold":0}', `${PARAM}.failureThreshold`, /failureThreshold is 0; allowed: an integer from 1 to 10000$/],
      ['{"failureTreshold":3}', `${PARAM}.failureTreshold`, /is not a breaker setting; allowed: tripRule, failureThreshold/],
      // a string is not a number, and Object.prototype names are not settings (issue 14)
      ['{"openDurationSeconds":"60"}', `${PARAM}.openDurationSeconds`, /openDurationSeconds is "60"; allowed: an integer from 1 to 86400$/],
      ['{"constructor":1}', `${PARAM}.constructor`, /constructor is not a breaker setting; allowed: tripRule,/],
      ['{"toString":1}', `${PARAM}.toString`, /toString is not a breaker setting; allowed: tripRule,/],
      ['{"hasOwnProperty":1}', `${PARAM}.hasOwnProperty`, /hasOwnProperty is not a breaker setting; allowed: tripRule,/],
      ['{"__proto__":{"failureThreshold":1}}', `${PARAM}.__proto__`, /__proto__ is not a breaker setting; allowed: tripRule,/],
      ['{"failureThreshold":1e309}', `${PARAM}.failureThreshold`, /failureThreshold is Infinity; allowed: an integer from 1 to 10000$/],
      [
        '{"openDurationSeconds":600}',
        `${PARAM}.maxOpenDurationSeconds`,
        /maxOpenDurationSeconds is 300; allowed: at least openDurationSeconds \(600\)/,
      ],
      [
        '{"timeoutSeconds":20}',
        `${PARAM}.timeoutSeconds`,
        /timeoutSeconds is 20 but 10 is deployed; timeoutSeconds changes only with a redeploy \(the state machine's TimeoutSeconds.*allowed at runtime: failureThreshold,/,
      ],
      [
        '{"ignoredErrors":["ClientError","NotFound"]}',
        `${PARAM}.ignoredErrors`,
        /changes only with a redeploy \(the state machine's Retry and Catch/,
      ],
      [
        '{"slowCallDurationMs":500}',
        `${PARAM}.slowCallDurationMs`,
        /slowCallDurationMs is 500 but 0 is deployed; allowed at runtime: 0 \(turning slow-call detection on or off/,
      ],
      // Sampled successes: a number above 0 and at most 1, with the rate rule only, and never changed at runtime.
      ['{"successSampleRate":0}', `${PARAM}.successSampleRate`, /successSampleRate is 0; allowed: a number above 0 and at most 1$/],
      ['{"successSampleRate":1.5}', `${PARAM}.successSampleRate`, /successSampleRate is 1.5; allowed: a number above 0 and at most 1$/],
      [
        '{"successSampleRate":0.1}',
        `${PARAM}.successSampleRate`,
        /successSampleRate is 0.1; allowed: 1 unless tripRule is "rate" and slowCallDurationMs is 0 \(here tripRule is "consecutive"/,
      ],
      [
        '{"successSampleRate":0.1,"tripRule":"rate"}',
        `${PARAM}.tripRule`,
        /tripRule is "rate" but "consecutive" is deployed; tripRule changes only with a redeploy/,
      ],
    ];
    for (const [text, setting, message] of cases) {
      assert.throws(
        () => applyOverrides(DEPLOYED, text, PARAM),
        (e: Error & { setting?: string }) => e.name === "SettingsError" && e.setting === setting && message.test(e.message),
        text,
      );
    }
  });

  it("deploy-time settings equal to the deployed values are accepted; a slow-call threshold may change while detection stays on", () => {
    assert.deepEqual(applyOverrides(DEPLOYED, JSON.stringify(DEPLOYED), PARAM), DEPLOYED);
    assert.deepEqual(applyOverrides(DEPLOYED, '{"ignoredErrors":["ClientError"],"retryAttempts":2}', PARAM), DEPLOYED);
    const slow = settingsOf({ slowCallDurationMs: 500 });
    assert.equal(applyOverrides(slow, '{"slowCallDurationMs":2000}', PARAM).slowCallDurationMs, 2000);
    assert.throws(
      () => applyOverrides(slow, '{"slowCallDurationMs":0}', PARAM),
      /slowCallDurationMs is 0 but 500 is deployed; allowed at runtime: an integer from 1 to 900000/,
    );
  });

  it("a refresh is due when never read, once the interval has passed, or when the clock went back", () => {
    assert.equal(refreshDue(null, 1000, 60_000), true);
    assert.equal(refreshDue(1000, 60_999, 60_000), false);
    assert.equal(refreshDue(1000, 61_000, 60_000), true);
    assert.equal(refreshDue(1000, 999, 60_000), true);
  });

  it("an event's settingsParameter is validated with the event: a parameter name and a refresh from 5 to 3600 s", async () => {
    const deps: HandlerDeps = { ...harness({} as StateStore, settingsOf()).deps, fetchParameter: async () => "{}" };
    const record = recordOutcomeDefinition.make(deps);
    const bad: [unknown, RegExp][] = [
      [
        { name: PARAM, refreshSeconds: 4 },
        /^record-outcome event\.settingsParameter\.refreshSeconds is 4; allowed: an integer from 5 to 3600$/,
      ],
      [{ name: PARAM, refreshSeconds: 1.5 }, /refreshSeconds is 1\.5/],
      [
        { name: "/circuit breaker/x", refreshSeconds: 60 },
        /settingsParameter\.name is "\/circuit breaker\/x"; allowed: an SSM parameter name/,
      ],
      [{ name: "/a//b", refreshSeconds: 60 }, /settingsParameter\.name is "\/a\/\/b"/],
      [
        { name: PARAM, refreshSeconds: 60, version: 2 },
        /settingsParameter\.version is not a settings parameter field; allowed: name, refreshSeconds/,
      ],
    ];
    for (const [settingsParameter, message] of bad)
      await assert.rejects(
        record({ breaker: "orders", gen: 0, outcome: "success", settingsParameter }),
        (e: Error) => e.name === "InvalidEventError" && message.test(e.message),
        JSON.stringify(settingsParameter),
      );
  });
});

describe("SettingsSource with an injected fetcher and clock", () => {
  it("reads the named parameter and applies its overrides, logging what changed once", async () => {
    const { fetch, names } = scriptedFetcher('{"failureThreshold":3}');
    const s = sourceOf(fetch);
    assert.deepEqual(await s.current(), { ...DEPLOYED, failureThreshold: 3 });
    assert.deepEqual(names, [PARAM]);
    const applied = s.log.withMessage(`settings parameter ${PARAM} applied`);
    assert.equal(applied.length, 1);
    assert.deepEqual(applied[0].attributes.changes, [{ setting: "failureThreshold", from: 5, to: 3 }]);
    assert.equal(warnings(s.log).length, 0);
  });

  it("refreshes at most once per interval; a changed parameter applies from the first read after it", async () => {
    const { fetch, names } = scriptedFetcher('{"failureThreshold":3}', '{"failureThreshold":2,"openDurationSeconds":10}');
    const s = sourceOf(fetch, 60);
    assert.equal((await s.current()).failureThreshold, 3);
    s.clock.advance(59_999);
    assert.equal((await s.current()).failureThreshold, 3);
    assert.equal((await s.current()).failureThreshold, 3);
    assert.equal(names.length, 1, "no read before the interval has passed");
    s.clock.advance(1);
    const next = await s.current();
    assert.deepEqual(
      { failureThreshold: next.failureThreshold, openDurationSeconds: next.openDurationSeconds },
      { failureThreshold: 2, openDurationSeconds: 10 },
    );
    assert.equal(names.length, 2);
  });

  it("callers arriving during a read share it", async () => {
    let release: (text: string) => void = () => undefined;
    let reads = 0;
    const s = sourceOf(() => {
      reads++;
      return new Promise<string>((r) => (release = r));
    });
    const pending = [s.current(), s.current(), s.current()];
    release('{"halfOpenProbes":2}');
    const all = await Promise.all(pending);
    assert.equal(reads, 1);
    assert.deepEqual(
      all.map((x) => x.halfOpenProbes),
      [2, 2, 2],
    );
  });

  it("removing a key from the parameter reverts that setting to its deployed value", async () => {
    const { fetch } = scriptedFetcher('{"failureThreshold":3,"openDurationSeconds":60}', '{"openDurationSeconds":60}');
    const s = sourceOf(fetch, 5);
    assert.equal((await s.current()).failureThreshold, 3);
    s.clock.advance(5_000);
    const after = await s.current();
    assert.deepEqual(
      { failureThreshold: after.failureThreshold, openDurationSeconds: after.openDurationSeconds },
      { failureThreshold: 5, openDurationSeconds: 60 },
    );
  });

  it("a failed read keeps the last good settings and logs one warning naming the problem; the next read waits for the interval", async () => {
    const { fetch, names } = scriptedFetcher(
      '{"failureThreshold":3}',
      ssmError("ParameterNotFound", "parameter not found"),
      '{"failureThreshold":4}',
    );
    const s = sourceOf(fetch, 60);
    assert.equal((await s.current()).failureThreshold, 3);
    s.clock.advance(60_000);
    assert.deepEqual(await s.current(), { ...DEPLOYED, failureThreshold: 3 });
    assert.equal((await s.current()).failureThreshold, 3);
    assert.equal(names.length, 2, "a failed read is not retried before the interval");
    const warned = warnings(s.log);
    assert.equal(warned.length, 1);
    assert.equal(
      warned[0].message,
      `settings parameter ${PARAM} could not be read, keeping the last good settings: ParameterNotFound: parameter not found`,
    );
    assert.deepEqual(
      { parameter: warned[0].attributes.parameter, errorName: warned[0].attributes.errorName },
      { parameter: PARAM, errorName: "ParameterNotFound" },
    );
    s.clock.advance(60_000);
    assert.equal((await s.current()).failureThreshold, 4, "recovers on the next read");
    assert.equal(warnings(s.log).length, 1);
  });

  it("a read that fails from the start keeps the deployed settings", async () => {
    const { fetch } = scriptedFetcher(ssmError("TimeoutError", "Request did not complete within 1000 ms"));
    const s = sourceOf(fetch);
    assert.deepEqual(await s.current(), DEPLOYED);
    assert.match(warnings(s.log)[0].message, /could not be read, keeping the deployed settings: TimeoutError: /);
  });

  it("an invalid value keeps the last good settings and logs one warning naming the setting and its allowed range", async () => {
    const { fetch, names } = scriptedFetcher(
      '{"failureThreshold":3}',
      '{"failureThreshold":3,"openDurationSeconds":0}',
      "not json",
      '{"timeoutSeconds":30}',
      '{"failureThreshold":2}',
    );
    const s = sourceOf(fetch, 5);
    assert.equal((await s.current()).failureThreshold, 3);
    const expected = { ...DEPLOYED, failureThreshold: 3 };
    for (let i = 0; i < 3; i++) {
      s.clock.advance(5_000);
      assert.deepEqual(await s.current(), expected, "nothing of an invalid document applies");
    }
    const warned = warnings(s.log);
    assert.equal(warned.length, 3);
    assert.equal(warned[0].attributes.setting, `${PARAM}.openDurationSeconds`);
    assert.equal(
      warned[0].message,
      `settings parameter ${PARAM} is not applied, keeping the last good settings: SettingsError: ${PARAM}.openDurationSeconds is 0; allowed: an integer from 1 to 86400`,
    );
    assert.match(warned[1].message, /is not valid JSON/);
    assert.equal(warned[2].attributes.setting, `${PARAM}.timeoutSeconds`);
    assert.match(warned[2].message, /timeoutSeconds is 30 but 10 is deployed; timeoutSeconds changes only with a redeploy/);
    s.clock.advance(5_000);
    assert.equal((await s.current()).failureThreshold, 2);
    assert.equal(names.length, 5);
  });

  it("without a settingsParameter in the event the handlers run with the deployed settings and nothing is read", async () => {
    const { fetch, names } = scriptedFetcher('{"failureThreshold":1}');
    const deps = recordOutcomeDefinition.deps({ STORE_KIND: "dynamodb", TABLE_NAME: "unused" }, { fetchParameter: fetch });
    const event = { breaker: "orders", settings: { failureThreshold: 4 } };
    for (let i = 0; i < 3; i++) assert.deepEqual(await currentSettings(deps, event, "test event"), settingsOf({ failureThreshold: 4 }));
    assert.deepEqual(names, []);
  });

  it("with a settingsParameter in the event, the definition's deps read that parameter with the refresh the event gives", async () => {
    const { fetch, names } = scriptedFetcher('{"failureThreshold":1}', '{"failureThreshold":2}');
    const clock = new TestClock();
    const deps: HandlerDeps = {
      ...recordOutcomeDefinition.deps({ STORE_KIND: "dynamodb", TABLE_NAME: "unused" }, { fetchParameter: fetch, now: clock.now }),
      log: new RecordingLog(),
    };
    const event = { breaker: "orders", settings: { failureThreshold: 4 }, settingsParameter: { name: PARAM, refreshSeconds: 30 } };
    assert.deepEqual(await currentSettings(deps, event, "test event"), settingsOf({ failureThreshold: 1 }));
    clock.advance(29_999);
    assert.equal((await currentSettings(deps, event, "test event")).failureThreshold, 1);
    clock.advance(1);
    assert.equal((await currentSettings(deps, event, "test event")).failureThreshold, 2);
    assert.deepEqual(names, [PARAM, PARAM]);
  });
});

describe("every store-using handler runs each invocation with the settings in force", () => {
  let store: StateStore;
  before(async () => {
    store = await openStore("dynamodb");
  });
  after(closeStores);

  it("record-outcome and acquire-probe apply the breaker's parameter; get-status reads none (onStoreError is deploy-time)", async () => {
    const h = harness(store, settingsOf());
    const deployed = { failureThreshold: 5, halfOpenProbes: 1, openDurationSeconds: 10 };
    let live = '{"failureThreshold":1,"halfOpenProbes":2}';
    let reads = 0;
    const deps: HandlerDeps = {
      ...h.deps,
      fetchParameter: async () => {
        reads++;
        return live;
      },
    };
    const breaker = uniqueBreaker();
    const ctx = { breaker, settings: deployed, settingsParameter: { name: `/cb/test/${breaker}/settings`, refreshSeconds: 5 } };
    const recorded = await recordOutcomeDefinition.make(deps)({ ...ctx, gen: 0, outcome: "failure", error: "Boom" });
    assert.equal(recorded.result, "tripped", "threshold 1 in force, not the deployed 5");
    h.clock.advance(10_001);
    const acquire = acquireProbeDefinition.make(deps);
    const grants = [await acquire({ ...ctx, leaseId: "a" }), await acquire({ ...ctx, leaseId: "b" })];
    assert.deepEqual(
      grants.map((g) => g.admitted),
      [true, true],
      "two probe slots in force, not the deployed 1",
    );
    live = '{"failureThreshold":1,"halfOpenProbes":3}';
    assert.equal((await acquire({ ...ctx, leaseId: "c" })).admitted, false, "within the refresh interval: still 2 slots");
    assert.equal(reads, 2, "read once, then again when the refresh was due (the test clock moved 10 s)");
    const { settingsParameter: _unused, ...withoutParameter } = ctx;
    void _unused;
    assert.equal((await getStatusDefinition.make(deps)({ ...withoutParameter })).Item?.state.S, "HALF_OPEN");
    assert.equal(reads, 2, "get-status, the Redis path's read of every execution, does not read the settings");
  });
});

// ---------------------------------------------------------------------------------------------
// The real SSM client against a local endpoint speaking the SSM JSON protocol

interface StoredParameter {
  type: "String" | "SecureString" | "StringList";
  value: string;
}

/** A tiny SSM: GetParameter on `params`; ParameterNotFound otherwise. */
function ssmAnswers(params: Map<string, StoredParameter>): (res: ServerResponse, req: SeenRequest) => void {
  return (res, req) => {
    const target = req.headers["x-amz-target"];
    if (target !== "AmazonSSM.GetParameter")
      return answerAwsJson(res, 400, { __type: "InvalidAction", message: `unexpected ${String(target)}` }, "InvalidAction");
    const { Name } = JSON.parse(req.body) as { Name: string };
    const p = params.get(Name);
    if (!p) return answerAwsJson(res, 400, { __type: "ParameterNotFound", message: "" }, "ParameterNotFound");
    const ARN = `arn:aws:ssm:us-east-1:123456789012:parameter${Name}`;
    return answerAwsJson(res, 200, { Parameter: { Name, Type: p.type, Value: p.value, Version: 1, DataType: "text", ARN } });
  };
}

describe("ssmParameterFetcher against a local endpoint speaking the SSM JSON protocol", () => {
  let endpoint: FakeAwsEndpoint;
  let client: SSMClient;
  const params = new Map<string, StoredParameter>();

  before(async () => {
    endpoint = await fakeAwsEndpoint();
    client = boundedSsmClient(300, { endpoint: endpoint.url, ...FAKE_AWS_CLIENT });
  });
  beforeEach(() => {
    endpoint.seen.length = 0;
    endpoint.respond = ssmAnswers(params);
    params.clear();
  });
  after(async () => {
    client.destroy();
    await endpoint.close();
  });

  it("sends one GetParameter (WithDecryption false) for the parameter and returns its value", async () => {
    params.set(PARAM, { type: "String", value: '{"failureThreshold":3}' });
    assert.equal(await ssmParameterFetcher(client)(PARAM), '{"failureThreshold":3}');
    assert.equal(endpoint.seen.length, 1);
    const [req] = endpoint.seen;
    assert.equal(req.method, "POST");
    assert.equal(req.headers["x-amz-target"], "AmazonSSM.GetParameter");
    assert.equal(req.headers["content-type"], AWS_JSON);
    assert.deepEqual(JSON.parse(req.body), { Name: PARAM, WithDecryption: false });
  });

  it("a missing parameter, a SecureString, a failing service and a silent one are errors the SettingsSource survives", async () => {
    const fetch = ssmParameterFetcher(client);
    await assert.rejects(fetch(PARAM), (e: Error) => e.name === "ParameterNotFound");
    params.set(PARAM, { type: "SecureString", value: "AQICAH..." });
    await assert.rejects(
      fetch(PARAM),
      /SSM parameter \/circuit-breaker\/test\/orders\/settings is of type SecureString; allowed: type String/,
    );

    endpoint.seen.length = 0;
    endpoint.respond = (res) => answerAwsJson(res, 500, { __type: "InternalServerError", message: "boom" }, "InternalServerError");
    await assert.rejects(fetch(PARAM), (e: Error) => e.name === "InternalServerError");
    assert.equal(endpoint.seen.length, 2, "maxAttempts 2: one retry");

    endpoint.respond = () => undefined; // never answers
    await assert.rejects(fetch(PARAM), (e: Error) => e.name === "TimeoutError");

    const s = sourceOf(fetch);
    assert.deepEqual(await s.current(), DEPLOYED);
    assert.match(warnings(s.log)[0].message, /could not be read, keeping the deployed settings: TimeoutError/);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: record-outcome on DynamoDB Local, settings from the parameter through the SSM client

describe("record-outcome on DynamoDB Local follows the settings parameter without a redeploy", () => {
  let endpoint: FakeAwsEndpoint;
  let ssm: SSMClient;
  let tableName: string;
  let ddbEndpoint: string;
  const opened: HandlerDeps[] = [];
  const params = new Map<string, StoredParameter>();

  before(async () => {
    const ddb = await startDynamoLocal();
    ddbEndpoint = ddb.endpoint;
    tableName = `settings-${randomUUID().slice(0, 8)}`;
    const admin = dynamoClient(ddbEndpoint, 10_000);
    await ensureTable(admin, tableName);
    admin.destroy();
    endpoint = await fakeAwsEndpoint();
    endpoint.respond = ssmAnswers(params);
    ssm = boundedSsmClient(1000, { endpoint: endpoint.url, ...FAKE_AWS_CLIENT });
  });
  after(async () => {
    ssm.destroy();
    await endpoint.close();
    for (const deps of opened) await (await deps.store()).close();
  });

  /** The Lambda's deployed configuration (the definition's deps from its environment), with SSM at the local endpoint. */
  function deployedHandler(breaker: string, parameter: string) {
    const clock = new TestClock();
    const log = new RecordingLog();
    const env = {
      STORE_KIND: "dynamodb",
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: ddbEndpoint,
    };
    // What the breaker's state machine sends with every event.
    const ctx = {
      breaker,
      settings: { tripRule: "consecutive", failureThreshold: 5 },
      settingsParameter: { name: parameter, refreshSeconds: 5 },
    };
    const deps: HandlerDeps = { ...lambdaDeps(env, { fetchParameter: ssmParameterFetcher(ssm), now: clock.now }).deps, log };
    opened.push(deps);
    const handle = recordOutcomeDefinition.make(deps);
    const fail = () => handle({ ...ctx, gen: 0, outcome: "failure", error: "ServiceUnavailable" });
    /** The stored record, through the function's own store (its table on DynamoDB Local). */
    const stored = async () => (await deps.store()).get(breaker);
    return { clock, log, fail, stored };
  }

  it("lowering failureThreshold in the parameter trips the breaker earlier, from the first refresh after the change", async () => {
    const breaker = uniqueBreaker("ssm");
    const parameter = `/circuit-breaker/test/${breaker}/settings`;
    params.set(parameter, { type: "String", value: "{}" });
    const t = deployedHandler(breaker, parameter);
    endpoint.seen.length = 0;

    const results = [await t.fail(), await t.fail()];
    params.set(parameter, { type: "String", value: '{"failureThreshold":3}' }); // aws ssm put-parameter --overwrite
    results.push(await t.fail()); // within the refresh interval: still the cached settings (threshold 5)
    t.clock.advance(5_000);
    results.push(await t.fail()); // refreshed: 4 consecutive failures >= 3
    assert.deepEqual(
      results.map((r) => `${r.result}:${r.state}`),
      ["counted:CLOSED", "counted:CLOSED", "counted:CLOSED", "tripped:OPEN"],
    );
    assert.match(String(results[3].transition?.reason), /consecutive/);
    assert.equal((await t.stored())?.state, "OPEN");
    assert.equal(endpoint.seen.length, 2, "one read at the first call, one after the interval");
    assert.deepEqual(
      endpoint.seen.map((r) => JSON.parse(r.body).Name),
      [parameter, parameter],
    );
    const applied = t.log.withMessage(`settings parameter ${parameter} applied`);
    assert.deepEqual(
      applied.map((e) => e.attributes.changes),
      [[{ setting: "failureThreshold", from: 5, to: 3 }]],
    );
  });

  it("an invalid or unreadable parameter never breaks a call: the deployed threshold applies and the count stays right", async () => {
    const breaker = uniqueBreaker("ssm");
    const parameter = `/circuit-breaker/test/${breaker}/settings`;
    params.set(parameter, { type: "String", value: '{"failureThreshold":0}' });
    const t = deployedHandler(breaker, parameter);

    const results = [await t.fail(), await t.fail()];
    params.delete(parameter); // ParameterNotFound
    t.clock.advance(5_000);
    results.push(await t.fail(), await t.fail());
    params.set(parameter, { type: "String", value: "{failureThreshold:" });
    t.clock.advance(5_000);
    results.push(await t.fail());
    assert.deepEqual(
      results.map((r) => r.result),
      ["counted", "counted", "counted", "counted", "tripped"],
      "tripped at the deployed threshold 5",
    );
    const rec = await t.stored();
    assert.equal(rec?.state, "OPEN");
    assert.equal(rec?.gen, 1);
    const warned = warnings(t.log).map((e) => e.message);
    assert.equal(warned.length, 3);
    assert.match(
      warned[0],
      /is not applied, keeping the deployed settings: SettingsError: .*failureThreshold is 0; allowed: an integer from 1 to 10000/,
    );
    assert.match(warned[1], /could not be read, keeping the deployed settings: ParameterNotFound/);
    assert.match(warned[2], /is not valid JSON/);
  });
});
