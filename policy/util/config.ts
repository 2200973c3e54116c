// Policy configuration, declared once per policy: the JSON schema (with defaults, so `pulumi policy
// validate-config` and the console show them) and the values the code falls back to when getConfig() is {}
// or leaves a key out, both come from the same `knobs` object.

import { PolicyConfigSchema } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

type KnobValue = string | number | boolean | string[];

export interface Knob<T extends KnobValue> {
  default: T;
  description: string;
  /** Allowed values: for a string knob the value itself, for a string[] knob each item. */
  allowed?: readonly string[];
}

export type Knobs = Record<string, Knob<KnobValue>>;

/** The values a set of knobs gives a policy. */
export type ConfigOf<K extends Knobs> = { [P in keyof K]: K[P] extends Knob<infer D> ? D : never };

export function knob(value: boolean, description: string): Knob<boolean>;
export function knob(value: number, description: string): Knob<number>;
export function knob(value: string, description: string, allowed?: readonly string[]): Knob<string>;
export function knob(value: string[], description: string, allowed?: readonly string[]): Knob<string[]>;
export function knob(value: KnobValue, description: string, allowed?: readonly string[]): Knob<KnobValue> {
  return { default: value, description, allowed };
}

function schemaFor(k: Knob<KnobValue>): PolicyConfigJSONSchema {
  const enumOf = k.allowed ? { enum: [...k.allowed] } : {};
  if (Array.isArray(k.default)) {
    return { type: "array", items: { type: "string", ...enumOf }, default: [...k.default], description: k.description };
  }
  const type = typeof k.default as "string" | "number" | "boolean";
  return { type, ...enumOf, default: k.default, description: k.description };
}

/** The `configSchema` of a policy: every knob with its type, allowed values and default. */
export function configSchema(knobs: Knobs): PolicyConfigSchema {
  const properties: Record<string, PolicyConfigJSONSchema> = {};
  for (const [key, k] of Object.entries(knobs)) properties[key] = schemaFor(k);
  return { properties };
}

/** The defaults alone (for documentation, config files and tests). */
export function defaultsOf<K extends Knobs>(knobs: K): ConfigOf<K> {
  const out: Record<string, unknown> = {};
  for (const [key, k] of Object.entries(knobs)) {
    out[key] = Array.isArray(k.default) ? [...k.default] : k.default;
  }
  return out as ConfigOf<K>;
}

/**
 * The policy's effective config: what getConfig() returned, with each missing, null or wrongly typed key
 * replaced by its default. The CLI applies the schema defaults too, but a pack must also run without them
 * (test harnesses and older CLIs pass {}).
 */
export function readConfig<K extends Knobs>(args: { getConfig<C extends object>(): C }, knobs: K): ConfigOf<K> {
  const given = (args.getConfig<Record<string, unknown>>() ?? {}) as Record<string, unknown>;
  const out = defaultsOf(knobs) as Record<string, unknown>;
  for (const [key, k] of Object.entries(knobs)) {
    const v = given[key];
    if (Array.isArray(k.default) ? Array.isArray(v) && v.every((x) => typeof x === "string") : typeof v === typeof k.default) {
      out[key] = Array.isArray(v) ? [...v] : v;
    }
  }
  return out as ConfigOf<K>;
}
