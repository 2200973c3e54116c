// Runs a Pulumi TypeScript program under Pulumi mocks (no CLI, no AWS) and returns every resource it
// registered (type, name, URN, parent URN, inputs, state, protect, dependencies) and its stack outputs.
//
//   runProgramUnderMocks({ entry, stack, config })  -> in a child process (default; any number per process)
//   runProgramInThisProcess(...)                     -> in this process; only once per process, because the
//                                                       Pulumi runtime state and the program module are global
//
// The program runs as the Pulumi language host runs it: inside the root `pulumi:pulumi:Stack` resource, so
// URNs and parents look like a real deployment's, and its module exports (or the value its default-exported
// function returns) become the stack outputs. Config keys without a namespace get the project's.
//
// CLI (child mode, used by runProgramUnderMocks):  node -r ts-node/register/transpile-only tests/support/run-under-mocks.ts --child <options.json> <result.json>

import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { awsMocks, computedOutputs, RecordedInvoke } from "./aws-mocks";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_ENTRY = path.join(REPO_ROOT, "index.ts");
export const DEFAULT_PROJECT = "circuit-breaker";
export const MOCK_ACCOUNT_ID = "123456789012";
export const MOCK_REGION = "us-east-1";

export interface MockRunOptions {
  /** The program's entry file (default: the project's index.ts). */
  entry?: string;
  /** Default "dev". */
  stack?: string;
  /** Default "circuit-breaker". */
  project?: string;
  /** Config on top of the stack file's: keys without ":" get the project namespace; non-strings are passed as JSON. */
  config?: Record<string, unknown>;
  /** Keys of `config` (same form) that are secrets (`pulumi config set --secret`). */
  secretKeys?: string[];
  /** Read Pulumi.yaml and Pulumi.<stack>.yaml next to the entry first (default true). `secure:` values are skipped. */
  useStackFile?: boolean;
  /** StackReference name -> outputs. */
  stackReferences?: Record<string, Record<string, unknown>>;
  accountId?: string;
  /** Default: config aws:region, else us-east-1. */
  region?: string;
  /** Child process only (default 120 s). */
  timeoutMs?: number;
  /**
   * Run as a first `pulumi preview` of a new stack does: outputs the provider computes (ARNs, ids, endpoints)
   * are unknown, and inputs built from them are unknown where they depend on them.
   */
  preview?: boolean;
}

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  /** The parent's URN (the root Stack for top-level resources). */
  parent: string | undefined;
  /** false for component resources. */
  custom: boolean;
  /** The inputs as the engine received them (secrets unwrapped, assets as {__asset: {sha256, size}}). */
  inputs: Record<string, any>;
  /** Paths of inputs that were secrets, e.g. "authToken" or "secretString". */
  secretInputs: string[];
  /** The mock's provider state (inputs plus ARN, id, endpoints...). */
  state: Record<string, any>;
  id: string | undefined;
  protect: boolean;
  /** The ignoreChanges resource option. */
  ignoreChanges: string[];
  /** URNs of explicit and implicit dependencies. */
  dependencies: string[];
  /** Input property -> URNs of the resources its value came from (as the engine receives them). */
  propertyDependencies: Record<string, string[]>;
}

export interface MockRunResult {
  resources: RecordedResource[];
  /** Stack outputs, resolved. */
  outputs: Record<string, unknown>;
  invokes: RecordedInvoke[];
  /** The config the program saw (full keys; secret values replaced by "[secret]"). */
  config: Record<string, string>;
  /** Set when the program threw (or an apply callback failed): the first error's message. */
  error?: string;
  errors: string[];
  /** Provider functions the program called that no mock answers (the program saw them fail). */
  unmockedInvokes?: string[];
  /** Resources the program constructed that never reached the engine (an input failed to resolve): "type name". */
  unregistered?: string[];
}

/** The engine's marker for a value not known yet (the same string @pulumi/policy's proxy checks). */
export const UNKNOWN = pulumi.runtime.unknownValue;

type Yaml = { load(text: string): unknown };
// js-yaml is a dependency of @pulumi/pulumi.
const yaml = (): Yaml => require("js-yaml") as Yaml;

