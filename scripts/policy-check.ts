// `npm run policy:check -- [<program entry .ts>] [--stack dev] [--preview] [--config <policy config json>] [--set k=v] [--secret k=v]`
//
// Runs a Pulumi TypeScript program under Pulumi mocks (tests/support/run-under-mocks.ts, no CLI, no cloud), feeds every
// resource it registered to the circuit-breaker-guard policies (resource policies on the inputs, stack policies on
// the mocked outputs) and prints one line per violation:
//
//   <enforcement> <policy-name> <urn>: <message>
//
// Exit 0: no mandatory violation. Exit 1: at least one. Exit 2: bad arguments, an unreadable or invalid policy
// config, a program that fails under mocks, calls a provider function no mock answers, or constructs a resource
// that never reaches the engine (a check that saw less than the program builds proves nothing).
// --preview runs the program as a first `pulumi preview` of a new stack: what providers compute is unknown. Default program: the project's index.ts; default stack: dev;
// default policy config: policy/config.<stack>.json when it exists.
// This complements `pulumi preview --policy-pack ./policy`; it does not replace it (see docs/deploy.md).

import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../policy/policies";
import {
  Diagnostic,
  NotApplicable,
  PackConfig,
  PolicyConfigError,
  PolicyEngine,
  readPackConfig,
  ResourceDescription,
} from "../tests/support/policy-engine";
import { DEFAULT_ENTRY, MockRunResult, RecordedResource, REPO_ROOT, runProgramUnderMocks } from "../tests/support/run-under-mocks";

export const USAGE =
  "usage: npm run policy:check -- [<program entry .ts>] [--stack <name>] [--preview] [--config <policy config .json>] [--set <key>=<value>]... [--secret <key>=<value>]...";

export class UsageError extends Error {}

export interface CheckArgs {
  entry: string;
  stack: string;
  /** Run as a first preview of a new stack (computed outputs unknown). */
  preview: boolean;
  /** The policy config file, if any. */
  configFile?: string;
  /** Program config (on top of the stack file), and which of those keys are secrets. */
  programConfig: Record<string, string>;
  secretKeys: string[];
}

export function parseArgs(argv: string[], cwd = process.cwd()): CheckArgs {
  let entry: string | undefined;
  let stack = "dev";
  let preview = false;
  let configFile: string | undefined;
  const programConfig: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      return v;
    };
    const pair = (flag: string) => {
      const v = value();
      const eq = v.indexOf("=");
      if (eq <= 0) throw new UsageError(`${flag} takes <key>=<value>, got ${JSON.stringify(v)}`);
      return [v.slice(0, eq), v.slice(eq + 1)] as const;
    };
    if (a === "--stack") {
      stack = value();
      if (!/^[A-Za-z0-9_.-]+$/.test(stack))
        throw new UsageError(`--stack ${JSON.stringify(stack)} is not a stack name (letters, digits, "-", "_", ".")`);
    } else if (a === "--preview") preview = true;
    else if (a === "--config") configFile = path.resolve(cwd, value());
    else if (a === "--set") {
      const [k, v] = pair(a);
      programConfig[k] = v;
    } else if (a === "--secret") {
      const [k, v] = pair(a);
      programConfig[k] = v;
      secretKeys.push(k);
    } else if (a === "--help" || a === "-h") throw new UsageError("");
    else if (a.startsWith("--")) throw new UsageError(`unknown option ${a}`);
    else if (entry !== undefined) throw new UsageError(`one program entry only (got ${entry} and ${a})`);
    else entry = path.resolve(cwd, a);
  }
  entry ??= DEFAULT_ENTRY;
  if (!fs.existsSync(entry)) throw new UsageError(`program entry ${entry} does not exist`);
  if (!fs.statSync(entry).isFile())
    throw new UsageError(
      `program entry ${entry} is a directory; allowed: the program's .ts or .js file (for example ${path.join(entry, "index.ts")})`,
    );
  if (!/\.(ts|js)$/.test(entry)) throw new UsageError(`program entry ${entry} is not a .ts or .js file`);
  if (configFile === undefined) {
    const perStack = path.join(REPO_ROOT, "policy", `config.${stack}.json`);
    if (fs.existsSync(perStack)) configFile = perStack;
  }
  return { entry, stack, preview, configFile, programConfig, secretKeys };
}

/** A recorded resource as the engine describes it to the policy server (the recording already holds plain values). */
function describe(r: RecordedResource, props: Record<string, unknown>): ResourceDescription {
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props,
    opts: { protect: r.protect },
    parent: r.parent,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
  };
}

export interface CheckResult {
  diagnostics: Diagnostic[];
  notApplicable: NotApplicable[];
  resources: number;
}

