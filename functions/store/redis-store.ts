// The Redis StateStore (Redis OSS / Valkey, e.g. ElastiCache): one hash per breaker at `cb:{<breaker>}`,
// fields mirroring the DynamoDB attributes (text; JSON for maps and lists). Every change is one Lua
// script, so it is atomic: compare-and-set on `ver`, counting under a generation check, bulkhead slots.
// The key expires (PEXPIREAT) at the record's expiresAt, like the DynamoDB TTL; manual states persist.
// A down server fails fast with a StoreError (no offline queue); the client reconnects in the background.

import Redis, { RedisOptions } from "ioredis";
import { BreakerRecord, CountPlan, expiresAtSeconds, newRecord } from "../../core/breaker";
import { BreakerSettings } from "../../core/settings";
import { bulkheadKey, redisKey } from "../../core/store-schema";
import { FIELD, isCounterField, readRecord, recordAttributes, storeError, StoredValue } from "./record-codec";
import { StateStore, StoreError } from "../../core/state-store";

export interface RedisStoreConfig {
  /** redis:// or rediss:// URL (local runs). Host/port/TLS/credentials below override its parts. */
  url?: string;
  host?: string;
  port?: number;
  tls?: boolean;
  /**
   * PEM CA certificate(s) the TLS connection trusts instead of Node's built-in roots: a private CA, or a
   * local TLS redis-server in tests. Unset (ElastiCache, whose certificates chain to public roots): the defaults.
   */
  tlsCa?: string;
  /** ACL user (with password), or none for AUTH <token>. */
  username?: string;
  /** The AUTH token / password. */
  password?: string;
  /** Per-command timeout. Default 1000 ms. */
  commandTimeoutMs?: number;
  /** Connect timeout, and how long a call waits for a (re)connection before failing. Default 1000 ms. */
  connectTimeoutMs?: number;
  /** Re-sends of a command after a connection loss. Default 1. */
  maxRetriesPerRequest?: number;
}

export const REDIS_DEFAULTS = { commandTimeoutMs: 1000, connectTimeoutMs: 1000, maxRetriesPerRequest: 1 } as const;

/** An idle bulkhead key expires this long after its last lease. */
const BULKHEAD_IDLE_MS = 86_400_000;