function configValue(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function fullKey(key: string, project: string): string {
  return key.includes(":") ? key : `${project}:${key}`;
}

/**
 * The config of Pulumi.yaml (`config: {key: {value}}` or plain values) and Pulumi.<stack>.yaml (`config:`)
 * next to `entry`, as the engine passes it to the program. `secure:` values are left out (they need the CLI).
 */
export function stackFileConfig(entry: string, stack: string, project: string): { config: Record<string, string>; secureKeys: string[] } {
  const dir = path.dirname(entry);
  const config: Record<string, string> = {};
  const secureKeys: string[] = [];
  const read = (file: string): Record<string, unknown> => {
    const p = path.join(dir, file);
    if (!fs.existsSync(p)) return {};
    const doc = yaml().load(fs.readFileSync(p, "utf8")) as { config?: Record<string, unknown> } | null;
    return doc?.config ?? {};
  };
  for (const [k, v] of Object.entries(read("Pulumi.yaml"))) {
    const value =
      v && typeof v === "object" && !Array.isArray(v) && ("value" in v || "default" in v)
        ? ((v as Record<string, unknown>).value ?? (v as Record<string, unknown>).default)
        : v;
    if (value !== undefined) config[fullKey(k, project)] = configValue(value);
  }
  for (const [k, v] of Object.entries(read(`Pulumi.${stack}.yaml`))) {
    if (v && typeof v === "object" && !Array.isArray(v) && "secure" in v) {
      secureKeys.push(fullKey(k, project));
      continue;
    }
    config[fullKey(k, project)] = configValue(v);
  }
  return { config, secureKeys };
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const SIG = {
  key: pulumi.runtime.specialSigKey,
  secret: pulumi.runtime.specialSecretSig,
  asset: pulumi.runtime.specialAssetSig,
  archive: pulumi.runtime.specialArchiveSig,
  resource: pulumi.runtime.specialResourceSig,
  output: pulumi.runtime.specialOutputValueSig,
};

/**
 * The engine's serialized property form -> plain JSON: secrets unwrapped (their paths listed in `secrets`),
 * assets as {__asset: {sha256, size}} (text) or {__asset: {path|uri}}, archives as {__archive: {name: asset}},
 * resource references as their URN.
 */
export function plainProperties(value: unknown, secrets: string[] = [], at = ""): any {
  if (value === null || value === undefined || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v, i) => plainProperties(v, secrets, `${at}[${i}]`));
  const v = value as Record<string, unknown>;
  switch (v[SIG.key]) {
    case SIG.secret:
      secrets.push(at);
      return plainProperties(v.value, secrets, at);
    case SIG.output:
      if (v.secret) secrets.push(at);
      return plainProperties(v.value, secrets, at);
    case SIG.asset:
      return typeof v.text === "string"
        ? { __asset: { sha256: crypto.createHash("sha256").update(v.text, "utf8").digest("hex"), size: Buffer.byteLength(v.text, "utf8") } }
        : { __asset: { ...(v.path ? { path: v.path } : {}), ...(v.uri ? { uri: v.uri } : {}) } };
    case SIG.archive: {
      const assets = (v.assets ?? {}) as Record<string, unknown>;
      const entries = Object.entries(assets).map(([k, a]) => {
        const plain = plainProperties(a, secrets, `${at}.${k}`);
        return [k, plain.__asset ?? plain];
      });
      return { __archive: Object.fromEntries(entries) };
    }
    case SIG.resource:
      return v.urn;
    default: {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = plainProperties(x, secrets, at ? `${at}.${k}` : k);
      return out;
    }
  }
}

function propertyDependenciesOf(req: any): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const map = req.getPropertydependenciesMap?.();
  map?.forEach((deps: { getUrnsList(): string[] }, key: string) => {
    out[key] = [...deps.getUrnsList()];
  });
  return out;
}

let usedInThisProcess = false;
/** What the in-process run has recorded so far (for the child's report when the program never finishes). */
let inProcessState: { resources: RecordedResource[]; invokes: RecordedInvoke[]; errors: string[] } | undefined;

/** The resources constructed by the current run (the runtime hook below is installed once per process). */
let constructed: { type: string; name: string }[] = [];
let constructHooked = false;

