// `npm run bench`: the same scenario on (1) this breaker with DynamoDB, (2) with Redis, (3) the recipe
// baseline, (4) opossum per container; the metrics issue 5 asks for, PASS/FAIL per target, BENCHMARKS.md.

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join, relative, resolve } from "node:path";
import { CliError, numberOption, runAsCli } from "../local/cli-args";
import { buildReport, Report } from "../local/report/report";
import { summarizeWork, workOf } from "../local/report/work-model";
import { runLocal } from "../local/run-local";
import { DEFAULT_SCENARIO_FILE, LIMITS, loadScenarioFile, phaseStarts, Scenario, ScenarioError } from "../local/scenario";
import { DynamoLocal, MissingProgramError, RedisServer, requirePrograms, spawnDynamoLocal, spawnRedis } from "../local/store-processes";
import { benchMarkdown } from "./markdown";
import { checkTargets, DesignResult, fleetTimes, outageAttempts } from "./metrics";
import { CONTAINERS, runOpossum } from "./opossum-run";
import { runRecipe } from "./recipe-run";
import { scenarioChecks, scenarioSection, SECTION_PREFIX, warmUpScenario, writeSection } from "./scenario-section";
import { wasteMain } from "./waste-main";
import { WASTE_HEADING } from "./waste-markdown";
import { scaleSection, writeScaleSection } from "./scale";

const ROOT = resolve(__dirname, "..");
export const BENCH_FILE = join(ROOT, "BENCHMARKS.md");

export const BENCH_USAGE = `usage: npm run bench -- [--scenario <file>] [--speed <N>] [--seed <N>] [--scale-only]
Runs the scenario (default: local/scenarios/default.json) on this breaker (DynamoDB, Redis), the recipe
baseline and opossum, then the scale table (resources and IAM roles per breaker at N = 1, 10, 100 under
Pulumi mocks), prints the comparison and PASS/FAIL per target, and writes BENCHMARKS.md.
Any other scenario runs on this breaker only and replaces its own section of BENCHMARKS.md.
--scale-only runs only the scale table and rewrites only its section of BENCHMARKS.md.
npm run bench -- --waste [options]: the waste bench across outage lengths (--waste --help).`;

interface BenchArgs {
  scaleOnly: boolean;
  scenarioFile: string | null;
  speed: number | null;
  seed: number | null;
}

export function parseBenchArgs(argv: string[]): BenchArgs | "help" {
  const out: BenchArgs = { scaleOnly: false, scenarioFile: null, speed: null, seed: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes("=")
      ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)]
      : [argv[i], undefined];
    if (flag === "--help" || flag === "-h") return "help";
    if (flag === "--scale-only" && inline === undefined) {
      out.scaleOnly = true;
      continue;
    }
    if (!["--scenario", "--speed", "--seed"].includes(flag))
      throw new CliError(`unknown option ${JSON.stringify(argv[i])}; allowed: --scenario, --speed, --seed, --scale-only, --help`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new CliError(`${flag} needs a value`);
    if (flag === "--scenario") out.scenarioFile = value;
    else if (flag === "--speed") out.speed = numberOption(flag, value, LIMITS.speed.min, LIMITS.speed.max, false);
    else out.seed = numberOption(flag, value, LIMITS.seed.min, LIMITS.seed.max, true);
  }
  return out;
}

/** One design's result as its report gives it; `extra` replaces what the report cannot tell (opossum's fleet times and work). */
function designResult(
  key: DesignResult["key"],
  name: string,
  report: Report,
  workflows: DesignResult["workflows"],
  extra: Partial<DesignResult> = {},
): DesignResult {
  return {
    key,
    name,
    report,
    outageAttempts: outageAttempts(report),
    timeToOpenSeconds: report.timeToOpenSeconds,
    timeToCloseSeconds: report.timeToCloseSeconds,
    failedOther: Object.values(report.totals.failed).reduce((a, b) => a + b, 0),
    failedByError: report.totals.failed,
    workflows,
    healthyPath: report.awsWork.healthyPath,
    closedSuccess: report.awsWork.closedSuccess,
    all: report.awsWork.all,
    ...extra,
  };
}

