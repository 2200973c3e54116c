// The benchmark's pieces: the recipe baseline really cannot run without each listed fix and trips with
// them (on the generic executor against DynamoDB Local), and the metrics it reports are computed as documented.

import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { allowedCloseSeconds, checkTargets, DesignResult, failingCallSeconds, fleetTimes, idealOutageAttempts } from "../../bench/metrics";
import { createRecipeTable, recipeMachine } from "../../bench/recipe-run";
import { RecipeFixes } from "../../bench/recipe-definition";
import { localDynamoClient } from "../../local/local-store";
import { Report } from "../../local/report/report";
import { summarizeWork } from "../../local/report/work-model";
import { DEFAULT_SCENARIO_FILE, loadScenarioFile } from "../../local/scenario";
import { startDynamoLocal } from "../support/servers";
import { scenarioChecks, scenarioSection, sectionHeading, writeSection } from "../../bench/scenario-section";

const ALL: RecipeFixes = { emptyTable: true, successResultPath: true, numericCount: true };

describe("bench: the recipe baseline", () => {
  let n = 0;
  /** A fresh recipe table and machine; `fails` decides whether the target throws. */
  async function recipe(fixes: RecipeFixes, fails: () => boolean) {
    const client = localDynamoClient((await startDynamoLocal()).endpoint);
    const table = `recipe-test-${Date.now().toString(36)}-${n++}`;
    await createRecipeTable(client, table);
    const target = async () => {
      if (fails()) {
        const e = new Error("down");
        e.name = "ServiceUnavailable";
        throw e;
      }
      return { ok: true };
    };
    const m = recipeMachine(client, table, "svc", target, 100, fixes);
    const state = async () =>
      (await client.send(new GetItemCommand({ TableName: table, Key: { ServiceName: { S: "svc" } }, ConsistentRead: true }))).Item;
    return { ...m, state, close: () => client.destroy() };
  }

  it("as published, fails on an empty table (a Choice on a missing item)", async () => {
    const r = await recipe({ ...ALL, emptyTable: false }, () => false);
    try {
      const out = await r.execute({ request: {} });
      assert.equal(out.status, "FAILED");
      assert.equal(out.error, "States.Runtime");
      assert.deepEqual(out.states.slice(0, 2), ["CheckCircuitBreakerState", "EvaluateCircuitState"]);
    } finally {
      r.close();
    }
  });

  it("without the success ResultPath fix, no success can return", async () => {
    const r = await recipe({ ...ALL, successResultPath: false }, () => false);
    try {
      await r.execute({ request: {} }); // initialises the item (and fails: a defect kept as published)
      const out = await r.execute({ request: {} });
      assert.equal(out.status, "FAILED");
      assert.ok(out.states.includes("RecordSuccess") && out.states[out.states.length - 1] === "ReturnSuccess");
    } finally {
      r.close();
    }
  });

  // Fix 3 cannot be shown failing here: aws-local-stepfunctions coerces the string "3" for NumericGreaterThanEquals,
  // where AWS does not match a string Variable against a numeric operator (so the published machine never trips there).
  it("with every fix it trips at 3 failures and answers OPEN requests from the fallback after a health check", async () => {
    const r = await recipe(ALL, () => true);
    try {
      await r.execute({ request: {} }); // the initialising execution (fails, as published)
      for (let i = 0; i < 4; i++) await r.execute({ request: {} });
      const item = await r.state();
      assert.ok(Number(item?.FailureCount?.N) >= 3, "the failures were counted");
      assert.equal(item?.State?.S, "OPEN");
      const open = await r.execute({ request: {} });
      assert.equal(open.status, "SUCCEEDED");
      assert.equal((open.output as { fallback: boolean }).fallback, true);
      assert.ok(open.states.includes("CheckIfHalfOpenTime"), "while OPEN every request runs the health check");
    } finally {
      r.close();
    }
  });

  it("with every fix, a healthy call succeeds through GetItem, Choice, target, RecordSuccess", async () => {
    const r = await recipe(ALL, () => false);
    try {
      await r.execute({ request: {} });
      const out = await r.execute({ request: { a: 1 } });
      assert.equal(out.status, "SUCCEEDED", out.cause);
      assert.deepEqual(out.states, [
        "CheckCircuitBreakerState",
        "EvaluateCircuitState",
        "CallDownstreamService",
        "RecordSuccess",
        "ReturnSuccess",
      ]);
    } finally {
      r.close();
    }
  });
});

