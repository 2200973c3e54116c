// Scenario files and the command line: every mistake is named (field, value, what is allowed).

import { strict as assert } from "node:assert";
import { join } from "node:path";
import { CliError, DEFAULT_OUT_DIR, parseArgs } from "../../local/cli-args";
import { DEFAULT_SCENARIO_FILE, loadScenarioFile, ScenarioError, validateScenario } from "../../local/scenario";
import { scaleSettings, TIME_SETTINGS } from "../../local/speed";
import { DEFAULT_SETTINGS } from "../../core/settings";
import { fastScenarioJson, scenarioError, tempDir, writeJson } from "./support";

type Json = Record<string, unknown>;

/** A copy of the fast scenario with one change applied. */
function variant(change: (s: Json) => void): Json {
  const s = JSON.parse(JSON.stringify(fastScenarioJson())) as Json;
  change(s);
  return s;
}

const phases = (s: Json) => s.phases as Json[];
const breaker = (s: Json) => s.breaker as Json;

const CASES: { what: string; change: (s: Json) => void; field: string; message: RegExp }[] = [
  // issue 14: strict schema cases
  {
    what: "a numeric string as a rate",
    change: (s) => ((s.traffic as Json).ratePerSecond = "5"),
    field: "scenario.traffic.ratePerSecond",
    message: /ratePerSecond is "5"; allowed: a number from 0\.01 to 10000$/,
  },
  {
    what: "a numeric string as a setting",
    change: (s) => (breaker(s).settings = { failureThreshold: "7" }),
    field: "scenario.breaker.settings.failureThreshold",
    message: /failureThreshold is "7"; allowed: an integer from 1 to 10000$/,
  },
  {
    what: "constructor as a setting",
    change: (s) => (breaker(s).settings = JSON.parse('{"constructor":1}')),
    field: "scenario.breaker.settings.constructor",
    message: /settings\.constructor is not a breaker setting; allowed: tripRule,/,
  },
  {
    what: "__proto__ as a setting",
    change: (s) => (breaker(s).settings = JSON.parse('{"__proto__":{"failureThreshold":1}}')),
    field: "scenario.breaker.settings.__proto__",
    message: /settings\.__proto__ is not a breaker setting; allowed: tripRule,/,
  },
  {
    what: "toString as a phase field",
    change: (s) => ((phases(s)[0] as Record<string, unknown>)["toString"] = 1),
    field: "scenario.phases[0].toString",
    message: /is not a known field; allowed: name, durationSeconds/,
  },
  {
    what: "an infinite duration",
    change: (s) => (phases(s)[0].durationSeconds = JSON.parse("1e309")),
    field: "scenario.phases[0].durationSeconds",
    message: /durationSeconds is Infinity; allowed: a number from 0\.1 to 86400$/,
  },
  {
    what: "a 10,000-character name",
    change: (s) => (s.name = "x".repeat(10000)),
    field: "scenario.name",
    message: /^scenario\.name is "x{79}… \(10002 characters\); allowed: 1 to 64/,
  },
  {
    what: "a 7 KB phase list (101 phases): the value is shown cut short",
    change: (s) =>
      (s.phases = Array.from({ length: 101 }, (_, i) => ({ name: `phase-${i}`, durationSeconds: 10, failureRate: 0.1, latencyMs: 20 }))),
    field: "scenario.phases",
    message: /^scenario\.phases is \[\{"name":"phase-0".{0,80}… \(7466 characters\); allowed: a list of 1 to 100 phases$/,
  },
  {
    what: "a description over 2000 characters",
    change: (s) => (s.description = "d".repeat(2001)),
    field: "scenario.description",
    message: /description is "d+… \(2003 characters\); allowed: a string of at most 2000 characters$/,
  },
  {
    what: "a breaker name one over the AWS-derived limit",
    change: (s) => (breaker(s).name = "b".repeat(33)),
    field: "scenario.breaker.name",
    message: /allowed: a breaker name: 1 to 32 letters/,
  },
  {
    what: "failure rate above 1",
    change: (s) => (phases(s)[2].failureRate = 1.5),
    field: "scenario.phases[2].failureRate",
    message: /scenario\.phases\[2\]\.failureRate is 1\.5; allowed: a number from 0 to 1/,
  },
  {
    what: "failure rate as text",
    change: (s) => (phases(s)[0].failureRate = "10%"),
    field: "scenario.phases[0].failureRate",
    message: /is "10%"; allowed: a number from 0 to 1/,
  },
  {
    what: "missing duration",
    change: (s) => delete phases(s)[1].durationSeconds,
    field: "scenario.phases[1].durationSeconds",
    message: /durationSeconds is missing; allowed: a number from 0\.1 to 86400/,
  },
  {
    what: "negative latency",
    change: (s) => (phases(s)[0].latencyMs = -5),
    field: "scenario.phases[0].latencyMs",
    message: /latencyMs is -5; allowed: a number from 0 to 900000/,
  },
  {
    what: "bad error name",
    change: (s) => (phases(s)[1].errorType = "no spaces please"),
    field: "scenario.phases[1].errorType",
    message: /errorType is "no spaces please"; allowed: an error name/,
  },
  {
    what: "unknown role",
    change: (s) => (phases(s)[1].role = "broken"),
    field: "scenario.phases[1].role",
    message: /role is "broken"; allowed: healthy, failing, recovering/,
  },
  {
    what: "duplicate phase name",
    change: (s) => (phases(s)[2].name = "healthy"),
    field: "scenario.phases[2].name",
    message: /name is "healthy"; allowed: a name no other phase uses/,
  },
  {
    what: "misspelt phase field",
    change: (s) => (phases(s)[0].failurerate = 0.2),
    field: "scenario.phases[0].failurerate",
    message: /is not a known field; allowed: name, durationSeconds, failureRate, latencyMs, errorType, role/,
  },
  {
    what: "no phases",
    change: (s) => (s.phases = []),
    field: "scenario.phases",
    message: /phases is \[\]; allowed: a list of 1 to 100 phases/,
  },
  {
    what: "phases not a list",
    change: (s) => (s.phases = { a: 1 }),
    field: "scenario.phases",
    message: /allowed: a list of 1 to 100 phases/,
  },
  {
    what: "zero rate",
    change: (s) => ((s.traffic as Json).ratePerSecond = 0),
    field: "scenario.traffic.ratePerSecond",
    message: /ratePerSecond is 0; allowed: a number from 0\.01 to 10000/,
  },
  {
    what: "fractional concurrency",
    change: (s) => ((s.traffic as Json).maxConcurrency = 2.5),
    field: "scenario.traffic.maxConcurrency",
    message: /maxConcurrency is 2\.5; allowed: an integer from 1 to 10000/,
  },
  {
    what: "missing traffic",
    change: (s) => delete s.traffic,
    field: "scenario.traffic",
    message: /traffic is missing; allowed: an object with ratePerSecond, maxConcurrency/,
  },
  {
    what: "unknown store",
    change: (s) => (s.store = "mysql"),
    field: "scenario.store",
    message: /store is "mysql"; allowed: dynamodb, redis/,
  },
  {
    what: "speed out of range",
    change: (s) => (s.speed = 0),
    field: "scenario.speed",
    message: /speed is 0; allowed: a number from 0\.01 to 1000/,
  },
  {
    what: "negative seed",
    change: (s) => (s.seed = -1),
    field: "scenario.seed",
    message: /seed is -1; allowed: an integer from 0 to 4294967295/,
  },
  {
    what: "bad breaker name",
    change: (s) => (breaker(s).name = "my breaker"),
    field: "scenario.breaker.name",
    message: /breaker\.name is "my breaker"; allowed: a breaker name: 1 to 32 letters, digits/,
  },
  {
    what: "unknown fallback",
    change: (s) => (breaker(s).fallback = "lambda"),
    field: "scenario.breaker.fallback",
    message: /fallback is "lambda"; allowed: builtin, none/,
  },
  {
    what: "setting out of range",
    change: (s) => ((breaker(s).settings as Json).failureThreshold = 0),
    field: "scenario.breaker.settings.failureThreshold",
    message: /scenario\.breaker\.settings\.failureThreshold is 0; allowed: an integer from 1 to 10000/,
  },
  {
    what: "unknown setting",
    change: (s) => ((breaker(s).settings as Json).threshold = 5),
    field: "scenario.breaker.settings.threshold",
    message: /threshold is not a breaker setting; allowed: tripRule, failureThreshold/,
  },
  {
    what: "unknown trip rule",
    change: (s) => ((breaker(s).settings as Json).tripRule = "ratio"),
    field: "scenario.breaker.settings.tripRule",
    message: /tripRule is "ratio"; allowed: consecutive, window, rate/,
  },
  {
    what: "unknown top-level field",
    change: (s) => (s.phase = []),
    field: "scenario.phase",
    message: /scenario\.phase is not a known field; allowed: name, description, breaker/,
  },
];

describe("local scenario files", () => {
  for (const c of CASES) {
    it(`rejects ${c.what}, naming ${c.field}`, () => {
      assert.throws(() => validateScenario(variant(c.change)), scenarioError(c.field, c.message));
    });
  }

  it("rejects a scenario that is not an object", () => {
    assert.throws(() => validateScenario([1, 2]), /scenario is \[1,2\]; allowed: an object with name, description, breaker/);
  });

  it("names an unreadable file and a file that is not JSON", () => {
    const dir = tempDir("scenario-");
    assert.throws(
      () => loadScenarioFile(join(dir, "missing.json")),
      (e: unknown) => e instanceof ScenarioError && /cannot read scenario file .*missing\.json: ENOENT/.test(e.message),
    );
    const bad = writeJson(dir, "bad.json", "{ not json");
    assert.throws(
      () => loadScenarioFile(bad),
      (e: unknown) => e instanceof ScenarioError && /bad\.json is not valid JSON/.test(e.message),
    );
  });

  it("accepts a UTF-8 byte-order mark before the JSON", () => {
    const dir = tempDir("scenario-");
    const file = writeJson(dir, "bom.json", "\uFEFF" + JSON.stringify(fastScenarioJson()));
    assert.equal(loadScenarioFile(file).name, (fastScenarioJson() as Json).name);
  });

  it("accepts the longest breaker name the schema allows", () => {
    assert.equal(validateScenario(variant((s) => (breaker(s).name = "b".repeat(32)))).breaker.name, "b".repeat(32));
  });

  it("ships a valid default scenario that walks healthy -> failing -> recovering", () => {
    const s = loadScenarioFile(DEFAULT_SCENARIO_FILE);
    assert.deepEqual(
      s.phases.map((p) => p.role),
      ["healthy", "failing", "recovering"],
    );
    assert.ok(s.phases[0].failureRate > 0 && s.phases[0].failureRate <= 0.15, "healthy with ~10% failures");
    assert.ok(s.phases[1].failureRate >= 0.9, "failure rate raised to 90-100%");
    assert.equal(s.phases[2].failureRate, 0, "target restored");
    assert.equal(s.store, "dynamodb");
    assert.equal(s.breaker.fallback, "builtin", "fallback responses while OPEN");
  });

  it("fills defaults and infers roles that are not given", () => {
    const s = validateScenario({
      name: "x",
      breaker: { name: "b" },
      traffic: { ratePerSecond: 1, maxConcurrency: 1 },
      phases: [
        { name: "a", durationSeconds: 1, failureRate: 0 },
        { name: "b", durationSeconds: 1, failureRate: 0.8 },
        { name: "c", durationSeconds: 1, failureRate: 0.1 },
      ],
    });
    assert.deepEqual(
      s.phases.map((p) => p.role),
      ["healthy", "failing", "recovering"],
    );
    assert.equal(s.store, "dynamodb");
    assert.equal(s.speed, 1);
    assert.equal(s.seed, 1);
    assert.equal(s.breaker.fallback, "builtin");
    assert.deepEqual(s.breaker.settings, { ...DEFAULT_SETTINGS, ignoredErrors: [...DEFAULT_SETTINGS.ignoredErrors] });
    assert.equal(s.phases[0].errorType, "ServiceUnavailable");
  });
});

describe("--speed scaling", () => {
  it("divides every duration setting by the speed, and nothing else", () => {
    const scaled = scaleSettings(DEFAULT_SETTINGS, 10);
    for (const k of Object.keys(DEFAULT_SETTINGS) as (keyof typeof DEFAULT_SETTINGS)[]) {
      if ((TIME_SETTINGS as readonly string[]).includes(k)) assert.equal(scaled[k], (DEFAULT_SETTINGS[k] as number) / 10, k);
      else assert.deepEqual(scaled[k], DEFAULT_SETTINGS[k], k);
    }
  });
});

describe("npm start command line", () => {
  it("has defaults that need no arguments", () => {
    assert.deepEqual(parseArgs([]), {
      scenarioFile: null,
      outDir: DEFAULT_OUT_DIR,
      store: null,
      redisUrl: null,
      speed: null,
      seed: null,
      quiet: false,
      help: false,
    });
  });

  it("reads every option, in both --opt value and --opt=value forms", () => {
    const o = parseArgs(["--scenario", "s.json", "--out=o", "--store", "redis", "--speed", "20", "--seed=3", "--quiet"]);
    assert.deepEqual(o, {
      scenarioFile: "s.json",
      outDir: "o",
      store: "redis",
      redisUrl: null,
      speed: 20,
      seed: 3,
      quiet: true,
      help: false,
    });
    assert.equal(parseArgs(["--redis-url", "redis://127.0.0.1:6390"]).store, "redis", "--redis-url implies --store redis");
  });

  const BAD: [string[], RegExp][] = [
    [["--store", "mysql"], /--store is "mysql"; allowed: dynamodb, redis/],
    [["--speed", "fast"], /--speed is "fast"; allowed: a number from 0\.01 to 1000/],
    [["--speed", "0"], /--speed is "0"; allowed: a number from 0\.01 to 1000/],
    [["--seed", "1.5"], /--seed is "1\.5"; allowed: an integer from 0 to 4294967295/],
    [["--redis-url", "localhost:6379"], /--redis-url is "localhost:6379"; allowed: redis:\/\/host\[:port\]/],
    // issue 14: only plain decimals, and a Redis URL with a host and a real port
    [["--seed", "0x10"], /--seed is "0x10"; allowed: an integer from 0 to 4294967295 \(decimal\)/],
    [["--speed", "Infinity"], /--speed is "Infinity"; allowed: a number from 0\.01 to 1000/],
    [["--redis-url", "redis://"], /--redis-url is "redis:\/\/"; allowed: redis:\/\/host\[:port\]/],
    [["--redis-url", "redis://127.0.0.1:99999"], /--redis-url is "redis:\/\/127\.0\.0\.1:99999"; allowed: .*port 1 to 65535/],
    [["--store", "dynamodb", "--redis-url", "redis://h:1"], /--redis-url goes with --store redis/],
    [["--scenario"], /--scenario needs a value/],
    [["--scenario", "--out", "x"], /--scenario needs a value/],
    [["--sped", "2"], /unknown option "--sped"; allowed: --scenario, --out, --store, --redis-url, --speed, --seed, --quiet, --help/],
    [["--speed", "2", "--speed", "3"], /--speed is given twice/],
    [["--quiet=yes"], /--quiet takes no value/],
  ];
  for (const [args, message] of BAD) {
    it(`rejects ${args.join(" ")}`, () => {
      assert.throws(
        () => parseArgs(args),
        (e: unknown) => e instanceof CliError && message.test(e.message),
      );
    });
  }
});
