// Latency percentiles of a group of executions. A run keeps a bounded, seeded sample per group: exact
// percentiles up to LATENCY_SAMPLE_SIZE executions, a uniform sample beyond (count, mean and max stay exact).

import { mulberry32, Rng } from "../rng";

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Executions per group whose latencies are all kept (80 KB); beyond, a uniform sample of this many. */
export const LATENCY_SAMPLE_SIZE = 10_000;

const round1 = (n: number) => Math.round(n * 10) / 10;

export function percentiles(values: number[]): Percentiles {
  if (values.length === 0) return { count: 0, p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  return {
    count: v.length,
    p50: round1(at(0.5)),
    p90: round1(at(0.9)),
    p99: round1(at(0.99)),
    max: round1(v[v.length - 1]),
    mean: round1(v.reduce((a, b) => a + b, 0) / v.length),
  };
}

/** Latencies as they come: every one up to `size`, then a reservoir sample (algorithm R, seeded: the same run, the same sample). */
export class LatencySample {
  private count = 0;
  private sum = 0;
  private max = 0;
  private readonly kept: number[] = [];
  private readonly rng: Rng = mulberry32(0x1a7e);

  constructor(private readonly size: number = LATENCY_SAMPLE_SIZE) {}

  add(ms: number): void {
    this.count += 1;
    this.sum += ms;
    this.max = Math.max(this.max, ms);
    if (this.kept.length < this.size) this.kept.push(ms);
    else {
      const j = Math.floor(this.rng() * this.count);
      if (j < this.size) this.kept[j] = ms;
    }
  }

  percentiles(): Percentiles {
    const p = percentiles(this.kept);
    if (this.count <= this.size) return p;
    return { ...p, count: this.count, max: round1(this.max), mean: round1(this.sum / this.count) };
  }
}