/** Records every resource the program constructs, so that one whose inputs never resolved is reported. */
function hookConstruction(): void {
  if (constructHooked) return;
  constructHooked = true;
  const runtimeResource = require("@pulumi/pulumi/runtime/resource") as Record<string, (...a: any[]) => unknown>;
  for (const fn of ["registerResource", "readResource"] as const) {
    const original = runtimeResource[fn];
    runtimeResource[fn] = (res: unknown, parent: unknown, t: string, name: string, ...rest: unknown[]) => {
      constructed.push({ type: t, name });
      return original(res, parent, t, name, ...rest);
    };
  }
}

/**
 * Runs the program in this process. Call at most once per process (the Pulumi runtime and the module cache
 * are global); tests should use runProgramUnderMocks.
 */
export async function runProgramInThisProcess(options: MockRunOptions = {}): Promise<MockRunResult> {
  if (usedInThisProcess)
    throw new Error("runProgramInThisProcess: a program already ran in this process; use runProgramUnderMocks (child process)");
  usedInThisProcess = true;
  return runOne(options);
}

/**
 * One run in this process. Runs one after another in one process share @pulumi/aws (loading it is most of a
 * run's time); each gets a fresh mock monitor and its entry module is loaded anew. Programs run this way must
 * not patch shared modules (tests/fixtures/weakened-program.ts does, so it runs alone).
 */
