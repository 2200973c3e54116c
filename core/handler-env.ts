// The names of the handlers' environment variables, defined once. The shared handlers need none of their own
// (each event carries its breaker's settings); the store's variables are in ./store-env.ts.

/** demo-downstream's configuration (core/demo-config.ts). */
export const DEMO_ENV = {
  failureRate: "FAILURE_RATE",
  latencyMs: "LATENCY_MS",
  errorName: "ERROR_NAME",
} as const;
