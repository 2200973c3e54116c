// Tags decide which resources the breaker-specific rules apply to. A tag whose value is unknown at preview
// leaves out only itself: reading that one tag throws the engine's unknown-value error, the others stay known.

import { isUnknownValueError } from "./unknowns";

type Props = Record<string, unknown>;

/** The tags of one map; `unknown` collects the keys whose value is not known yet. */
function asTagMap(v: unknown, unknown: Map<string, Error>): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) {
    try {
      out[k] = String((v as Props)[k]);
    } catch (e) {
      if (!isUnknownValueError(e)) throw e;
      unknown.set(k, e);
    }
  }
  return out;
}

function readTags(props: Props): { tags: Record<string, string>; unknown: Map<string, Error> } {
  const unknown = new Map<string, Error>();
  // `tags` is an input: unknown as a whole, it propagates (the engine's preview note).
  const own = asTagMap(props.tags, unknown);
  let all: Record<string, string> = {};
  try {
    all = asTagMap(props.tagsAll, new Map());
  } catch (e) {
    if (!isUnknownValueError(e)) throw e;
  }
  return { tags: { ...all, ...own }, unknown };
}

/** The resource's known tags: `tags`, then `tagsAll` where it is known (it also carries the provider's default tags). */
export function tagsOf(props: Props): Record<string, string> {
  return readTags(props).tags;
}

/** The value of one tag; throws the unknown-value error when that tag's value is not known yet. */
export function tagValue(props: Props, key: string): string | undefined {
  const { tags, unknown } = readTags(props);
  if (key in tags) return tags[key];
  const e = unknown.get(key);
  if (e) throw e;
  return undefined;
}

export function hasTag(props: Props, key: string, value?: string): boolean {
  const v = tagValue(props, key);
  return v !== undefined && (value === undefined || v === value);
}
