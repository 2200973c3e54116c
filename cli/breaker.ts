// `npm run breaker -- <command> <breaker> [options]`: status and manual override for the people on call.
// The same BreakerService and StateStore code as the Lambdas; every override is audited (who/what/when).

// Before the AWS SDK loads: its Node 20 support notice (7 lines) would come before every answer and error.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true"; // operator tooling runs on Node 20 by design

import { spawnSync } from "node:child_process";
import * as os from "node:os";
import { BreakerRecord, decide, OVERRIDE_COMMANDS, OverrideCommand, windowCounts } from "../core/breaker";
import { BreakerService } from "../functions/breaker/service";
import { BreakerSettings, DEFAULT_SETTINGS } from "../core/settings";
import { settingsSchema } from "../core/schema/settings";
import { BREAKER_NAME_DOC, BREAKER_NAME_PATTERN } from "../core/schema/names";
import { describeValue, parseWith } from "../core/schema/format";
import { BOOL_FLAGS, operatorOptionsSchema, VALUE_FLAGS } from "../core/schema/cli";
import { METRIC_NAMESPACE, BREAKER_DIMENSION, METRICS } from "../core/metric-names";
import { DynamoDbStore } from "../functions/store/dynamodb-store";
import { RedisStore } from "../functions/store/redis-store";
import { StateStore } from "../core/state-store";
import { storeFromEnv } from "../functions/store/from-env";
import { STORE_ENV } from "../core/store-env";

export const COMMANDS = ["status", ...OVERRIDE_COMMANDS] as const;
export type Command = (typeof COMMANDS)[number];

export const USAGE = `usage: npm run breaker -- <${COMMANDS.join("|")}> <breaker> [--stack <name> | --table <name> | --redis-url <url> | --local] [options]
  --stack <name>      the store, the breaker names and their deployed settings from \`pulumi stack output --json\`
                      of that stack (needs the Pulumi CLI; --region, --endpoint replace the stack's)
  --table <name>      a DynamoDB table (AWS credential chain; --region, --endpoint)
  --redis-url <url>   a Redis/Valkey store (redis:// or rediss://)
  --local             DynamoDB Local at --endpoint (default http://127.0.0.1:8000), table --table (default circuit-breaker-local)
  --settings <json>   the breaker's settings (JSON object); default: the stack's, else the defaults
  --reason <text>     why (kept with the override, up to 200 characters; the audit line has all of it)
  --create            allow an override on a breaker the store has never seen
  --json              machine-readable output
  --help              this text`;

/** A bad argument: one clear line and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export interface CliArgs {
  command: Command;
  breaker: string;
  stack?: string;
  table?: string;
  redisUrl?: string;
  local: boolean;
  endpoint?: string;
  region?: string;
  /** --settings, checked here (the one place an operator's settings enter); else the stack's or the defaults. */
  settings?: BreakerSettings;
  reason: string;
  create: boolean;
  json: boolean;
}

const has = (list: readonly string[], v: string) => list.includes(v);

