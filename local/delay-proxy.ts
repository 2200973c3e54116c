// A loopback TCP proxy the local runtime puts between its store clients (the state machine's DynamoDB client,
// the handlers' store) and the store process, for "slow" store phases (local/store-faults.ts). With a delay set,
// every byte a client sends reaches the store that many ms later, in order; the store's answers come back at once.
// So a request takes at least the delay, and the clients' own bounded timeouts (functions/store/*) decide
// what happens: a client that gives up closes its socket, and the proxy drops what it still held for it.

import { createServer, Server, Socket } from "node:net";

export interface DelayProxy {
  /** The loopback port clients connect to. */
  port: number;
  /** Delays the requests that arrive from now on by `ms` real ms (0 = pass through). */
  setDelay(ms: number): void;
  delayMs(): number;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/** Forwards 127.0.0.1:<free port> to 127.0.0.1:`targetPort`. */
export async function startDelayProxy(targetPort: number): Promise<DelayProxy> {
  let delay = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = new Socket();
    sockets.add(client);
    sockets.add(upstream);
    // Chunks are released in arrival order: a later chunk never overtakes an earlier, longer-delayed one.
    let releaseAt = 0;
    let closed = false;
    const timers = new Set<NodeJS.Timeout>();
    const close = () => {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("error", close);
    upstream.on("error", close);
    client.on("close", close);
    upstream.on("close", close);
    upstream.on("data", (d) => client.write(d));
    upstream.connect(targetPort, "127.0.0.1");
    client.on("data", (d) => {
      const now = Date.now();
      releaseAt = Math.max(now + delay, releaseAt);
      const wait = releaseAt - now;
      if (wait <= 0) {
        upstream.write(d);
        return;
      }
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) upstream.write(d);
      }, wait);
      timers.add(t);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    port,
    setDelay(ms) {
      delay = Math.max(0, ms);
    },
    delayMs: () => delay,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        sockets.clear();
        server.close(() => resolve());
      }),
  };
}