async function runOne(options: MockRunOptions): Promise<MockRunResult> {
  const entry = path.resolve(options.entry ?? DEFAULT_ENTRY);
  const stack = options.stack ?? "dev";
  const project = options.project ?? DEFAULT_PROJECT;
  if (!fs.existsSync(entry)) throw new Error(`program entry ${entry} does not exist`);

  // A stack named without its file and without config would fail later as "breakers is not set"; name the file.
  const stackFile = path.join(path.dirname(entry), `Pulumi.${stack}.yaml`);
  const isProjectDir = fs.existsSync(path.join(path.dirname(entry), "Pulumi.yaml"));
  if (options.useStackFile !== false && options.config === undefined && isProjectDir && !fs.existsSync(stackFile)) {
    const known = fs.readdirSync(path.dirname(entry)).filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f));
    throw new Error(
      `stack ${stack}: ${stackFile} does not exist; allowed: a stack with a stack file (${known.join(", ") || "none found"})`,
    );
  }
  const fromFile = options.useStackFile === false ? { config: {}, secureKeys: [] } : stackFileConfig(entry, stack, project);
  const config: Record<string, string> = { ...fromFile.config };
  for (const [k, v] of Object.entries(options.config ?? {})) {
    if (v === undefined) delete config[fullKey(k, project)];
    else config[fullKey(k, project)] = configValue(v);
  }
  const secretKeys = (options.secretKeys ?? []).map((k) => fullKey(k, project));
  const region = options.region ?? config["aws:region"] ?? MOCK_REGION;
  const invokes: RecordedInvoke[] = [];
  const errors: string[] = [];
  const resources: RecordedResource[] = [];
  inProcessState = { resources, invokes, errors };

  pulumi.runtime.setAllConfig(config, secretKeys);
  const mockOptions = {
    accountId: options.accountId ?? MOCK_ACCOUNT_ID,
    region,
    stackReferences: options.stackReferences ?? {},
    preview: options.preview === true,
  };
  await pulumi.runtime.setMocks(awsMocks(mockOptions, invokes), project, stack, options.preview === true);

  // Every resource the program constructs, so that one whose inputs never resolved (and so never reached the
  // monitor) is reported instead of silently missing from the check.
  hookConstruction();
  constructed = [];

  // Record what the engine receives: the mock monitor's register/read calls carry parent, protect and dependencies.
  const monitor = pulumi.runtime.getMonitor() as unknown as {
    newUrn(parent: string, type: string, name: string): string;
    registerResource(req: any, cb: (err: any, resp: any) => void): Promise<void>;
    readResource(req: any, cb: (err: any, resp: any) => void): Promise<void>;
  };
  const wrap = (method: "registerResource" | "readResource") => {
    const read = method === "readResource";
    const original = monitor[method].bind(monitor);
    monitor[method] = (req: any, cb: (err: any, resp: any) => void) => {
      const type: string = req.getType();
      const name: string = req.getName();
      const parent: string = req.getParent();
      const inputSecrets: string[] = [];
      const props = read ? req.getProperties() : req.getObject();
      const entry: RecordedResource = {
        type,
        name,
        urn: monitor.newUrn(parent, type, name),
        parent: parent || undefined,
        custom: read ? true : Boolean(req.getCustom()),
        inputs: plainProperties(props?.toJavaScript?.() ?? {}, inputSecrets),
        secretInputs: inputSecrets,
        state: {},
        id: undefined,
        protect: read ? false : Boolean(req.getProtect?.()),
        ignoreChanges: read ? [] : [...(req.getIgnorechangesList?.() ?? [])],
        dependencies: read ? [] : [...(req.getDependenciesList?.() ?? [])],
        propertyDependencies: read ? {} : propertyDependenciesOf(req),
      };
      resources.push(entry);
      return original(req, (err: any, resp: any) => {
        if (!err && resp) {
          const state = read ? resp.getProperties?.() : resp.getObject?.();
          entry.state = plainProperties(state?.toJavaScript?.() ?? {});
          entry.id = (read ? req.getId?.() : resp.getId?.()) || undefined;
          // At preview the engine shows what the provider will compute as unknown, not as absent.
          if (options.preview && !read && entry.custom && entry.id === undefined) {
            for (const k of computedOutputs(type, name, entry.inputs, mockOptions)) if (!(k in entry.state)) entry.state[k] = UNKNOWN;
          }
        }
        cb(err, resp);
      });
    };
  };
  wrap("registerResource");
  wrap("readResource");

  const onRejection = (e: unknown) => errors.push(messageOf(e));
  process.on("unhandledRejection", onRejection);
  let outputs: Record<string, unknown> = {};
  try {
    const result = await pulumi.runtime.runInPulumiStack(async () => {
      delete require.cache[entry];
      const mod = require(entry);
      const main = mod && typeof mod.default === "function" ? mod.default : typeof mod === "function" ? mod : undefined;
      return main ? await main() : mod;
    });
    outputs = (result ?? {}) as Record<string, unknown>;
  } catch (e) {
    errors.unshift(messageOf(e));
  }
  try {
    await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  } catch (e) {
    errors.push(messageOf(e));
  }
  process.off("unhandledRejection", onRejection);

  const registered = new Set(resources.map((r) => `${r.type} ${r.name}`));
  const unregistered = constructed.map((c) => `${c.type} ${c.name}`).filter((c) => !registered.has(c));
  const unmockedInvokes = [...new Set(invokes.filter((i) => i.unmocked).map((i) => i.token))];

  const shown: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) shown[k] = secretKeys.includes(k) ? "[secret]" : v;
  return {
    resources,
    outputs: plainProperties(JSON.parse(JSON.stringify(outputs ?? {}))),
    invokes,
    config: shown,
    ...(errors.length > 0 ? { error: errors[0] } : {}),
    errors,
    unmockedInvokes,
    unregistered: [...new Set(unregistered)],
  };
}

/** Runs the program under mocks in a child process and returns what it registered. */
export async function runProgramUnderMocks(options: MockRunOptions = {}): Promise<MockRunResult> {
  return runInChild(options, "--child") as Promise<MockRunResult>;
}

/**
 * Runs several programs under mocks one after another in ONE child process (see runOne for what they must not
 * do); much faster than a process each. Results are in the order given.
 */
export async function runProgramsUnderMocks(list: MockRunOptions[], timeoutMs = 300_000): Promise<MockRunResult[]> {
  if (list.length === 0) return [];
  return runInChild(list, "--children", timeoutMs) as Promise<MockRunResult[]>;
}

