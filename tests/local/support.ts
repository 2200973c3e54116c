// Shared pieces of the local-runtime tests: a short scenario that walks healthy -> failing -> recovering in
// a few real seconds, runs against the shared test stores, and the spawned CLI.

import { spawn, SpawnOptions } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BrowserContext } from "playwright-core";
import { launchChromium as launchChromiumWith } from "../../scripts/chromium";
import { RunRecords } from "../../local/report/records";
import { LocalRunOptions, LocalRunResult, runLocal } from "../../local/run-local";
import { Scenario, ScenarioError, StoreKind, validateScenario } from "../../local/scenario";
import { startDynamoLocal, startRedis } from "../support/servers";

export const ROOT = resolve(__dirname, "..", "..");
export const MAIN = join(ROOT, "local", "main.ts");

/**
 * 45 design seconds at speed 5 (9 s real). Open periods (10 s) are long against the scheduling noise of a
 * busy machine, the target timeout is generous, and the recovering phase leaves room for a probe.
 */
export function fastScenarioJson(
  overrides: { store?: StoreKind; seed?: number; speed?: number; name?: string } = {},
): Record<string, unknown> {
  return {
    name: overrides.name ?? "fast-walkthrough",
    description: "healthy, an outage until the breaker trips, recovery",
    store: overrides.store ?? "dynamodb",
    speed: overrides.speed ?? 5,
    seed: overrides.seed ?? 7,
    breaker: {
      name: "fast",
      fallback: "builtin",
      settings: {
        tripRule: "consecutive",
        failureThreshold: 3,
        openDurationSeconds: 10,
        openDurationMultiplier: 1,
        maxOpenDurationSeconds: 10,
        halfOpenProbes: 1,
        probeLeaseSeconds: 10,
        timeoutSeconds: 30,
        retryAttempts: 1,
        retryIntervalSeconds: 1,
        retryMaxDelaySeconds: 2,
      },
    },
    traffic: { ratePerSecond: 8, maxConcurrency: 40 },
    phases: [
      { name: "healthy", durationSeconds: 5, failureRate: 0.1, latencyMs: 20 },
      { name: "outage", durationSeconds: 15, failureRate: 1, latencyMs: 20, errorType: "ServiceUnavailable" },
      { name: "recovered", durationSeconds: 25, failureRate: 0, latencyMs: 20 },
    ],
  };
}

export function fastScenario(overrides: Parameters<typeof fastScenarioJson>[0] = {}): Scenario {
  return validateScenario(fastScenarioJson(overrides));
}

/** Runs the scenario in this process against the shared test store of its kind, keeping every record. */
export async function runOnSharedStore(scenario: Scenario, options: LocalRunOptions = {}): Promise<LocalRunResult> {
  const endpoints =
    scenario.store === "dynamodb" ? { dynamodbEndpoint: (await startDynamoLocal()).endpoint } : { redisUrl: (await startRedis()).url };
  return runLocal(scenario, { ...options, endpoints, keepRecords: true });
}

/** The records of a run made with keepRecords. */
export function kept(result: LocalRunResult): RunRecords {
  if (!result.records) throw new Error("the run did not keep its records (keepRecords)");
  return result.records;
}

/** For assert.throws / assert.rejects: a ScenarioError naming `field`, with a message matching `message`. */
export function scenarioError(field: string, message: RegExp): (e: unknown) => boolean {
  return (e) => e instanceof ScenarioError && e.field === field && message.test(e.message);
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === "string" ? value : JSON.stringify(value, null, 2));
  return file;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm start`'s entry point (or `main`: bench/main.ts, local/soak.ts) as a user's shell would (node +
 * ts-node, the repository as cwd), as `user` when given. `onStderr` sees stderr as it arrives (to send a
 * signal at the right moment).
 */
export function runCli(
  args: string[],
  options: {
    env?: NodeJS.ProcessEnv;
    onStderr?: (text: string, child: ReturnType<typeof spawn>) => void;
    timeoutMs?: number;
    main?: string;
    user?: { uid: number; gid: number };
  } = {},
): Promise<CliRun> {
  const spawnOptions: SpawnOptions = {
    cwd: ROOT,
    env: { ...process.env, ...(options.env ?? {}) },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.user ?? {}),
  };
  const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", options.main ?? MAIN, ...args], spawnOptions);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    options.onStderr?.(stderr, child);
  });
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `${options.main ?? "npm start"} ${args.join(" ")} did not finish within ${options.timeoutMs ?? 90_000} ms\nstderr:\n${stderr}`,
        ),
      );
    }, options.timeoutMs ?? 90_000);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** The pid the runtime printed for the store process it started ("started for this run, pid N"). */
export function startedPid(stderr: string): number | null {
  const m = /started for this run, pid (\d+)/.exec(stderr);
  return m ? Number(m[1]) : null;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// The report page in Debian's chromium (installed by scripts/system-deps.js), driven by playwright-core.

/** What the page's SVG shapes offer (this project compiles without the DOM types). */
export type SvgShape = { getBBox(): { width: number; height: number } };

/** Chromium with a fresh profile directory (playwright passes it as --user-data-dir). */
export function launchChromium(): Promise<BrowserContext> {
  return launchChromiumWith(tempDir("chromium-profile-"), { width: 1100, height: 1500 });
}