describe("bench: metrics", () => {
  const scenario = loadScenarioFile(DEFAULT_SCENARIO_FILE);

  it("computes the ideal outage attempts as documented", () => {
    const s = scenario.breaker.settings;
    // 3 attempts of 40 ms, waits of half of min(4, 1 x 2^k) for k = 0, 1.
    assert.equal(failingCallSeconds(s, 40), 0.12 + 0.5 + 1);
    const ideal = idealOutageAttempts(scenario);
    // The definition: threshold x attempts per call + calls in flight + probes.
    assert.deepEqual(ideal, {
      threshold: 5,
      attemptsPerCall: 3,
      callsInFlight: 17,
      probes: 1,
      total: 5 * 3 + 17 + 1,
      withRetries: (5 + 17 + 1) * 3,
      allowed: 33 + 50,
    });
  });

  it("allows one open period (with its backoff) plus one probe to close", () => {
    const report = (transitions: { at: number; to: string }[]) =>
      ({ transitions: transitions.map((t) => ({ ...t, from: "", reason: "" })) }) as unknown as Report;
    const probe = 1 / scenario.traffic.ratePerSecond + 0.04 + 0.5;
    assert.equal(allowedCloseSeconds(scenario, report([{ at: 33, to: "OPEN" }])), 30 + probe);
    // Re-opened once before the target recovered at 60 s: the second period is twice as long.
    assert.equal(
      allowedCloseSeconds(
        scenario,
        report([
          { at: 33, to: "OPEN" },
          { at: 45, to: "HALF_OPEN" },
          { at: 45.1, to: "OPEN" },
        ]),
      ),
      60 + probe,
    );
  });

  it("checks the cost targets against the recipe", () => {
    const work = (w: Partial<Record<string, number>>) =>
      summarizeWork([
        { stateTransitions: 0, lambdaInvocations: 0, lambdaMs: 0, readUnits: 0, writeUnits: 0, redisCommands: 0, durationMs: 70, ...w },
      ]);
    const design = (key: DesignResult["key"], w: Partial<Record<string, number>>): DesignResult =>
      ({ key, name: key, healthyPath: work(w), all: work(w), report: { transitions: [] } }) as unknown as DesignResult;
    const checks = checkTargets(scenario, [
      design("dynamodb", { stateTransitions: 4, readUnits: 1 }),
      design("recipe", { stateTransitions: 5, readUnits: 0.5, writeUnits: 1 }),
    ]);
    const by = (text: string) => checks.find((c) => c.target.includes(text))!;
    assert.equal(by("healthy path with DynamoDB").pass, true);
    assert.equal(by("0.6x the recipe on Express").pass, false, "1.229 / 1.792 = 0.686");
    assert.equal(by("1/100 of the recipe on STANDARD").pass, true, "1.229 vs 125.69");
  });

  it("checks a rate-rule healthy run against the rate rule's targets: Lambda-free share and cost of its CLOSED successes", () => {
    const works = (n: number, lambdas: number, w: Partial<Record<string, number>>) =>
      summarizeWork(
        Array.from({ length: n }, (_, i) => ({
          stateTransitions: 8,
          lambdaInvocations: i < lambdas ? 1 : 0,
          lambdaMs: 0,
          readUnits: 1,
          writeUnits: 1,
          redisCommands: 0,
          durationMs: 80,
          ...w,
        })),
      );
    const rate = (file: string, lambdas: number, w: Partial<Record<string, number>> = {}) => {
      const sc = loadScenarioFile(resolve(__dirname, "../../local/scenarios", file));
      const cs = works(100, lambdas, w);
      const d = { key: "dynamodb", name: "dynamodb", healthyPath: cs, closedSuccess: cs, all: cs, report: { transitions: [] } };
      return checkTargets(sc, [d as unknown as DesignResult]);
    };
    const exact = rate("rate-healthy.json", 5);
    assert.deepEqual(
      exact.map((c) => [c.target.slice(0, 30), c.pass]),
      [
        ["rate rule with DynamoDB: 0 Lam", true],
        ["rate rule with DynamoDB, exact", true],
      ],
      "no outage, no close: only the rate rule's targets",
    );
    assert.equal(rate("rate-healthy.json", 6)[0].pass, false, "94 % Lambda-free");
    const sampled = rate("rate-healthy-sampled.json", 0);
    assert.match(sampled[1].target, /successSampleRate 0.1: .* at most \$1.30 per million/);
    assert.equal(sampled[1].pass, false, "every success written: $1.854");
    assert.equal(rate("rate-healthy-sampled.json", 0, { writeUnits: 0.1 })[1].pass, true);
  });

  it("reads opossum's fleet: first and all containers open, all closed again", () => {
    const ms = (s: number) => s * 1000;
    const events = [
      ...Array.from({ length: 10 }, (_, c) => ({ atMs: ms(31 + c), container: c, state: "OPEN" as const })),
      ...Array.from({ length: 10 }, (_, c) => ({ atMs: ms(62 + c), container: c, state: "CLOSED" as const })),
    ];
    assert.deepEqual(
      fleetTimes(scenario, events, (t) => t / 1000),
      { first: 1, all: 10, close: 11 },
    );
  });
});

