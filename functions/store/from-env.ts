// Opens the state store a Lambda handler (or the local runtime) is configured for, from its environment:
//   STORE_KIND              dynamodb | redis (required)
//   STORE_TIMEOUT_MS        per-request / per-command and connect timeout, 50..30000 (default 1000)
// dynamodb:
//   TABLE_NAME              the breaker table (required)
//   TTL_ATTRIBUTE           the table's TTL attribute (default expiresAt)
//   DYNAMODB_ENDPOINT       local runs only (DynamoDB Local)
// redis:
//   REDIS_HOST, REDIS_PORT  the primary endpoint (port default 6379); or REDIS_URL (local runs)
//   REDIS_TLS               true | false (default true with REDIS_HOST; with REDIS_URL the scheme decides)
//   REDIS_AUTH_SECRET_ARN   Secrets Manager secret holding the AUTH token, read once at cold start. The secret
//                           is the token itself, or JSON {"password"|"token"|"authToken": ..., "username"?: ...}.
// A token in a plain environment variable is refused: it would be readable by anyone who can read the function.

import { GetSecretValueCommand, SecretsManagerClient, SecretsManagerClientConfig } from "@aws-sdk/client-secrets-manager";
import { DynamoDbStore } from "./dynamodb-store";
import { checkTtlAttribute } from "./record-codec";
import { RedisStore, RedisStoreConfig } from "./redis-store";
import { StateStore } from "../../core/state-store";
import { STORE_ENV, STORE_KINDS, STORE_TIMEOUT_DEFAULT_MS, STORE_TIMEOUT_RANGE, StoreKind } from "../../core/store-env";
import { TTL_ATTRIBUTE } from "../../core/store-schema";

/** Variables that would carry a credential in plain text; refused. */
const PLAIN_SECRETS = ["REDIS_AUTH_TOKEN", "REDIS_PASSWORD", "REDIS_TOKEN"];

/** The store's environment is missing a variable or has an invalid value. */
export class StoreConfigError extends Error {
  constructor(
    public readonly variable: string,
    message: string,
  ) {
    super(message);
    this.name = "StoreConfigError";
  }
}

export type SecretReader = (arn: string) => Promise<string>;

export interface StoreFromEnvOptions {
  /** Reads a secret string; default: AWS Secrets Manager GetSecretValue with bounded timeouts. */
  readSecret?: SecretReader;
  /**
   * Merged into the default reader's Secrets Manager client configuration (e.g. the endpoint, region and
   * credentials of a local stand-in in tests). Unset in the Lambdas: the SDK defaults. Ignored with readSecret.
   */
  secretsManager?: SecretsManagerClientConfig;
  /** PEM CA certificate(s) a TLS Redis connection trusts instead of Node's roots (RedisStoreConfig.tlsCa); tests / private CAs. */
  redisTlsCa?: string;
}

type Env = Record<string, string | undefined>;

function value(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === "" ? undefined : v.trim();
}

function required(env: Env, name: string, what: string): string {
  const v = value(env, name);
  if (v === undefined) throw new StoreConfigError(name, `${name} is not set; allowed: ${what}`);
  return v;
}

function integer(env: Env, name: string, min: number, max: number, fallback: number): number {
  const v = value(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min || n > max)
    throw new StoreConfigError(name, `${name} is ${JSON.stringify(v)}; allowed: an integer from ${min} to ${max}`);
  return n;
}

function boolean(env: Env, name: string): boolean | undefined {
  const v = value(env, name);
  if (v === undefined) return undefined;
  if (v === "true") return true;
  if (v === "false") return false;
  throw new StoreConfigError(name, `${name} is ${JSON.stringify(v)}; allowed: true, false`);
}

/** The region named in an ARN (arn:<partition>:<service>:<region>:...), or undefined. */
export function arnRegion(arn: string): string | undefined {
  return arn.split(":")[3] || undefined;
}

/**
 * Secrets Manager GetSecretValue (SecretString), with bounded timeouts, in the secret's own region (from its ARN),
 * so an operator whose default region differs from the stack's reads the right secret.
 */
export function secretsManagerReader(timeoutMs = 3000, clientConfig: SecretsManagerClientConfig = {}): SecretReader {
  return async (arn) => {
    const region = arnRegion(arn);
    const client = new SecretsManagerClient({
      maxAttempts: 3,
      requestHandler: { connectionTimeout: Math.min(timeoutMs, 1000), requestTimeout: timeoutMs, throwOnRequestTimeout: true },
      ...(region ? { region } : {}),
      ...clientConfig,
    });
    try {
      const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
      if (typeof out.SecretString !== "string" || out.SecretString === "") {
        throw new StoreConfigError(
          STORE_ENV.redisAuthSecretArn,
          `secret ${arn} has no SecretString; allowed: the AUTH token as text, or JSON {"password": ..., "username"?: ...}`,
        );
      }
      return out.SecretString;
    } finally {
      client.destroy();
    }
  };
}

/** A secret's text -> AUTH credentials: the token itself, or JSON with password/token/authToken and optional username. */
export function parseAuthSecret(secret: string, arn: string): { username?: string; password: string } {
  const t = secret.trim();
  if (t.startsWith("{")) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(t) as Record<string, unknown>;
    } catch {
      throw new StoreConfigError(
        STORE_ENV.redisAuthSecretArn,
        `secret ${arn} starts with "{" but is not JSON; allowed: the AUTH token as text, or JSON {"password": ..., "username"?: ...}`,
      );
    }
    const password = [o.password, o.token, o.authToken].find((x) => typeof x === "string" && x !== "");
    if (typeof password !== "string") {
      throw new StoreConfigError(STORE_ENV.redisAuthSecretArn, `secret ${arn} is JSON without a "password", "token" or "authToken" string`);
    }
    if (o.username !== undefined && typeof o.username !== "string") {
      throw new StoreConfigError(STORE_ENV.redisAuthSecretArn, `secret ${arn}: "username" must be a string`);
    }
    return { password, ...(o.username ? { username: o.username as string } : {}) };
  }
  if (t === "") throw new StoreConfigError(STORE_ENV.redisAuthSecretArn, `secret ${arn} is empty; allowed: the AUTH token`);
  return { password: t };
}

