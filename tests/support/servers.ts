// Placeholder registry of processes started by tests; the store helpers register here.
const stoppers: (() => Promise<void>)[] = [];

export function onStop(stop: () => Promise<void>): void {
  stoppers.push(stop);
}

export async function stopAllServers(): Promise<void> {
  while (stoppers.length) {
    const stop = stoppers.pop()!;
    await stop().catch(() => undefined);
  }
}
