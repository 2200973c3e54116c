// Shared fixtures for the handler tests: real stores (DynamoDB Local, redis-server), a store that is down,
// a controllable clock, and capture of the EMF metrics and log lines the handlers really emit.

import { randomUUID } from "node:crypto";
import { createServer as createHttpServer, IncomingHttpHeaders, ServerResponse } from "node:http";
import { AddressInfo, createServer, Server, Socket } from "node:net";
import { BreakerSettings, loadSettings } from "../../core/settings";
import { recordOutcomeDefinition } from "../../functions/handlers/record-outcome";
import { Log, LogAttributes } from "../../functions/shared/logging";
import { emfMetricsSink, MetricsSink } from "../../functions/shared/metrics";
import { EnvironmentOptions } from "../../functions/shared/define-handler";
import { Env, HandlerDeps } from "../../functions/shared/runtime";
import { DynamoDbStore } from "../../functions/store/dynamodb-store";
import { RedisStore } from "../../functions/store/redis-store";
import { StateStore } from "../../core/state-store";
import { ensureTable } from "../../functions/store/table-schema";
import { dynamoClient, freePort, startDynamoLocal, startRedis } from "../support/servers";

export type StoreKind = "dynamodb" | "redis";
export const STORE_KINDS: readonly StoreKind[] = ["dynamodb", "redis"];

/** One parsed EMF document. */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[];
  };
  [key: string]: unknown;
}

/** The real EMF sink, writing into memory. */
export class CapturedMetrics {
  readonly lines: string[] = [];
  readonly sink: MetricsSink = emfMetricsSink((line) => this.lines.push(line));

  documents(): EmfDocument[] {
    return this.lines.map((l) => JSON.parse(l) as EmfDocument);
  }

  /** Every metric name emitted, once per emission, in order. */
  names(): string[] {
    return this.documents().flatMap((d) => d._aws.CloudWatchMetrics.flatMap((m) => m.Metrics.map((x) => x.Name)));
  }

  /** Sum of each metric's values over all documents (for one breaker when given). */
  totals(breaker?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.documents()) {
      if (breaker !== undefined && d.Breaker !== breaker) continue;
      for (const m of d._aws.CloudWatchMetrics.flatMap((c) => c.Metrics)) {
        const v = d[m.Name];
        const values = Array.isArray(v) ? (v as number[]) : [v as number];
        out[m.Name] = (out[m.Name] ?? 0) + values.reduce((a, b) => a + b, 0);
      }
    }
    return out;
  }

  clear(): void {
    this.lines.length = 0;
  }
}

export interface LogEntry {
  level: "info" | "warn" | "error";
  message: string;
  attributes: LogAttributes;
}

export class RecordingLog implements Log {
  readonly entries: LogEntry[] = [];
  info(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: "info", message, attributes });
  }
  warn(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: "warn", message, attributes });
  }
  error(message: string, attributes: LogAttributes = {}): void {
    this.entries.push({ level: "error", message, attributes });
  }
  withMessage(message: string): LogEntry[] {
    return this.entries.filter((e) => e.message === message);
  }
}

/** A clock the test moves; starts at the real time so stored expiries stay realistic. */
export class TestClock {
  constructor(public t = Date.now()) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export function uniqueBreaker(prefix = "b"): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function settingsOf(overrides: Partial<BreakerSettings> = {}): BreakerSettings {
  return loadSettings(overrides, "test settings");
}

export interface Harness {
  deps: HandlerDeps;
  metrics: CapturedMetrics;
  log: RecordingLog;
  clock: TestClock;
}

/** The deps a store handler's Lambda entry builds from `env` (functions/shared/define-handler.ts), with metrics and logs captured. */
export function lambdaDeps(env: Env, options: EnvironmentOptions = {}): { deps: HandlerDeps; metrics: CapturedMetrics; log: RecordingLog } {
  const metrics = new CapturedMetrics();
  const log = new RecordingLog();
  return { deps: { ...recordOutcomeDefinition.deps(env, options), metrics: metrics.sink, log }, metrics, log };
}

/** Trips a fresh breaker (settings with failureThreshold 1) through record-outcome, then forgets its metrics and logs. */
export async function tripFresh(h: Harness, breaker: string): Promise<void> {
  await recordOutcomeDefinition.make(h.deps)({ breaker, gen: 0, outcome: "failure", error: "Boom" });
  h.metrics.clear();
  h.log.entries.length = 0;
}

/** Handlers for events that carry no settings of their own: they run with `settings`. */
export function harness(store: StateStore, settings: BreakerSettings): Harness {
  const metrics = new CapturedMetrics();
  const log = new RecordingLog();
  const clock = new TestClock();
  return { deps: { settings, store: async () => store, clock: clock.now, metrics: metrics.sink, log }, metrics, log, clock };
}

// ---------------------------------------------------------------------------------------------
// Stores

const opened: StateStore[] = [];

/** A store on the shared DynamoDB Local (own table) or redis-server; closed by closeStores(). */
export async function openStore(kind: StoreKind): Promise<StateStore> {
  let store: StateStore;
  if (kind === "dynamodb") {
    const ddb = await startDynamoLocal();
    const tableName = `handlers-${randomUUID().slice(0, 8)}`;
    const admin = dynamoClient(ddb.endpoint, 10_000);
    await ensureTable(admin, tableName);
    admin.destroy();
    store = new DynamoDbStore({
      tableName,
      endpoint: ddb.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      requestTimeoutMs: 5_000,
    });
  } else {
    const redis = await startRedis();
    store = new RedisStore({ url: redis.url, commandTimeoutMs: 5_000, connectTimeoutMs: 5_000 });
  }
  opened.push(store);
  return store;
}

/** A store pointed at a loopback port nothing listens on: every call fails fast with a StoreError. */
export async function downStore(kind: StoreKind): Promise<StateStore> {
  const port = await freePort();
  const store: StateStore =
    kind === "dynamodb"
      ? new DynamoDbStore({
          tableName: "nowhere",
          endpoint: `http://127.0.0.1:${port}`,
          region: "us-east-1",
          credentials: { accessKeyId: "x", secretAccessKey: "x" },
          requestTimeoutMs: 300,
          maxAttempts: 1,
        })
      : new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300, connectTimeoutMs: 300, maxRetriesPerRequest: 0 });
  opened.push(store);
  return store;
}