/** Tokenizes argv (each flag at most once) and validates the options with operatorOptionsSchema. */
export function parseArgs(argv: string[]): CliArgs {
  const positional: string[] = [];
  const flags: Record<string, unknown> = Object.create(null);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const flag = a.startsWith("--") ? a.slice(2) : null;
    if (flag !== null && (has(VALUE_FLAGS, flag) || has(BOOL_FLAGS, flag))) {
      if (Object.prototype.hasOwnProperty.call(flags, flag)) throw new UsageError(`${a} is given twice; allowed: once`);
      if (has(BOOL_FLAGS, flag)) {
        flags[flag] = true;
        continue;
      }
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UsageError(`${a} needs a value`);
      flags[flag] = v;
    } else if (flag !== null) {
      throw new UsageError(
        `unknown option ${a.length > 80 ? describeValue(a) : a}; allowed: ${[...VALUE_FLAGS, ...BOOL_FLAGS].map((f) => `--${f}`).join(", ")}`,
      );
    } else positional.push(a);
  }
  const [command, breaker, ...rest] = positional;
  if (!command) throw new UsageError(`missing command; allowed: ${COMMANDS.join(", ")}`);
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new UsageError(`unknown command '${command}'; allowed: ${COMMANDS.join(", ")}`);
  if (!breaker) throw new UsageError(`missing breaker name after '${command}'`);
  if (!BREAKER_NAME_PATTERN.test(breaker))
    throw new UsageError(`breaker name ${describeValue(breaker)} is invalid; allowed: ${BREAKER_NAME_DOC}`);
  if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
  const o = parseWith(
    operatorOptionsSchema,
    { ...flags },
    "",
    (_path, message) => new UsageError(message),
    (_w, path) => `--${String(path[0])}`,
  );
  const targets = [o.stack, o.table && !o.local ? o.table : undefined, o["redis-url"], o.local ? "local" : undefined].filter(Boolean);
  if (targets.length !== 1) throw new UsageError("name exactly one store: --stack, --table, --redis-url or --local");
  return {
    command: command as Command,
    breaker,
    stack: o.stack,
    table: o.table,
    redisUrl: o["redis-url"],
    local: o.local ?? false,
    endpoint: o.endpoint,
    region: o.region,
    ...(o.settings !== undefined
      ? {
          settings: parseWith(settingsSchema, parseJson(o.settings, "--settings"), "--settings", (_p, message) => new UsageError(message)),
        }
      : {}),
    reason: o.reason ?? "",
    create: o.create ?? false,
    json: o.json ?? false,
  };
}

/** The outputs of index.ts that the CLI reads. */
interface StackOutputs {
  tableName?: string;
  redisEndpoint?: string;
  redisPort?: number;
  redisAuthSecretArn?: string;
  breakers?: Record<string, { settings?: unknown }>;
  region?: string;
}

function stackOutputs(stack: string): StackOutputs {
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8" });
  if (r.error) throw new UsageError("--stack needs the Pulumi CLI on PATH (or pass --table / --redis-url)");
  if (r.status !== 0) throw new UsageError(`pulumi stack output failed for stack '${stack}': ${(r.stderr || "").trim().split("\n")[0]}`);
  try {
    return JSON.parse(r.stdout) as StackOutputs;
  } catch {
    throw new UsageError(`pulumi stack output for stack '${stack}' is not JSON`);
  }
}

export interface Target {
  store: StateStore;
  settings: BreakerSettings;
  where: string;
  /** Talks to AWS (then the caller identity is asked of STS and the override metric is sent to CloudWatch). */
  onAws: boolean;
  knownBreakers?: string[];
}

