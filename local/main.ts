// `npm start`: runs the breaker on this machine (see local/cli-args.ts USAGE and docs/local-runtime.md).
// Exit codes: 0 done, 1 the run failed, 2 bad command line or scenario, 3 a program is missing, 130 interrupted.

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"; // local tooling runs on Node 20 by design

import { createWriteStream, WriteStream } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Log, LogAttributes } from "../functions/shared/logging";
import { CliError, parseArgs, runAsCli, USAGE } from "./cli-args";
import { checkPrerequisites } from "./local-store";
import { summaryText } from "./report/summary-table";
import { runLocal, writeReport } from "./run-local";
import { DEFAULT_SCENARIO_FILE, loadScenarioFile, phaseStarts, Scenario, ScenarioError } from "./scenario";
import { makeOutDir } from "./out-dir";
import { checkStoreFaults } from "./store-faults";
import { DynamoLocal, MissingProgramError, RedisServer } from "./store-processes";

function fileLog(stream: WriteStream): Log {
  const write = (level: string) => (message: string, attributes?: LogAttributes) => {
    stream.write(JSON.stringify({ time: new Date().toISOString(), level, message, ...(attributes ?? {}) }) + "\n");
  };
  return { info: write("INFO"), warn: write("WARN"), error: write("ERROR") };
}

function describeRun(s: Scenario): string {
  const { total } = phaseStarts(s);
  const fault = (p: Scenario["phases"][number]) =>
    p.storeFault === "down" ? ", store down" : p.storeFault === "slow" ? `, store slow ${p.storeDelayMs} ms` : "";
  const phases = s.phases
    .map((p) => `${p.name} ${p.durationSeconds}s @ ${Math.round(p.failureRate * 100)}% failures${fault(p)}`)
    .join(", ");
  return (
    `scenario ${s.name}: breaker '${s.breaker.name}' (${s.breaker.settings.tripRule}, threshold ${s.breaker.settings.failureThreshold}, open ${s.breaker.settings.openDurationSeconds}s), ` +
    `${s.traffic.ratePerSecond}/s; ${phases}\n` +
    `${total} design seconds at speed ${s.speed}x (about ${Math.ceil(total / s.speed)} s), seed ${s.seed}, store ${s.store}`
  );
}

async function main(argv: string[]): Promise<number> {
  let scenario: Scenario;
  let outDir: string;
  let quiet: boolean;
  let redisUrl: string | null;
  // Everything is checked before anything is started.
  try {
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(USAGE + "\n");
      return 0;
    }
    scenario = loadScenarioFile(args.scenarioFile ?? DEFAULT_SCENARIO_FILE);
    if (args.store) scenario.store = args.store;
    if (args.speed !== null) scenario.speed = args.speed;
    if (args.seed !== null) scenario.seed = args.seed;
    outDir = resolve(args.outDir);
    quiet = args.quiet;
    redisUrl = args.redisUrl;
    checkStoreFaults(scenario, redisUrl ? { redisUrl } : {});
    checkPrerequisites(scenario.store, redisUrl ? { redisUrl } : {});
    const why = makeOutDir(outDir);
    if (why)
      throw new CliError(`--out ${args.outDir}: cannot create the directory: ${why}; allowed: a directory path this user can write to`);
  } catch (e) {
    if (e instanceof CliError || e instanceof ScenarioError) {
      process.stderr.write(
        `error: ${e.message}\n(npm start -- --help for the options; docs/local-runtime.md, section "Scenario files", for the scenario format)\n`,
      );
      return 2;
    }
    if (e instanceof MissingProgramError) {
      process.stderr.write(`error: ${e.message}\n`);
      return 3;
    }
    throw e;
  }

  const controller = new AbortController();
  const started: (DynamoLocal | RedisServer)[] = [];
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      process.stderr.write(`${signal} again: stopping the store processes started for this run and exiting\n`);
      void Promise.allSettled(started.map((p) => p.dispose())).finally(() => process.exit(130));
      return;
    }
    interrupted = true;
    process.stderr.write(
      `\n${signal}: no new executions; finishing the running ones, then stopping what this run started (again to stop at once)\n`,
    );
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const logFile = join(outDir, "handler-log.ndjson");
  const logStream = createWriteStream(logFile);
  try {
    process.stderr.write(describeRun(scenario) + "\n");
    process.stderr.write(
      scenario.store === "dynamodb"
        ? "starting DynamoDB Local...\n"
        : redisUrl
          ? `connecting to ${redisUrl}...\n`
          : "starting redis-server...\n",
    );
    const result = await runLocal(scenario, {
      endpoints: redisUrl ? { redisUrl } : {},
      onProcessStarted: (p) => started.push(p),
      onStoreReady: (d) => process.stderr.write(`store: ${d}\n`),
      ...(quiet ? {} : { onLine: (line: string) => process.stderr.write(line + "\n") }),
      signal: controller.signal,
      log: fileLog(logStream),
    });
    const files = writeReport(outDir, result.report);
    process.stdout.write("\n" + summaryText(result.report) + "\n\n");
    process.stdout.write(`report: ${files.json}\n        ${files.html}\nhandler logs: ${logFile}\n`);
    // The page is self-contained: any browser opens it from the file (most terminals make the URL clickable).
    process.stdout.write(`open the report in a browser: ${pathToFileURL(files.html).href}\n`);
    if (interrupted) process.stdout.write("(interrupted: the report covers the executions started before the interrupt)\n");
    return interrupted ? 130 : 0;
  } finally {
    await new Promise<void>((r) => logStream.end(() => r()));
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

if (require.main === module) runAsCli(main);

export { main };