/**
 * Sections of BENCHMARKS.md written apart from the default run (the "## Soak" of `npm run soak`, the rate rule's
 * scenarios, the sections of other scenarios, the waste bench's): kept, from the first of them to the end, when the bench rewrites the file.
 */
export const KEPT_SECTIONS = ["## Rate rule without a Lambda per success", "## Soak"];

function keptSections(): string {
  if (!existsSync(BENCH_FILE)) return "";
  const text = readFileSync(BENCH_FILE, "utf8");
  // The scale section is rewritten after the file (writeScaleSection); the others are kept from the first of them.
  const found = [
    ...KEPT_SECTIONS.map((h) => text.indexOf(`\n${h}\n`)),
    text.indexOf(`\n${SECTION_PREFIX}`),
    text.indexOf(`\n${WASTE_HEADING}\n`),
  ].filter((i) => i >= 0);
  return found.length ? `\n${text.slice(Math.min(...found) + 1)}` : "";
}

function machine(): string {
  const c = cpus();
  return `${c.length} CPUs (nproc), ${c[0]?.model ?? "unknown CPU"}; ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory; Node ${process.version}; load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ")}`;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--waste"))
    return wasteMain(
      argv.filter((a) => a !== "--waste"),
      BENCH_FILE,
    );
  let scenario: Scenario;
  let scenarioFile: string;
  try {
    const args = parseBenchArgs(argv);
    if (args === "help") {
      process.stdout.write(BENCH_USAGE + "\n");
      return 0;
    }
    if (args.scaleOnly) {
      process.stderr.write("scale table: the program under Pulumi mocks with 1, 10 and 100 breakers...\n");
      const section = scaleSection();
      writeScaleSection(BENCH_FILE, section);
      process.stdout.write(`${section}\nwrote the "## Scale" section of ${BENCH_FILE}\n`);
      return 0;
    }
    scenarioFile = args.scenarioFile ?? DEFAULT_SCENARIO_FILE;
    scenario = loadScenarioFile(scenarioFile);
    if (args.speed !== null) scenario.speed = args.speed;
    if (args.seed !== null) scenario.seed = args.seed;
    const faulty = scenario.phases.findIndex((p) => p.storeFault !== "none");
    if (faulty >= 0) {
      throw new CliError(
        `scenario.phases[${faulty}].storeFault is ${JSON.stringify(scenario.phases[faulty].storeFault)}; allowed here: "none" (the recipe baseline and opossum have no store to break: use npm start or npm run soak for store faults)`,
      );
    }
    requirePrograms(["java", "redis-server"], "npm run bench (it runs DynamoDB Local and redis-server)");
  } catch (e) {
    if (e instanceof CliError || e instanceof ScenarioError || e instanceof MissingProgramError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e instanceof MissingProgramError ? 3 : 2;
    }
    throw e;
  }
  const command = ["npm run bench", ...(argv.length ? ["--", ...argv] : [])].join(" ");
  const started: (DynamoLocal | RedisServer)[] = [];
  const stopAll = () => Promise.allSettled(started.map((p) => p.dispose()));
  const onSignal = () => {
    process.stderr.write("\ninterrupted: stopping the store processes started for the benchmark\n");
    void stopAll().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const t0 = Date.now();
  const machineText = machine();
  try {
    process.stderr.write(
      `benchmark: scenario ${scenario.name}, speed ${scenario.speed}x, seed ${scenario.seed}; starting DynamoDB Local and redis-server...\n`,
    );
    const [ddb, redis] = await Promise.all([spawnDynamoLocal(), spawnRedis()]);
    started.push(ddb, redis);
    const { total } = phaseStarts(scenario);
    const onlyOurs = resolve(scenarioFile) !== resolve(DEFAULT_SCENARIO_FILE);
    const step = (i: number, what: string) =>
      process.stderr.write(
        `[${i}/${onlyOurs ? 2 : 4}] ${what}: ${total} design seconds at ${scenario.speed}x (about ${Math.ceil(total / scenario.speed)} s)...\n`,
      );
    const results: DesignResult[] = [];
    const ours = async (key: "dynamodb" | "redis", name: string, endpoints: { dynamodbEndpoint?: string; redisUrl?: string }) => {
      if (onlyOurs) await runLocal({ ...warmUpScenario(scenario), store: key }, { endpoints });
      const { report } = await runLocal({ ...scenario, store: key }, { endpoints, warmUp: true });
      results.push(designResult(key, name, report, ["EXPRESS"]));
    };
    step(1, "this breaker + DynamoDB");
    await ours("dynamodb", "this breaker, DynamoDB", { dynamodbEndpoint: ddb.endpoint });
    step(2, "this breaker + Redis");
    await ours("redis", "this breaker, Redis", { redisUrl: redis.url });

    if (onlyOurs) {
      const checks = scenarioChecks(scenario, results);
      const seconds = (Date.now() - t0) / 1000;
      const file = relative(ROOT, resolve(scenarioFile));
      const section = scenarioSection({ scenario, file, results, checks, command, machine: machineText, seconds, date: new Date() });
      writeSection(BENCH_FILE, scenario.name, section);
      process.stdout.write(section + "\n");
      for (const c of checks) process.stdout.write(`${c.pass ? "PASS" : "FAIL"}  ${c.target}: ${c.measured}\n`);
      process.stdout.write(`\nwrote its section of ${BENCH_FILE} (${seconds.toFixed(0)} s)\n`);
      return 0;
    }

    step(3, "recipe baseline (fixed to run)");
    const recipeStart = new Date();
    const recipeRecords = await runRecipe(scenario, ddb.endpoint);
    results.push(
      designResult("recipe", "recipe baseline", buildReport(scenario, recipeRecords, recipeStart), ["EXPRESS", "STANDARD"], {
        note: "transition times observed by polling the item every 100 ms (it stores no history)",
      }),
    );

    step(4, `opossum, ${CONTAINERS} containers`);
    const opStart = new Date();
    const op = await runOpossum(scenario);
    const or = buildReport(scenario, op.records, opStart);
    const times = fleetTimes(scenario, op.events, (ms) => op.tb.designSeconds(ms));
    // The breaker lives inside the caller's Lambda: no state machine, no store; its AWS work is the caller's own.
    const none = summarizeWork(
      op.records.executions.map((e) => ({ ...workOf(e), stateTransitions: 0, lambdaInvocations: 0, lambdaMs: 0, durationMs: 0 })),
      [],
    );
    results.push(
      designResult("opossum", `opossum, ${CONTAINERS} containers`, or, [], {
        timeToOpenSeconds: times.first,
        timeToOpenAllSeconds: times.all,
        timeToCloseSeconds: times.close,
        healthyPath: none,
        all: none,
        note: `open: first container / all ${CONTAINERS}; closed: all containers`,
      }),
    );

    // The stores are done: stopped first so that an idle JVM does not share the 2 CPUs with the timed synthesis.
    await stopAll();
    process.stderr.write("[5/5] scale table: the program under Pulumi mocks with 1, 10 and 100 breakers...\n");
    const scale = scaleSection();
    const checks = checkTargets(scenario, results);
    const seconds = (Date.now() - t0) / 1000;
    const md = benchMarkdown({ scenario, results, checks, command, machine: machineText, seconds, date: new Date() });
    writeFileSync(BENCH_FILE, md + keptSections());
    writeScaleSection(BENCH_FILE, scale);
    process.stdout.write(md.slice(md.indexOf("## Results")) + "\n" + scale + "\n");
    for (const c of checks) process.stdout.write(`${c.pass ? "PASS" : "FAIL"}  ${c.target}: ${c.measured}\n`);
    process.stdout.write(`\nwrote ${BENCH_FILE} (${seconds.toFixed(0)} s)\n`);
    return 0;
  } finally {
    await stopAll();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (require.main === module) runAsCli(main);
