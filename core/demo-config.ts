// The demo downstream's configuration, defined once: the component validates it and writes it to the
// function's environment, and the handler (functions/handlers/demo-downstream.ts) reads it back.

export interface DemoConfig {
  failureRate: number;
  latencyMs: number;
  errorName: string;
}

export const DEFAULT_DEMO_CONFIG: Readonly<DemoConfig> = { failureRate: 0, latencyMs: 0, errorName: "ServiceUnavailable" };
