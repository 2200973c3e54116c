// Bounded text: what the breaker keeps or passes on from free text (a target's error cause, an operator's
// reason) is cut to a maximum length, never refused, so a long text never costs an outcome or an override.

/**
 * `text` cut to at most `max` characters, ending with a note of how long it was; a surrogate pair is never split.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const note = ` [truncated: ${text.length} characters]`;
  let keep = Math.max(0, max - note.length);
  const code = text.charCodeAt(keep - 1);
  if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return text.slice(0, keep) + note;
}