describe("bench: a scenario's own section", () => {
  const loaded = loadScenarioFile(join(__dirname, "../../local/scenarios/sustained-outage.json"));
  // The previous default open period (30 s x2, no early re-probe): a re-open then outlasts the 30 s recovery.
  const scenario = {
    ...loaded,
    breaker: {
      ...loaded.breaker,
      settings: { ...loaded.breaker.settings, openDurationSeconds: 30, openDurationMultiplier: 2, earlyProbeSeconds: 0 },
    },
  };
  const design = (key: DesignResult["key"], outageAttempts: number, transitions: { at: number; to: string }[]): DesignResult =>
    ({
      key,
      name: key,
      outageAttempts,
      timeToCloseSeconds: null,
      healthyPath: summarizeWork([]),
      all: summarizeWork([]),
      report: { transitions: transitions.map((t) => ({ ...t, from: "", reason: "" })) },
    }) as unknown as DesignResult;

  it("checks the sustained outage's target (at most 20 attempts) on each store, and no close the scenario is too short for", () => {
    // Opened at 30.2 s, re-opened after a failed probe at 60.2 s: the next open period (60 s) outlasts the 30 s recovery.
    const reopened = [
      { at: 30.2, to: "OPEN" },
      { at: 60.2, to: "HALF_OPEN" },
      { at: 60.3, to: "OPEN" },
    ];
    const checks = scenarioChecks(scenario, [design("dynamodb", 20, reopened), design("redis", 21, reopened)]);
    const own = checks.filter((c) => c.target.includes("at most 20"));
    assert.deepEqual(
      own.map((c) => [c.target.split(":")[0], c.pass]),
      [
        ["dynamodb", true],
        ["redis", false],
      ],
    );
    assert.equal(checks.filter((c) => c.target.includes("CLOSED again")).length, 0);
    // Opened before the outage (at 3.4 s, in the healthy phase): only its probes reach the target then, which proves nothing.
    const early = scenarioChecks(scenario, [
      {
        ...design("dynamodb", 1, []),
        report: { transitions: [{ at: 3.4, from: "CLOSED", to: "OPEN", reason: "" }] },
      } as unknown as DesignResult,
    ]).find((c) => c.target.includes("at most 20"))!;
    assert.deepEqual([early.pass, early.measured], [false, "1 attempts, but it opened before the outage (at 3.4 s): not measured"]);
    // A breaker that did close is checked as usual.
    const closed = scenarioChecks(scenario, [{ ...design("redis", 6, [{ at: 100, to: "OPEN" }]), timeToCloseSeconds: 12 }]);
    assert.deepEqual(
      closed.filter((c) => c.target.includes("CLOSED again")).map((c) => c.pass),
      [true],
    );
  });

  it("says when a design opened before the outage (its outage figure then counts probes only)", () => {
    const withReport = (d: DesignResult): DesignResult =>
      ({
        ...d,
        report: { ...d.report, totals: { executions: 1, rejected: 0, fallback: 0, succeeded: 1 }, phases: [] },
      }) as unknown as DesignResult;
    const doc = (at: number) => ({
      scenario,
      file: "s.json",
      results: [
        withReport({
          ...design("dynamodb", 1, []),
          report: { transitions: [{ at, from: "CLOSED", to: "OPEN", reason: "" }] },
        } as unknown as DesignResult),
      ],
      checks: [],
      command: "npm run bench",
      machine: "m",
      seconds: 1,
      date: new Date(0),
    });
    // The outage starts at 30 s.
    assert.match(scenarioSection(doc(3.4)), /dynamodb opened before the outage \(at 3\.4 s\)/);
    assert.doesNotMatch(scenarioSection(doc(30.2)), /before the outage/);
  });

  it("replaces its own section and keeps everything else", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-section-"));
    try {
      const file = join(dir, "BENCHMARKS.md");
      writeFileSync(file, "# Benchmarks\n\n## Results\n\nr\n\n## Soak\n\ns\n");
      writeSection(file, "x", `${sectionHeading("x")}\n\nfirst\n`);
      writeSection(file, "y", `${sectionHeading("y")}\n\ny\n`);
      writeSection(file, "x", `${sectionHeading("x")}\n\nsecond\n`);
      assert.equal(
        readFileSync(file, "utf8"),
        "# Benchmarks\n\n## Results\n\nr\n\n## Soak\n\ns\n\n## Scenario `x`\n\nsecond\n\n## Scenario `y`\n\ny\n",
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("bench: command line", () => {
  it("refuses a scenario with a store fault before starting anything (the baselines have no store to break)", () => {
    const dir = mkdtempSync(join(tmpdir(), "bench-fault-"));
    try {
      const raw = JSON.parse(readFileSync(DEFAULT_SCENARIO_FILE, "utf8"));
      raw.phases[1].storeFault = "down";
      const file = join(dir, "fault.json");
      writeFileSync(file, JSON.stringify(raw));
      const r = spawnSync("npm", ["run", "--silent", "bench", "--", "--scenario", file], {
        cwd: resolve(__dirname, "../.."),
        encoding: "utf8",
      });
      assert.equal(r.status, 2, r.stderr);
      assert.match(
        r.stderr,
        /^error: scenario\.phases\[1\]\.storeFault is "down"; allowed here: "none" \(the recipe baseline and opossum have no store to break/m,
      );
      assert.doesNotMatch(r.stderr + r.stdout, /starting|DynamoDB Local at/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
