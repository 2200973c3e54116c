// The stack's typed configuration (namespace "circuit-breaker"), validated completely before any resource is
// created, with the one schema core/schema/stack-config.ts (also schema/stack-config.schema.json). Every problem
// names the key, the value and what is allowed, e.g.
//   circuit-breaker:breakers[0].settings.failureThreshold is 0; allowed: an integer from 1 to 10000
// All problems are reported at once (ConfigError.problems), one per line.

import { formatIssue } from "../core/schema/format";
import { PROJECT_OR_STACK_DOC, PROJECT_OR_STACK_PATTERN } from "../core/schema/names";
import {
  BREAKERS_DOC,
  CONFIG_KEYS,
  CONFIG_NAMESPACE,
  ConfigKey,
  STRUCTURED_KEYS,
  stackConfigSchema,
  StackConfig,
} from "../core/schema/stack-config";

export { CONFIG_KEYS, CONFIG_NAMESPACE };
export type { BreakerConfig, ConfigKey, DynamoDbConfig, ElastiCacheConfig, StackConfig } from "../core/schema/stack-config";

/** The stack configuration is invalid; `problems` holds one message per problem. */
export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid stack configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadConfigOptions {
  /** Whether a full key was set as a secret (`pulumi config set --secret`). Unknown -> not checked. */
  isSecret?: (fullKey: string) => boolean;
  /** The Pulumi project and stack names: they take part in physical names (core/schema/names.ts), so they are bounded. */
  project?: string;
  stack?: string;
}

/** `circuit-breaker:key[0].x`: the namespace joins the first key with ":". */
function configPath(where: string, path: readonly PropertyKey[]): string {
  const [first, ...rest] = path;
  if (first === undefined) return where;
  let out = `${where}:${String(first)}`;
  for (const seg of rest) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (typeof seg === "string" && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += `.${seg}`;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out;
}

/**
 * A config value as the program gets it: JSON for objects and lists (as the Pulumi engine passes them);
 * a scalar written as a YAML number or boolean arrives as its text and is read back as one.
 */
function parseValue(key: ConfigKey, text: string, problems: string[]): unknown {
  if (STRUCTURED_KEYS.includes(key)) {
    try {
      return JSON.parse(text);
    } catch {
      problems.push(
        `${CONFIG_NAMESPACE}:${key} is ${JSON.stringify(text)}; allowed: a YAML object or list in the stack file (passed to the program as JSON)`,
      );
      return undefined;
    }
  }
  if (key === "redisAuthToken") return text;
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false)$/.test(text.trim())) return JSON.parse(text.trim());
  return text;
}

/**
 * Reads and validates the stack configuration from the full config map (`<namespace>:<key>` -> string,
 * as `pulumi.runtime.allConfig()` returns it). Keys of other namespaces (aws:region, ...) are ignored.
 * Throws ConfigError listing every problem.
 */
export function loadStackConfig(all: Record<string, string>, options: LoadConfigOptions = {}): StackConfig {
  const ns = `${CONFIG_NAMESPACE}:`;
  const problems: string[] = [];
  for (const [what, name] of [
    ["project", options.project],
    ["stack", options.stack],
  ] as const) {
    if (name !== undefined && !PROJECT_OR_STACK_PATTERN.test(name))
      problems.push(`the Pulumi ${what} name is ${JSON.stringify(name)} (${name.length} characters); allowed: ${PROJECT_OR_STACK_DOC}`);
  }
  const values: Record<string, unknown> = {};
  for (const [k, text] of Object.entries(all)) {
    if (!k.startsWith(ns)) continue;
    const key = k.slice(ns.length);
    values[key] = CONFIG_KEYS.includes(key as ConfigKey) ? parseValue(key as ConfigKey, text, problems) : text;
  }
  for (const k of Object.keys(values)) if (values[k] === undefined) delete values[k];
  if (!("breakers" in values)) {
    // Reported in the house words ("is not set"), before zod's own.
    problems.push(`${ns}breakers is not set; allowed: ${BREAKERS_DOC}`);
    values.breakers = [];
  }
  const schema = stackConfigSchema({
    ownRegion: all["aws:region"],
    ...(options.isSecret ? { isSecret: (k: ConfigKey) => options.isSecret!(`${ns}${k}`) } : {}),
  });
  const r = schema.safeParse(values, { reportInput: true });
  if (!r.success) {
    const missingBreakers = problems.some((p) => p.startsWith(`${ns}breakers is not set`));
    for (const issue of r.error.issues) {
      if (missingBreakers && issue.path.length === 1 && issue.path[0] === "breakers") continue;
      problems.push(formatIssue(CONFIG_NAMESPACE, issue, values, configPath, "not set").message);
    }
  }
  if (problems.length > 0 || !r.success) throw new ConfigError(problems);
  return r.data;
}