/**
 * A store pointed at a loopback listener that accepts connections and never answers (a hung store):
 * every call must still fail within its configured timeout. Closed by closeStores().
 */
export async function silentStore(kind: StoreKind): Promise<StateStore> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.on("close", () => sockets.delete(sock));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const { port } = server.address() as AddressInfo;
  const store: StateStore =
    kind === "dynamodb"
      ? new DynamoDbStore({
          tableName: "silent",
          endpoint: `http://127.0.0.1:${port}`,
          region: "us-east-1",
          credentials: { accessKeyId: "x", secretAccessKey: "x" },
          requestTimeoutMs: 300,
          maxAttempts: 1,
        })
      : new RedisStore({ url: `redis://127.0.0.1:${port}`, commandTimeoutMs: 300, connectTimeoutMs: 300, maxRetriesPerRequest: 0 });
  const close = store.close.bind(store);
  store.close = async () => {
    await close();
    for (const sock of sockets) sock.destroy();
    await new Promise((r) => server.close(r));
  };
  opened.push(store);
  return store;
}

export async function closeStores(): Promise<void> {
  while (opened.length)
    await opened
      .pop()!
      .close()
      .catch(() => undefined);
}

/** The same tests on each real store: `s.store` is opened before them and closed after. */
export function describeEachStore(title: string, body: (s: { store: StateStore; kind: StoreKind }) => void): void {
  for (const kind of STORE_KINDS) {
    describe(`${title} (${kind})`, () => {
      const s = { store: null as unknown as StateStore, kind };
      before(async () => {
        s.store = await openStore(kind);
      });
      after(closeStores);
      body(s);
    });
  }
}

/** Asserts that `work` rejects with an error of this name whose message contains every fragment. */
export async function rejectsWith(work: () => Promise<unknown>, name: string, ...fragments: string[]): Promise<Error> {
  let caught: unknown = null;
  try {
    await work();
  } catch (e) {
    caught = e;
  }
  if (!(caught instanceof Error)) throw new Error(`expected ${name}, but nothing was thrown`);
  if (caught.name !== name) throw new Error(`expected ${name}, got ${caught.name}: ${caught.message}`);
  for (const f of fragments) {
    if (!caught.message.includes(f))
      throw new Error(`expected the ${name} message to contain ${JSON.stringify(f)}; it is ${JSON.stringify(caught.message)}`);
  }
  return caught;
}

// ---------------------------------------------------------------------------------------------
// A local AWS API endpoint

export interface SeenRequest {
  method?: string;
  url?: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAwsEndpoint {
  /** http://127.0.0.1:<port>: the `endpoint` of an SDK client under test. */
  url: string;
  /** Every request received, in order. */
  seen: SeenRequest[];
  /** Answers each request; an answer that never calls res.end() is an endpoint that hangs. */
  respond: (res: ServerResponse, req: SeenRequest) => void;
  close(): Promise<void>;
}

/** The content type of the AWS JSON protocol (SSM, Secrets Manager): requests and answers. */
export const AWS_JSON = "application/x-amz-json-1.1";

/** Answers a request of the AWS JSON protocol with `body`; an error also names its type (x-amzn-errortype), as the SDK reads it. */
export function answerAwsJson(res: ServerResponse, status: number, body: unknown, errorType?: string): void {
  res.writeHead(status, { "content-type": AWS_JSON, ...(errorType ? { "x-amzn-errortype": errorType } : {}) }).end(JSON.stringify(body));
}

/** Dummy region and credentials for an SDK client pointed at a FakeAwsEndpoint. */
export const FAKE_AWS_CLIENT = { region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } } as const;

/** An HTTP server on a free loopback port that records each request and answers it with `respond`. */
export async function fakeAwsEndpoint(): Promise<FakeAwsEndpoint> {
  const endpoint: FakeAwsEndpoint = {
    url: "",
    seen: [],
    respond: () => undefined,
    close: async () => undefined,
  };
  const server = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const seen: SeenRequest = { method: req.method, url: req.url, headers: req.headers, body };
      endpoint.seen.push(seen);
      endpoint.respond(res, seen);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return endpoint;
}
