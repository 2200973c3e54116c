// A component's plain arguments parsed with the stack config's own schemas, so a program that uses the
// components directly gets the same rules and words: `<Component>(<name>).<arg> is <value>; allowed: ...`.

import { z } from "zod";
import { formatIssue, formatPath } from "../core/schema/format";

/** The parsed arguments, or an Error listing every problem (keys whose value is undefined count as absent). */
export function parseComponentArgs<S extends z.ZodType>(schema: S, raw: Record<string, unknown>, where: string): z.output<S> {
  const given = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  const r = schema.safeParse(given, { reportInput: true });
  if (r.success) return r.data;
  throw new Error(r.error.issues.map((i) => formatIssue(where, i, given, formatPath, "not set").message).join("\n"));
}
