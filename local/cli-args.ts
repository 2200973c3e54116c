// `npm start -- [options]`: the command line, parsed and checked before anything is started.

import { numberText, startOptionsSchema } from "../core/schema/cli";
import { parseWith } from "../core/schema/format";
import { LIMITS, STORE_KINDS, StoreKind } from "./scenario";

export interface CliOptions {
  scenarioFile: string | null;
  outDir: string;
  store: StoreKind | null;
  redisUrl: string | null;
  speed: number | null;
  seed: number | null;
  /** No live line (the summary and the files are still written). */
  quiet: boolean;
  help: boolean;
}

export const DEFAULT_OUT_DIR = "out/local";

export const USAGE = `usage: npm start -- [options]

Runs the circuit breaker's state machine and Lambda handlers on this machine against a real local
state store, drives a scenario through it, and writes <out>/report.json and <out>/report.html.

options:
  --scenario <file>     scenario JSON (default: the built-in walkthrough, local/scenarios/default.json)
  --out <dir>           where report.json and report.html go (default: ${DEFAULT_OUT_DIR})
  --store <kind>        dynamodb (default: starts DynamoDB Local) or redis (starts redis-server)
  --redis-url <url>     use this Redis instead of starting one (implies --store redis)
  --speed <N>           run design time N times faster (${LIMITS.speed.min} to ${LIMITS.speed.max}; default: the scenario's, else 1)
  --seed <N>            seed of the target's outcomes (integer ${LIMITS.seed.min} to ${LIMITS.seed.max}; default: the scenario's, else 1)
  --quiet               no live line
  --help                this text`;

/** A bad command line: names the option and what is allowed. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }
}

const WITH_VALUE = ["--scenario", "--out", "--store", "--redis-url", "--speed", "--seed"];
const FLAGS = ["--quiet", "--help", "-h"];

/** A numeric option's value (plain decimal), or a CliError naming the option and the allowed range. */
export function numberOption(opt: string, text: string, min: number, max: number, integer: boolean): number {
  return parseWith(numberText(min, max, integer), text, opt, (_p, message) => new CliError(message));
}

const START_OPTIONS = startOptionsSchema(LIMITS, STORE_KINDS);

export function parseArgs(argv: string[]): CliOptions {
  const o: CliOptions = {
    scenarioFile: null,
    outDir: DEFAULT_OUT_DIR,
    store: null,
    redisUrl: null,
    speed: null,
    seed: null,
    quiet: false,
    help: false,
  };
  const seen = new Set<string>();
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value: string | undefined;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (FLAGS.includes(arg)) {
      if (value !== undefined) throw new CliError(`${arg} takes no value; got ${JSON.stringify(value)}`);
      if (arg === "--quiet") o.quiet = true;
      else o.help = true;
      continue;
    }
    if (!WITH_VALUE.includes(arg)) {
      throw new CliError(`unknown option ${JSON.stringify(argv[i])}; allowed: ${[...WITH_VALUE, "--quiet", "--help"].join(", ")}`);
    }
    if (seen.has(arg)) throw new CliError(`${arg} is given twice; allowed: once`);
    seen.add(arg);
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || (value.startsWith("--") && value.length > 2)) throw new CliError(`${arg} needs a value; see --help`);
    }
    values[arg.slice(2)] = value;
  }
  const v = parseWith(
    START_OPTIONS,
    values,
    "",
    (_p, message) => new CliError(message),
    (_w, path) => `--${String(path[0])}`,
  );
  if (v.scenario !== undefined) o.scenarioFile = v.scenario;
  if (v.out !== undefined) o.outDir = v.out;
  if (v.store !== undefined) o.store = v.store as StoreKind;
  if (v["redis-url"] !== undefined) o.redisUrl = v["redis-url"];
  if (v.speed !== undefined) o.speed = v.speed;
  if (v.seed !== undefined) o.seed = v.seed;
  if (o.redisUrl !== null) {
    if (o.store === "dynamodb") throw new CliError("--redis-url goes with --store redis; got --store dynamodb");
    o.store = "redis";
  }
  return o;
}

/** Runs a CLI's main and exits with its code; an unexpected error prints its stack and exits 1. */
export function runAsCli(main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`error: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
