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
  "earlyProbeSeconds",
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

/**
 * Runs `fn` once Date.now() has reached `epochMs`, never before; returns a cancel function. A plain
 * setTimeout cannot promise that: Node's timers run on libuv's monotonic clock, counted in whole ms from a
 * truncated start, so a timer for Date.now() + d may run when Date.now() still reads a millisecond or so
 * short of it (about 1 timer in 25 here, more under load). Every stamp on the design clock is Date.now()
 * times the speed, so a phase boundary acted on early would be stamped before the boundary. The timer is
 * re-armed until the wall clock has reached the target.
 */
export function runAt(epochMs: number, fn: () => void, reached: () => boolean = () => Date.now() >= epochMs): () => void {
  let timer: NodeJS.Timeout | null = null;
  const arm = () => {
    timer = setTimeout(
      () => {
        timer = null;
        if (reached()) fn();
        else arm();
      },
      Math.max(0, epochMs - Date.now()),
    );
  };
  arm();
  return () => {
    if (timer) clearTimeout(timer);
    timer = null;
  };
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

  /**
   * Runs `fn` once design second `s` has been reached on the wall clock (runAt), so that anything it stamps
   * with designSeconds(Date.now()) is at `s` or later; returns a cancel function.
   */
  runAt(s: number, fn: () => void): () => void {
    return runAt(this.realAt(s), fn, () => this.reached(s));
  }

  /** Whether design second `s` has been reached at real epoch ms `t` (the one test every design-clock wait uses). */
  reached(s: number, t: number = Date.now()): boolean {
    return this.designSeconds(t) >= s;
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
