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
