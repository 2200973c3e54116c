// The operator CLI's options (npm run breaker), as a schema: each flag at most once, URLs with a host and a
// valid port, store-specific flags only with their store. Errors read `--flag is <value>; allowed: …`.
import { z } from "zod";

const PORT_OK = (u: URL) => u.port === "" || (Number(u.port) >= 1 && Number(u.port) <= 65535);

function url(protocols: readonly string[], doc: string) {
  return z.string({ error: doc }).refine(
    (text) => {
      try {
        const u = new URL(text);
        return protocols.includes(u.protocol) && u.hostname !== "" && PORT_OK(u);
      } catch {
        return false; // new URL also refuses ports over 65535
      }
    },
    { error: doc },
  );
}

export const REDIS_URL_DOC = "redis://host[:port] or rediss://host[:port] (a host, port 1 to 65535)";
export const ENDPOINT_DOC = "an http:// or https:// URL with a host (port 1 to 65535)";
export const REGION_DOC = "an AWS region such as eu-west-1";
export const MAX_REASON_LENGTH = 2000;

/** The flags' values after tokenizing; keys are the flags without their dashes, as written. */
export const operatorOptionsSchema = z
  .strictObject({
    stack: z.string().regex(/^[A-Za-z0-9_./-]{1,400}$/, { error: "a Pulumi stack name" }).optional(),
    table: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: "a DynamoDB table name: 3 to 255 letters, digits, _ . -" }).optional(),
    "redis-url": url(["redis:", "rediss:"], REDIS_URL_DOC).optional(),
    endpoint: url(["http:", "https:"], ENDPOINT_DOC).optional(),
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, { error: REGION_DOC }).optional(),
    settings: z.string().optional(),
    reason: z.string().max(MAX_REASON_LENGTH, { error: `at most ${MAX_REASON_LENGTH} characters` }).optional(),
    local: z.boolean().optional(),
    create: z.boolean().optional(),
    json: z.boolean().optional(),
  })
  .superRefine((o, ctx) => {
    // Flags that only one store uses are refused with the others, rather than silently ignored.
    if (o["redis-url"] !== undefined) {
      for (const flag of ["endpoint", "region", "table"] as const) {
        if (o[flag] !== undefined) ctx.addIssue({ code: "custom", path: [flag], input: o[flag], message: "nothing with --redis-url (it applies to DynamoDB stores only)" });
      }
    }
  });

export type OperatorOptions = z.output<typeof operatorOptionsSchema>;
export const VALUE_FLAGS = ["stack", "table", "redis-url", "endpoint", "region", "settings", "reason"] as const;
export const BOOL_FLAGS = ["local", "create", "json"] as const;

/** Plain decimal notation only: "0x10", "1e3 " or "" are not numbers on a command line. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A numeric option's text, checked as the number it spells, kept in the error as written. */
export function numberText(min: number, max: number, integer: boolean) {
  const allowed = `${integer ? "an integer" : "a number"} from ${min} to ${max} (decimal)`;
  return z
    .string({ error: allowed })
    .refine((t) => {
      const n = Number(t);
      return DECIMAL.test(t) && Number.isFinite(n) && n >= min && n <= max && (!integer || Number.isInteger(n));
    }, { error: allowed })
    .transform(Number);
}

export const redisUrlSchema = url(["redis:", "rediss:"], REDIS_URL_DOC);

/** `npm start` options (local/cli-args.ts tokenizes; this checks the values). */
export function startOptionsSchema(limits: { speed: { min: number; max: number }; seed: { min: number; max: number } }, storeKinds: readonly [string, ...string[]]) {
  return z.strictObject({
    scenario: z.string().min(1, { error: "a path to a scenario JSON file" }).optional(),
    out: z.string().min(1, { error: "a directory path" }).optional(),
    store: z.enum(storeKinds, { error: storeKinds.join(", ") }).optional(),
    "redis-url": redisUrlSchema.optional(),
    speed: numberText(limits.speed.min, limits.speed.max, false).optional(),
    seed: numberText(limits.seed.min, limits.seed.max, true).optional(),
  });
}