async function runInChild(
  options: MockRunOptions | MockRunOptions[],
  mode: "--child" | "--children",
  batchTimeoutMs?: number,
): Promise<MockRunResult | MockRunResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cb-mocks-"));
  const optionsFile = path.join(dir, "options.json");
  const resultFile = path.join(dir, "result.json");
  fs.writeFileSync(optionsFile, JSON.stringify(options));
  const first = Array.isArray(options) ? options[0] : options;
  const entry = path.resolve(first.entry ?? DEFAULT_ENTRY);
  const tsNode = require.resolve("ts-node/register/transpile-only", { paths: [REPO_ROOT] });
  try {
    let timedOut: number | undefined;
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["-r", tsNode, __filename, mode, optionsFile, resultFile], {
        cwd: path.dirname(entry),
        env: {
          ...process.env,
          TS_NODE_PROJECT: path.join(REPO_ROOT, "tsconfig.json"),
          TS_NODE_TRANSPILE_ONLY: "true",
          NODE_PATH: [path.join(REPO_ROOT, "node_modules"), process.env.NODE_PATH].filter(Boolean).join(path.delimiter),
          PULUMI_CONFIG: "",
          PULUMI_CONFIG_SECRET_KEYS: "",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (d) => (output += d));
      child.stderr.on("data", (d) => (output += d));
      const limitMs = batchTimeoutMs ?? first.timeoutMs ?? 120_000;
      const timer = setTimeout(() => {
        timedOut = limitMs;
        child.kill("SIGKILL");
      }, limitMs);
      child.on("error", reject);
      child.on("close", (c) => {
        clearTimeout(timer);
        resolve({ code: c, output });
      });
    });
    if (!fs.existsSync(resultFile)) {
      if (timedOut !== undefined) {
        throw new Error(
          `the program did not finish under mocks within ${timedOut / 1000} s (the time limit) and was stopped:\n${output.slice(-4000)}`,
        );
      }
      throw new Error(`the program did not finish under mocks (exit code ${code}):\n${output.slice(-4000)}`);
    }
    return JSON.parse(fs.readFileSync(resultFile, "utf8")) as MockRunResult | MockRunResult[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function childMain(optionsFile: string, resultFile: string): Promise<void> {
  const options = JSON.parse(fs.readFileSync(optionsFile, "utf8")) as MockRunOptions;
  // A program whose outputs never resolve (a cycle, an apply that never returns) lets the event loop run dry:
  // report what was registered instead of exiting silently.
  process.once("beforeExit", () => {
    if (fs.existsSync(resultFile)) return;
    const partial = inProcessState;
    const message = "the program did not finish: some outputs never resolved (a dependency cycle, or an apply callback that failed)";
    const errors = [message, ...(partial?.errors ?? [])];
    fs.writeFileSync(
      resultFile,
      JSON.stringify({
        resources: partial?.resources ?? [],
        outputs: {},
        invokes: partial?.invokes ?? [],
        config: {},
        error: errors.join("\n"),
        errors,
      }),
    );
    process.exit(0);
  });
  let result: MockRunResult;
  try {
    result = await runProgramInThisProcess(options);
  } catch (e) {
    result = { resources: [], outputs: {}, invokes: [], config: {}, error: messageOf(e), errors: [messageOf(e)] };
  }
  fs.writeFileSync(resultFile, JSON.stringify(result));
  // Pulumi keeps handles open; the result is written, so end the process.
  process.exit(0);
}

/** The batch child: each program in turn; one that throws or never finishes is reported and the rest still run. */
async function childrenMain(optionsFile: string, resultFile: string): Promise<void> {
  const list = JSON.parse(fs.readFileSync(optionsFile, "utf8")) as MockRunOptions[];
  const results: MockRunResult[] = [];
  for (const options of list) {
    const fail = (message: string): MockRunResult => ({
      resources: inProcessState?.resources ?? [],
      outputs: {},
      invokes: inProcessState?.invokes ?? [],
      config: {},
      error: message,
      errors: [message],
    });
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<MockRunResult>((resolve) => {
      timer = setTimeout(() => resolve(fail("the program did not finish: some outputs never resolved")), options.timeoutMs ?? 60_000);
    });
    try {
      results.push(await Promise.race([runOne(options), stalled]));
    } catch (e) {
      results.push(fail(messageOf(e)));
    } finally {
      clearTimeout(timer);
    }
  }
  fs.writeFileSync(resultFile, JSON.stringify(results));
  process.exit(0);
}

if (require.main === module && process.argv[2] === "--child") {
  void childMain(process.argv[3], process.argv[4]);
}
if (require.main === module && process.argv[2] === "--children") {
  void childrenMain(process.argv[3], process.argv[4]);
}
