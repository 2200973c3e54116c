// `--speed N`: design time runs N times faster. This is the one place that turns design time into
// real time: breaker settings (retry intervals, timeouts, open durations, leases, windows), phase
// lengths, target latency and the traffic rate all go through it, so a scenario keeps its shape.

import { BreakerSettings } from "../core/settings";

/** Settings whose values are durations. idleTtlSeconds is not among them: it only cleans up idle records. */
export const TIME_SETTINGS = [
  "windowSeconds",
  "slowCallDurationMs",
  "openDurationSeconds",
  "maxOpenDurationSeconds",
  "probeLeaseSeconds",
  "timeoutSeconds",
  "retryIntervalSeconds",
  "retryMaxDelaySeconds",
] as const satisfies readonly (keyof BreakerSettings)[];

/**
 * The settings the runtime deploys locally: every duration divided by `speed`. The result may hold
 * fractions of a second (the local executor honours them); it is never written back to a stack config.
 */
export function scaleSettings(s: BreakerSettings, speed: number): BreakerSettings {
  const out: BreakerSettings = { ...s, ignoredErrors: [...s.ignoredErrors] };
  for (const k of TIME_SETTINGS) out[k] = s[k] / speed;
  return out;
}

export class Timebase {
  /** Real epoch ms at design time 0. */
  constructor(
    public readonly speed: number,
    public readonly startMs: number,
  ) {}

  /** Design seconds elapsed at real epoch ms `t`. */
  designSeconds(t: number): number {
    return ((t - this.startMs) * this.speed) / 1000;
  }

  /** Real epoch ms at design second `s`. */
  realAt(s: number): number {
    return this.startMs + (s * 1000) / this.speed;
  }

  /** Real ms for a design duration in ms. */
  realMs(designMs: number): number {
    return designMs / this.speed;
  }

  /** Design ms for a real duration in ms. */
  designMs(realMs: number): number {
    return realMs * this.speed;
  }
}
