// A wait of `ms` milliseconds (none for 0 or less): the demo target's latency, and the runners' pacing.

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve();
}
