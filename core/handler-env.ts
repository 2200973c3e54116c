// The names of the handlers' environment variables, defined once: components/circuit-breaker.ts writes them
// and the handlers read them at cold start. The store's own variables are in ./store-env.ts.

export const HANDLER_ENV = {
  /** The breaker a function serves. */
  breakerName: "BREAKER_NAME",
  /** The deployed settings, as JSON. */
  settings: "BREAKER_SETTINGS",
  /** The SSM parameter holding setting overrides, when one is enabled. */
  settingsParameter: "SETTINGS_PARAMETER",
  /** How often that parameter is re-read, in seconds. */
  settingsRefreshSeconds: "SETTINGS_REFRESH_SECONDS",
  /** health-probe: the protected Lambda's ARN. */
  targetArn: "TARGET_ARN",
  /** health-probe: the request sent to the target, as JSON. */
  probeRequest: "PROBE_REQUEST",
} as const;

/** demo-downstream's configuration (core/demo-config.ts). */
export const DEMO_ENV = {
  failureRate: "FAILURE_RATE",
  latencyMs: "LATENCY_MS",
  errorName: "ERROR_NAME",
} as const;
