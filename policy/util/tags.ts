// Tags decide which resources the breaker-specific rules apply to.

import { isUnknownValueError } from "./unknowns";

type Props = Record<string, unknown>;

function asTagMap(v: unknown): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return {};
  const out: Record<string, string> = {};
  for (const k of Object.keys(v)) out[k] = String((v as Props)[k]);
  return out;
}

/**
 * The resource's tags: `tags` (an input; an unknown value there propagates, so the engine reports the policy as
 * not runnable during preview), then `tagsAll` where it is known (it also carries the provider's default tags).
 */
export function tagsOf(props: Props): Record<string, string> {
  const own = asTagMap(props.tags);
  let all: Record<string, string> = {};
  try {
    all = asTagMap(props.tagsAll);
  } catch (e) {
    if (!isUnknownValueError(e)) throw e;
  }
  return { ...all, ...own };
}

export function hasTag(props: Props, key: string, value?: string): boolean {
  const tags = tagsOf(props);
  return key in tags && (value === undefined || tags[key] === value);
}