/** Feeds a mock run's resources to the policies: Analyze per resource (inputs), AnalyzeStack once (outputs). */
export async function checkResources(
  run: MockRunResult,
  config: PackConfig,
  opts: { applySchemaDefaults?: boolean } = {},
): Promise<CheckResult> {
  const engine = new PolicyEngine(policies, { config, applySchemaDefaults: opts.applySchemaDefaults });
  const diagnostics: Diagnostic[] = [];
  const notApplicable: NotApplicable[] = [];
  for (const r of run.resources) {
    const result = await engine.analyze(describe(r, r.inputs));
    diagnostics.push(...result.diagnostics);
    notApplicable.push(...result.notApplicable);
  }
  const stackUrn = run.resources.find((r) => r.type === "pulumi:pulumi:Stack")?.urn ?? "";
  const stackResult = await engine.analyzeStack(run.resources.map((r) => describe(r, { ...r.inputs, ...r.state })));
  diagnostics.push(...stackResult.diagnostics.map((d) => ({ ...d, urn: d.urn || stackUrn })));
  notApplicable.push(...stackResult.notApplicable);
  return { diagnostics, notApplicable, resources: run.resources.length };
}

/** Why a mock run cannot be trusted (empty when it can): a failure, an unmocked invoke, a resource never registered. */
export function incompleteRun(run: MockRunResult): string[] {
  const out: string[] = [];
  for (const token of run.unmockedInvokes ?? [])
    out.push(`the program calls ${token}, which no mock answers (add it to tests/support/aws-mocks.ts)`);
  for (const r of run.unregistered ?? [])
    out.push(`the resource ${r} was constructed but never registered (one of its inputs failed), so it was not checked`);
  if (run.error !== undefined && out.length === 0) out.push(`the program failed under mocks: ${run.error}`);
  return out;
}

/** What `policy:check` prints for a finished run, and its exit code (0 clean, 1 a mandatory violation, 2 an untrustworthy run). */
export async function verdict(run: MockRunResult, config: PackConfig): Promise<{ code: 0 | 1 | 2; lines: string[]; problems: string[] }> {
  const problems = incompleteRun(run);
  if (problems.length > 0) return { code: 2, lines: [], problems };
  const { diagnostics } = await checkResources(run, config);
  const code = diagnostics.some((d) => d.enforcementLevel === "mandatory") ? 1 : 0;
  return { code, lines: diagnostics.map(formatDiagnostic), problems };
}

export function formatDiagnostic(d: Diagnostic): string {
  return `${d.enforcementLevel} ${d.policyName} ${d.urn}: ${d.message}`;
}

export async function main(argv: string[]): Promise<number> {
  let args: CheckArgs;
  let config: PackConfig = {};
  try {
    args = parseArgs(argv);
    if (args.configFile) config = readPackConfig(args.configFile);
    new PolicyEngine(policies, { config }); // validate the config before running the program
  } catch (e) {
    if (e instanceof UsageError || e instanceof PolicyConfigError) {
      if (e.message) console.error(`policy:check: ${e.message}`);
      console.error(USAGE);
      return 2;
    }
    throw e;
  }
  const rel = (p: string) => {
    const r = path.relative(process.cwd(), p);
    return r && !r.startsWith("..") ? r : p;
  };
  console.error(
    `policy:check: ${rel(args.entry)} (stack ${args.stack}${args.preview ? ", first preview" : ""}) under mocks; policy config: ${args.configFile ? rel(args.configFile) : "pack defaults"}`,
  );
  let run: MockRunResult;
  try {
    run = await runProgramUnderMocks({
      entry: args.entry,
      stack: args.stack,
      preview: args.preview,
      config: args.programConfig,
      secretKeys: args.secretKeys,
    });
  } catch (e) {
    console.error(`policy:check: the program could not be run under mocks: ${(e as Error).message}`);
    return 2;
  }
  const incomplete = incompleteRun(run);
  if (incomplete.length > 0) {
    for (const line of incomplete) console.error(`policy:check: ${line}`);
    return 2;
  }
  const { diagnostics, resources } = await checkResources(run, config);
  for (const d of diagnostics) console.log(formatDiagnostic(d));
  const mandatory = diagnostics.filter((d) => d.enforcementLevel === "mandatory").length;
  console.error(
    `policy:check: ${resources} resources, ${policies.length} policies: ${mandatory} mandatory, ${diagnostics.length - mandatory} advisory violation(s)`,
  );
  return mandatory > 0 ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`policy:check: ${(e as Error).stack ?? e}`);
      process.exit(2);
    },
  );
}