const LOOPBACK_URL = /^rediss?:\/\/([^@/]*@)?(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?(\/|$)/;

/**
 * A deployed stack's store, opened exactly as its Lambdas open theirs (storeFromEnv, the same environment
 * variables): the table in the stack's region, or the ElastiCache endpoint over TLS with the AUTH credentials
 * read from the stack's Secrets Manager secret. --endpoint replaces the DynamoDB endpoint (a VPC endpoint).
 */
async function openStack(a: CliArgs): Promise<Target> {
  const stack = a.stack!;
  const out = stackOutputs(stack);
  const known = out.breakers ? Object.keys(out.breakers) : undefined;
  if (!known)
    throw new UsageError(`stack '${stack}' has no breakers output; deploy this project's index.ts (or pass --table / --redis-url)`);
  if (!known.includes(a.breaker))
    throw new UsageError(`unknown breaker '${a.breaker}' in stack '${stack}'; known: ${known.join(", ") || "none"}`);
  // The deployed settings were validated at deploy time; a stack older than a setting lacks it (its default applies).
  const deployed = out.breakers?.[a.breaker]?.settings as Partial<BreakerSettings> | undefined;
  const settings = a.settings ?? { ...DEFAULT_SETTINGS, ...deployed };
  const region = a.region ?? out.region;
  const env: Record<string, string | undefined> = { ...process.env, ...(region ? { AWS_REGION: region } : {}) };
  let where: string;
  if (out.tableName) {
    Object.assign(env, { [STORE_ENV.kind]: "dynamodb", [STORE_ENV.tableName]: out.tableName, [STORE_ENV.dynamoEndpoint]: a.endpoint });
    where = `stack ${stack} table ${out.tableName}`;
  } else if (out.redisEndpoint) {
    Object.assign(env, {
      [STORE_ENV.kind]: "redis",
      [STORE_ENV.redisHost]: out.redisEndpoint,
      [STORE_ENV.redisPort]: out.redisPort === undefined ? undefined : String(out.redisPort),
      [STORE_ENV.redisAuthSecretArn]: out.redisAuthSecretArn,
    });
    where = `stack ${stack} redis ${out.redisEndpoint} (reachable only from inside the stack's VPC)`;
  } else {
    throw new UsageError(`stack '${stack}' has no tableName or redisEndpoint output`);
  }
  return { store: await storeFromEnv(env), settings, where, onAws: !a.endpoint, knownBreakers: known };
}

/** Opens the store the arguments name. */
export async function openTarget(a: CliArgs): Promise<Target> {
  if (a.stack) return openStack(a);
  const settings = a.settings ?? { ...DEFAULT_SETTINGS };
  if (a.redisUrl) {
    const where = `redis ${a.redisUrl.replace(/\/\/[^@]*@/, "//***@")}`;
    return { store: new RedisStore({ url: a.redisUrl }), settings, where, onAws: !LOOPBACK_URL.test(a.redisUrl) };
  }
  if (a.local) {
    const endpoint = a.endpoint ?? "http://127.0.0.1:8000";
    const tableName = a.table ?? "circuit-breaker-local";
    const credentials = { accessKeyId: "local", secretAccessKey: "local" };
    return {
      store: new DynamoDbStore({ tableName, endpoint, region: "us-east-1", credentials }),
      settings,
      where: `local ${endpoint} table ${tableName}`,
      onAws: false,
    };
  }
  return {
    store: new DynamoDbStore({ tableName: a.table!, endpoint: a.endpoint, region: a.region }),
    settings,
    where: `table ${a.table}`,
    onAws: !a.endpoint,
  };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** Who is acting: the AWS caller identity where AWS gives one, else user@host. */
async function whoAmI(onAws: boolean): Promise<string> {
  const local = `${os.userInfo().username}@${os.hostname()}`;
  if (!onAws) return local;
  try {
    const { STSClient, GetCallerIdentityCommand } = await import("@aws-sdk/client-sts");
    const id = await new STSClient({}).send(new GetCallerIdentityCommand({}));
    return id.Arn ?? local;
  } catch {
    return local;
  }
}

async function emitOverrideMetric(breaker: string): Promise<void> {
  const { CloudWatchClient, PutMetricDataCommand } = await import("@aws-sdk/client-cloudwatch");
  await new CloudWatchClient({}).send(
    new PutMetricDataCommand({
      Namespace: METRIC_NAMESPACE,
      MetricData: [
        { MetricName: METRICS.overridesApplied, Unit: "Count", Value: 1, Dimensions: [{ Name: BREAKER_DIMENSION, Value: breaker }] },
      ],
    }),
  );
}

export function describeStatus(
  breaker: string,
  rec: BreakerRecord | null,
  settings: BreakerSettings,
  now: number,
): Record<string, unknown> {
  const r = rec;
  const counts =
    settings.tripRule === "consecutive"
      ? { consecutiveFailures: r?.counters.cf ?? 0 }
      : r
        ? windowCounts(r, now, settings)
        : { failures: 0, successes: 0 };
  const d = decide(r, now, settings);
  return {
    breaker,
    state: r?.state ?? "CLOSED",
    route: d.route,
    generation: r?.gen ?? 0,
    tripRule: settings.tripRule,
    counts,
    openUntil: r?.openUntil ? new Date(r.openUntil).toISOString() : null,
    reopens: r?.reopens ?? 0,
    probes: r
      ? { live: Object.values(r.leases).filter((e) => e > now).length, succeeded: r.probeSuccesses, of: settings.halfOpenProbes }
      : null,
    override: r?.override ? { ...r.override, at: new Date(r.override.at).toISOString() } : null,
    lastTransitions: (r?.history ?? []).map((t) => ({ at: new Date(t.at).toISOString(), from: t.from, to: t.to, reason: t.reason })),
    record: r ? "present" : "none (never failed, or removed by TTL after going idle)",
  };
}

function printStatus(s: Record<string, unknown>): string {
  const lines = [
    `${s.breaker}: ${s.state} (generation ${s.generation}, calls ${s.route === "reject" ? "rejected" : s.route === "probe" ? "probing" : "allowed"})`,
  ];
  lines.push(`  rule ${s.tripRule}, counts ${JSON.stringify(s.counts)}`);
  if (s.openUntil) lines.push(`  open until ${s.openUntil} (re-opens ${s.reopens})`);
  if (s.probes && s.state === "HALF_OPEN") lines.push(`  probes ${JSON.stringify(s.probes)}`);
  if (s.override) lines.push(`  override ${JSON.stringify(s.override)}`);
  const ts = s.lastTransitions as { at: string; from: string; to: string; reason: string }[];
  lines.push(ts.length ? "  last transitions:" : "  no transitions recorded");
  for (const t of ts) lines.push(`    ${t.at} ${t.from} -> ${t.to} (${t.reason})`);
  return lines.join("\n");
}

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let target: Target | undefined;
  if (argv.includes("--help") || argv.includes("-h")) {
    out(USAGE);
    return 0;
  }
  try {
    const a = parseArgs(argv);
    target = await openTarget(a);
    const service = new BreakerService(target.store);
    const now = Date.now();
    if (a.command === "status") {
      const s = describeStatus(a.breaker, await service.status(a.breaker), target.settings, now);
      out(a.json ? JSON.stringify(s) : printStatus(s));
      return 0;
    }
    const before = await service.status(a.breaker);
    if (!before && !a.create && !target.knownBreakers) {
      throw new UsageError(
        `breaker '${a.breaker}' has no record in ${target.where}; check the name, or pass --create to set its state anyway`,
      );
    }
    const by = await whoAmI(target.onAws);
    const { state, transition } = await service.override(a.breaker, target.settings, a.command as OverrideCommand, by, a.reason);
    const audit = {
      audit: "breaker-override",
      breaker: a.breaker,
      command: a.command,
      by,
      at: new Date().toISOString(),
      reason: a.reason,
      from: before?.state ?? "CLOSED",
      to: state,
      changed: transition !== null,
      store: target.where,
    };
    console.error(JSON.stringify(audit));
    if (target.onAws)
      await emitOverrideMetric(a.breaker).catch((e) =>
        console.error(`warning: metric ${METRICS.overridesApplied} not sent: ${(e as Error).message}`),
      );
    out(a.json ? JSON.stringify(audit) : `${a.breaker}: ${audit.from} -> ${state}${transition ? "" : " (no change)"} by ${by}`);
    return 0;
  } catch (e) {
    const err = e as Error;
    const line = err.name === "UsageError" || err.name === "SettingsError" ? err.message : `${err.name}: ${err.message}`;
    console.error(`breaker: ${line}`);
    if (err.name === "UsageError") console.error("run `npm run breaker -- --help` for the usage");
    return err.name === "UsageError" || err.name === "SettingsError" ? 2 : 1;
  } finally {
    await target?.store.close().catch(() => undefined);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