/** ioredis options for a config: bounded timeouts, no offline queue, reconnect forever with a capped delay. */
export function redisOptions(config: RedisStoreConfig): RedisOptions {
  const fromUrl: RedisOptions = {};
  if (config.url) {
    let u: URL;
    try {
      u = new URL(config.url);
    } catch {
      throw new StoreError(`redis url ${JSON.stringify(config.url)} is not a URL; allowed: redis://host:port or rediss://host:port`);
    }
    if (u.protocol !== "redis:" && u.protocol !== "rediss:") {
      throw new StoreError(`redis url ${JSON.stringify(config.url)} has scheme ${u.protocol}; allowed: redis: or rediss:`);
    }
    fromUrl.host = u.hostname;
    fromUrl.port = u.port ? Number(u.port) : 6379;
    if (u.username) fromUrl.username = decodeURIComponent(u.username);
    if (u.password) fromUrl.password = decodeURIComponent(u.password);
    if (u.protocol === "rediss:") fromUrl.tls = {};
  }
  const tls = config.tls ?? fromUrl.tls !== undefined;
  const connectTimeout = config.connectTimeoutMs ?? REDIS_DEFAULTS.connectTimeoutMs;
  const options: RedisOptions = {
    host: config.host ?? fromUrl.host ?? "127.0.0.1",
    port: config.port ?? fromUrl.port ?? 6379,
    ...(tls ? { tls: config.tlsCa ? { ca: config.tlsCa } : {} } : {}),
    ...((config.username ?? fromUrl.username) ? { username: config.username ?? fromUrl.username } : {}),
    ...((config.password ?? fromUrl.password) ? { password: config.password ?? fromUrl.password } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    enableReadyCheck: true,
    connectTimeout,
    commandTimeout: config.commandTimeoutMs ?? REDIS_DEFAULTS.commandTimeoutMs,
    maxRetriesPerRequest: config.maxRetriesPerRequest ?? REDIS_DEFAULTS.maxRetriesPerRequest,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  };
  return options;
}

// ---------------------------------------------------------------------------------------------
// Lua scripts. Numbers travel as decimal text, exactly as the hash stores them.

/** KEYS[1] hash; ARGV: expected ver ('' = the key must not exist), expire-at ms ('' = none), field, value, ... */
const CAS = `
local k = KEYS[1]
if ARGV[1] == '' then
  if redis.call('EXISTS', k) == 1 then return 0 end
elseif redis.call('HGET', k, 'ver') ~= ARGV[1] then
  return 0
end
redis.call('DEL', k)
redis.call('HSET', k, unpack(ARGV, 3))
if ARGV[2] ~= '' then redis.call('PEXPIREAT', k, ARGV[2]) end
return 1
`;

/**
 * KEYS[1] hash; ARGV: gen, updatedAt, recordSuccess, expiresAt (s), expire-at (ms), successBucket, its until,
 * nextSuccessBucket, its until (ISO; all '' = unchanged), then n + n names to remove, n + n name/value pairs to set, n + n name/increment
 * pairs to add (HINCRBYFLOAT: a sampled success weighs 1/successSampleRate).
 * Returns the whole hash, or nil when the record is not CLOSED in `gen` (a missing one is CLOSED gen 0).
 */
const COUNT = `
local k = KEYS[1]
if redis.call('EXISTS', k) == 0 then
  if ARGV[1] ~= '0' then return false end
  redis.call('HSET', k, 'state', 'CLOSED', 'gen', '0', 'ver', '0', 'reopens', '0', 'probeSuccesses', '0', 'leases', '{}', 'history', '[]')
elseif redis.call('HGET', k, 'gen') ~= ARGV[1] or redis.call('HGET', k, 'state') ~= 'CLOSED' then
  return false
end
if ARGV[6] ~= '' then
  redis.call('HSET', k, 'successBucket', ARGV[6], 'successBucketUntilIso', ARGV[7], 'nextSuccessBucket', ARGV[8], 'nextSuccessBucketUntilIso', ARGV[9])
end
local i = 10
local n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do redis.call('HDEL', k, ARGV[i]); i = i + 1 end
n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do redis.call('HSET', k, ARGV[i], ARGV[i + 1]); i = i + 2 end
n = tonumber(ARGV[i]); i = i + 1
for j = 1, n do redis.call('HINCRBYFLOAT', k, ARGV[i], ARGV[i + 1]); i = i + 2 end
redis.call('HSET', k, 'recordSuccess', ARGV[3], 'updatedAt', ARGV[2], 'expiresAt', ARGV[4])
redis.call('PEXPIREAT', k, ARGV[5])
return redis.call('HGETALL', k)
`;

/** KEYS[1] zset (member slot id, score lease expiry ms); ARGV: slot id, limit, now, lease expiry, idle ms. */
const SLOT = `
local k = KEYS[1]
redis.call('ZREMRANGEBYSCORE', k, '-inf', ARGV[3])
if not redis.call('ZSCORE', k, ARGV[1]) and redis.call('ZCARD', k) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', k, ARGV[4], ARGV[1])
local top = redis.call('ZRANGE', k, -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', k, tonumber(top[2]) + tonumber(ARGV[5]))
return 1
`;

/** Replies of a server that refuses the credentials (wrong or rotated token, or none given). */
const AUTH_REFUSED = /\b(WRONGPASS|NOAUTH)\b/;

type Scripted = Redis & {
  cbCas(key: string, ...args: string[]): Promise<number>;
  cbCount(key: string, ...args: string[]): Promise<string[] | null>;
  cbSlot(key: string, ...args: string[]): Promise<number>;
};

function text(v: StoredValue): string {
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function pairsToObject(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[flat[i]] = flat[i + 1];
  return out;
}

export class RedisStore implements StateStore {
  readonly kind = "redis" as const;
  private readonly redis: Scripted;
  private readonly connectTimeoutMs: number;
  private lastError: Error | null = null;
  /** When the connection was last lost (or first attempted); null while it is up. */
  private downSince: number | null = null;
  private closed = false;
  /** The wait for the connection that calls made while it is down share. */
  private waiting: Promise<void> | null = null;

  constructor(config: RedisStoreConfig) {
    const options = redisOptions(config);
    this.connectTimeoutMs = options.connectTimeout ?? REDIS_DEFAULTS.connectTimeoutMs;
    const redis = new Redis(options);
    redis.defineCommand("cbCas", { numberOfKeys: 1, lua: CAS });
    redis.defineCommand("cbCount", { numberOfKeys: 1, lua: COUNT });
    redis.defineCommand("cbSlot", { numberOfKeys: 1, lua: SLOT });
    // Connection errors surface through the calls (as StoreError); keep the last one for their messages.
    redis.on("error", (e: Error) => (this.lastError = e));
    redis.on("ready", () => {
      this.downSince = null;
      this.lastError = null;
    });
    redis.on("close", () => (this.downSince ??= Date.now()));
    this.redis = redis as Scripted;
  }

  /**
   * The offline queue is off, so a command needs a live connection. While connecting (first, or after a
   * drop such as a Lambda thaw), wait for it, at most connectTimeoutMs after the connection went down;
   * once it has been down that long, fail at once (ioredis keeps reconnecting in the background).
   */
  private async ready(): Promise<void> {
    const r = this.redis;
    if (r.status === "ready") return;
    if (this.closed) throw Object.assign(new Error("the store was closed"), { name: "RedisClosed" });
    if (r.status === "wait") r.connect().catch(() => undefined);
    this.downSince ??= Date.now();
    const down = Date.now() - this.downSince;
    const unreachable = (how: string) => {
      const why = this.lastError ? `: ${this.lastError.message}` : "";
      return Object.assign(new Error(`${how} (${r.status})${why}`), { name: "RedisUnreachable", cause: this.lastError ?? undefined });
    };
    // A refused AUTH will not heal by waiting: fail at once, and let the owner reopen with fresh credentials.
    const authRejected = () =>
      Object.assign(new Error(`the server refused the AUTH credentials: ${this.lastError?.message}`), {
        name: "RedisAuthRejected",
        cause: this.lastError ?? undefined,
      });
    if (this.credentialsRejected()) throw authRejected();
    if (down >= this.connectTimeoutMs) throw unreachable(`not connected for ${down} ms`);
    // Every call waiting for this connection shares one wait (one pair of listeners, however many calls).
    this.waiting ??= new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        r.off("ready", onReady);
        r.off("error", onError);
        this.waiting = null;
        if (err) reject(err);
        else resolve();
      };
      const onReady = () => done();
      const onError = () => {
        if (this.credentialsRejected()) done(authRejected());
      };
      const timer = setTimeout(() => done(unreachable(`not reachable within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs - down);
      r.on("ready", onReady);
      r.on("error", onError);
      if (r.status === "ready") done();
    });
    return this.waiting;
  }

  credentialsRejected(): boolean {
    return this.redis.status !== "ready" && this.lastError !== null && AUTH_REFUSED.test(this.lastError.message);
  }

  private async run<T>(op: string, breaker: string, call: () => Promise<T>): Promise<T> {
    try {
      await this.ready();
      return await call();
    } catch (e) {
      throw storeError(`redis ${this.redis.options.host}:${this.redis.options.port}:`, op, breaker, e);
    }
  }

  async get(breaker: string): Promise<BreakerRecord | null> {
    const hash = await this.run("HGETALL", breaker, () => this.redis.hgetall(redisKey(breaker)));
    return Object.keys(hash).length === 0 ? null : readRecord(hash, `redis key ${redisKey(breaker)}`);
  }

  async applyCount(breaker: string, plan: CountPlan, now: number, settings: BreakerSettings): Promise<BreakerRecord | null> {
    const names = [...plan.remove, ...Object.keys(plan.set), ...Object.keys(plan.add)];
    const wrong = names.find((n) => !isCounterField(n));
    if (wrong !== undefined) throw new Error(`count plan names ${JSON.stringify(wrong)}, which is not a counter (cf, f_<n>, s_<n>)`);
    // A counted record is CLOSED, with no open period and no leases: its expiry follows from updatedAt alone.
    const ttl = expiresAtSeconds({ ...newRecord(now), updatedAt: now }, settings)!;
    const remove = plan.remove.filter((k) => !(k in plan.set) && !(k in plan.add));
    const args = [
      String(plan.gen),
      String(now),
      String(plan.recordSuccess),
      String(ttl),
      String(ttl * 1000),
      plan.successBucket?.field ?? "",
      plan.successBucket ? new Date(plan.successBucket.until).toISOString() : "",
      plan.successBucket?.nextField ?? "",
      plan.successBucket ? new Date(plan.successBucket.nextUntil).toISOString() : "",
      String(remove.length),
      ...remove,
      String(Object.keys(plan.set).length),
      ...Object.entries(plan.set).flatMap(([k, v]) => [k, String(v)]),
      String(Object.keys(plan.add).length),
      ...Object.entries(plan.add).flatMap(([k, v]) => [k, String(v)]),
    ];
    const flat = await this.run("count script", breaker, () => this.redis.cbCount(redisKey(breaker), ...args));
    return flat === null ? null : readRecord(pairsToObject(flat), `redis key ${redisKey(breaker)}`);
  }

  async compareAndSet(breaker: string, expectedVer: number | null, next: BreakerRecord, settings: BreakerSettings): Promise<boolean> {
    const attrs = recordAttributes({ ...next, ver: expectedVer === null ? 1 : expectedVer + 1 }, settings, FIELD.expiresAt);
    const ttl = attrs[FIELD.expiresAt];
    const fields = Object.entries(attrs).flatMap(([k, v]) => [k, text(v)]);
    const args = [expectedVer === null ? "" : String(expectedVer), ttl === undefined ? "" : String(Number(ttl) * 1000), ...fields];
    const ok = await this.run("compare-and-set script", breaker, () => this.redis.cbCas(redisKey(breaker), ...args));
    return ok === 1;
  }

  async acquireSlot(breaker: string, slotId: string, limit: number, leaseMs: number, now: number): Promise<boolean> {
    const args = [slotId, String(limit), String(now), String(now + leaseMs), String(BULKHEAD_IDLE_MS)];
    const ok = await this.run("bulkhead script", breaker, () => this.redis.cbSlot(bulkheadKey(breaker), ...args));
    return ok === 1;
  }

  async releaseSlot(breaker: string, slotId: string): Promise<void> {
    await this.run("ZREM (bulkhead)", breaker, () => this.redis.zrem(bulkheadKey(breaker), slotId));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.redis.disconnect();
  }
}