/** The Redis configuration from the environment (the AUTH secret is read with `readSecret`). */
export async function redisConfigFromEnv(env: Env, timeoutMs: number, readSecret: SecretReader): Promise<RedisStoreConfig> {
  const plain = PLAIN_SECRETS.find((n) => value(env, n) !== undefined);
  if (plain) {
    throw new StoreConfigError(
      plain,
      `${plain} is set; a Redis AUTH token must not be passed in a plain environment variable; allowed: ${STORE_ENV.redisAuthSecretArn} (a Secrets Manager secret ARN)`,
    );
  }
  const url = value(env, STORE_ENV.redisUrl);
  const host = value(env, STORE_ENV.redisHost);
  if (!url && !host) {
    throw new StoreConfigError(
      STORE_ENV.redisHost,
      `${STORE_ENV.redisHost} is not set (nor ${STORE_ENV.redisUrl}); allowed: the Redis primary endpoint host name`,
    );
  }
  if (url && !/^rediss?:\/\/[^\s]+$/.test(url)) {
    throw new StoreConfigError(
      STORE_ENV.redisUrl,
      `${STORE_ENV.redisUrl} is ${JSON.stringify(url)}; allowed: redis://host:port or rediss://host:port`,
    );
  }
  if (host && !/^[A-Za-z0-9.-]{1,253}$/.test(host)) {
    throw new StoreConfigError(
      STORE_ENV.redisHost,
      `${STORE_ENV.redisHost} is ${JSON.stringify(host)}; allowed: a host name or IPv4 address`,
    );
  }
  const config: RedisStoreConfig = { commandTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs };
  if (url) config.url = url;
  if (host) {
    config.host = host;
    config.port = integer(env, STORE_ENV.redisPort, 1, 65535, 6379);
  }
  const tls = boolean(env, STORE_ENV.redisTls);
  if (tls !== undefined) config.tls = tls;
  else if (host) config.tls = true;
  const arn = value(env, STORE_ENV.redisAuthSecretArn);
  if (arn) {
    if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(arn)) {
      throw new StoreConfigError(
        STORE_ENV.redisAuthSecretArn,
        `${STORE_ENV.redisAuthSecretArn} is ${JSON.stringify(arn)}; allowed: a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)`,
      );
    }
    Object.assign(config, parseAuthSecret(await readSecret(arn), arn));
  }
  return config;
}

/** The store this function is configured for. Missing or invalid variables -> StoreConfigError naming the variable. */
export async function storeFromEnv(env: Env = process.env, options: StoreFromEnvOptions = {}): Promise<StateStore> {
  const kind = required(env, STORE_ENV.kind, STORE_KINDS.join(", "));
  if (!STORE_KINDS.includes(kind as StoreKind)) {
    throw new StoreConfigError(STORE_ENV.kind, `${STORE_ENV.kind} is ${JSON.stringify(kind)}; allowed: ${STORE_KINDS.join(", ")}`);
  }
  const timeoutMs = integer(env, STORE_ENV.timeoutMs, STORE_TIMEOUT_RANGE.min, STORE_TIMEOUT_RANGE.max, STORE_TIMEOUT_DEFAULT_MS);
  if (kind === "dynamodb") {
    const tableName = required(env, STORE_ENV.tableName, "the DynamoDB table name (3-255 of a-z A-Z 0-9 _ - .)");
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
      throw new StoreConfigError(
        STORE_ENV.tableName,
        `${STORE_ENV.tableName} is ${JSON.stringify(tableName)}; allowed: 3-255 of a-z A-Z 0-9 _ - .`,
      );
    }
    const endpoint = value(env, STORE_ENV.dynamoEndpoint);
    if (endpoint && !/^https?:\/\/\S+$/.test(endpoint)) {
      throw new StoreConfigError(
        STORE_ENV.dynamoEndpoint,
        `${STORE_ENV.dynamoEndpoint} is ${JSON.stringify(endpoint)}; allowed: an http(s):// URL (DynamoDB Local)`,
      );
    }
    const ttlAttribute = value(env, STORE_ENV.ttlAttribute) ?? TTL_ATTRIBUTE;
    try {
      checkTtlAttribute(ttlAttribute, STORE_ENV.ttlAttribute);
    } catch (e) {
      throw new StoreConfigError(STORE_ENV.ttlAttribute, (e as Error).message);
    }
    // The table's region: AWS_REGION of this environment (a Lambda's own; the operator CLI sets the stack's);
    // DynamoDB Local takes any, so it gets one when none is set.
    const region = value(env, "AWS_REGION") ?? (endpoint ? "us-east-1" : undefined);
    return new DynamoDbStore({
      tableName,
      ttlAttribute,
      requestTimeoutMs: timeoutMs,
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
      // DynamoDB Local accepts any credentials; give dummy ones when none are configured.
      ...(endpoint && !env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: "local", secretAccessKey: "local" } } : {}),
    });
  }
  const config = await redisConfigFromEnv(
    env,
    timeoutMs,
    options.readSecret ?? secretsManagerReader(Math.max(timeoutMs, 3000), options.secretsManager),
  );
  if (options.redisTlsCa) config.tlsCa = options.redisTlsCa;
  return new RedisStore(config);
}
