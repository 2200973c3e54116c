// The waste bench's parts (bench/waste*.ts): its command line, its scenarios, its targets and where its section
// goes in BENCHMARKS.md. The runs themselves are the bench's (npm run bench -- --waste), not a test's.

import { strict as assert } from "node:assert";
import { CliError } from "../../local/cli-args";
import { parseWasteArgs, policySettings, WASTE_POLICIES, wasteScenario, WasteRun } from "../../bench/waste";
import { WASTE_HEADING, wasteChecks } from "../../bench/waste-markdown";
import { withWasteSection } from "../../bench/waste-main";

function run(policy: string, outage: number, waste: number, timeToClosed: number | null = 1): WasteRun {
  return {
    policy,
    outage,
    seed: 1,
    spreadSeconds: 0,
    scheduleOffsetSeconds: 0,
    speed: 10,
    leaked: waste,
    falseTrips: 0,
    afterHealing: 0,
    timeToClosed,
    healthProbes: 0,
    probeRuns: 0,
    waste,
    delayedStarts: 0,
    realSeconds: 1,
    healthyPathMax: { executions: 0, stateTransitions: 0, readUnits: 0, writeUnits: 0, lambdaInvocations: 0 },
  };
}

describe("waste bench: command line", () => {
  it("defaults: 3 seeds, 10x up to 60 s outages, redis, every outage and policy", () => {
    assert.deepEqual(parseWasteArgs([]), {
      seeds: 3,
      speed: 10,
      longSpeed: 12,
      store: "redis",
      outages: [10, 60, 600],
      policies: ["default", "backoff", "resilience4j", "polly", "pg"],
    });
    const a = parseWasteArgs(["--seeds", "5", "--outages=10,60", "--policies", "default,polly", "--store", "dynamodb"]);
    assert.ok(a !== "help");
    assert.deepEqual([a.seeds, a.outages, a.policies, a.store], [5, [10, 60], ["default", "polly"], "dynamodb"]);
  });

  it("names the option, the value and what is allowed", () => {
    assert.throws(
      () => parseWasteArgs(["--scenario", "x.json"]),
      (e: Error) => e instanceof CliError && /unknown option "--scenario"/.test(e.message),
    );
    assert.throws(() => parseWasteArgs(["--policies", "default,hystrix"]), /--policies names "hystrix"; allowed: default, backoff/);
    assert.throws(() => parseWasteArgs(["--store", "memcached"]), /--store is "memcached"; allowed: dynamodb, redis/);
    assert.throws(() => parseWasteArgs(["--seeds"]), /--seeds needs a value/);
  });
});

describe("waste bench: scenarios and policies", () => {
  it("the issue's traffic: 20/s, 20 in flight, healthy 30 s at 10 %, the outage (moved by the seed) at 100 %, then recovery", () => {
    const polly = WASTE_POLICIES.find((p) => p.key === "polly")!;
    const s = wasteScenario(polly, 60, 3, 3, 10, "redis");
    assert.deepEqual([s.traffic.ratePerSecond, s.traffic.maxConcurrency, s.speed, s.seed], [20, 20, 10, 3]);
    assert.deepEqual(
      s.phases.map((p) => [p.durationSeconds, p.failureRate]),
      [
        [30, 0.1],
        [60 + (2 / 3) * 5, 1],
        [5 + 30, 0],
      ],
    );
  });

  it("the compared policies are open-period settings of this breaker", () => {
    const pick = (k: string) => {
      const s = policySettings(WASTE_POLICIES.find((p) => p.key === k)!);
      return [s.openDurationSeconds, s.openDurationMultiplier, s.maxOpenDurationSeconds, s.halfOpenProbes, s.earlyProbeSeconds];
    };
    assert.deepEqual(pick("default"), [2, 1.25, 300, 1, 2]);
    assert.deepEqual(pick("backoff"), [30, 2, 300, 1, 0]);
    assert.deepEqual(pick("resilience4j"), [60, 1, 60, 1, 0]);
    assert.deepEqual(pick("polly"), [5, 1, 5, 1, 0]);
    assert.deepEqual(pick("pg"), [20, 1, 20, 20, 0]);
  });
});

describe("waste bench: targets", () => {
  it("the 60 s target is on the median; the default must beat every other policy on each outage", () => {
    const runs = [
      ...[40, 70, 55].map((w) => run("default", 60, w)),
      ...[80, 90, 100].map((w) => run("polly", 60, w)),
      ...[30, 500, 20].map((w) => run("resilience4j", 60, w)),
    ];
    const checks = wasteChecks(runs, [60], ["default", "polly", "resilience4j"]);
    const by = (s: string) => checks.find((c) => c.target.includes(s))!;
    assert.deepEqual([by("at most 60").pass, by("at most 60").measured], [true, "55.0"]);
    assert.equal(by("Polly").pass, true);
    assert.deepEqual([by("resilience4j").pass, by("resilience4j").measured], [false, "55.0 vs 30.0"]);
    assert.equal(by("time to CLOSED").pass, true);
  });

  it("a run that never closed counts as slowest in the median time to CLOSED", () => {
    const runs = [run("default", 60, 10, null), run("default", 60, 10, null), run("default", 60, 10, 2)];
    const c = wasteChecks(runs, [60], ["default"]).find((x) => x.target.includes("time to CLOSED"))!;
    assert.deepEqual([c.pass, c.measured], [false, "not closed"]);
  });
});

describe("waste bench: its section of BENCHMARKS.md", () => {
  const section = `${WASTE_HEADING}\n\nnew\n`;
  it("goes before the soak section, replaces itself, or ends the file", () => {
    const withSoak = "# Benchmarks\n\nresults\n\n## Soak\n\nsoak\n";
    const once = withWasteSection(withSoak, section);
    assert.equal(once, `# Benchmarks\n\nresults\n\n${section}\n## Soak\n\nsoak\n`);
    const again = withWasteSection(once, `${WASTE_HEADING}\n\nnewer\n`);
    assert.equal(again, `# Benchmarks\n\nresults\n\n${WASTE_HEADING}\n\nnewer\n\n## Soak\n\nsoak\n`);
    assert.equal(withWasteSection("# Benchmarks\n", section), `# Benchmarks\n\n${section}`);
  });
});
