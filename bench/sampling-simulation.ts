// The sampled rate rule's trip probabilities quoted in docs/semantics.md, from the pure module itself (no store):
// `npx ts-node --transpile-only bench/sampling-simulation.ts [runs] [seconds] [--plain]`. Calls arrive every 50 ms (20/s);
// failures follow a fixed pattern (3 or 7 in every 10 calls); a success is counted with probability
// successSampleRate (seeded) and weight 1 / rate, and the rule is evaluated after every failure, as record-outcome does.

import { applyCount, BreakerRecord, planCount, shouldTrip, windowCounts } from "../core/breaker";
import { BreakerSettings, loadSettings } from "../core/settings";
import { mulberry32 } from "../local/rng";

/** The plain weighted ratio, without the sampling error the rule adds (what docs/semantics.md compares against). */
function plainTrip(rec: BreakerRecord, t: number, s: BreakerSettings): boolean {
  const { failures, successes } = windowCounts(rec, t, s);
  return failures + successes >= s.minimumCalls && failures / (failures + successes) >= s.failureRateThreshold;
}

/** Design ms after which the rule (or, `plain`, the plain weighted ratio) first tripped, or null. */
export function simulateRun(s: BreakerSettings, failing: readonly number[], seconds: number, seed: number, plain = false): number | null {
  const rng = mulberry32(seed);
  let rec: BreakerRecord | null = null;
  for (let i = 0; i * 50 < seconds * 1000; i++) {
    const t = i * 50;
    const fails = failing.includes(i % 10);
    if (!fails && rng() >= s.successSampleRate) continue;
    const plan = planCount(rec, fails ? "failure" : "success", t, s, fails ? 1 : 1 / s.successSampleRate);
    if (plan) rec = applyCount(rec, plan, t);
    if (fails && rec && (plain ? plainTrip(rec, t, s) : shouldTrip(rec, t, s))) return t;
  }
  return null;
}

export const THIRTY = [1, 4, 7];
export const SEVENTY = [0, 2, 3, 5, 6, 8, 9];

function main(argv: string[]): void {
  const plain = argv.includes("--plain");
  const numbers = argv.filter((a) => a !== "--plain").map(Number);
  const [runs, seconds] = [numbers[0] ?? 2000, numbers[1] ?? 120];
  const s = loadSettings({ tripRule: "rate", failureRateThreshold: 0.5, windowSeconds: 10, minimumCalls: 20, successSampleRate: 0.1 });
  const tripped30 = Array.from({ length: runs }, (_, k) => simulateRun(s, THIRTY, seconds, k + 1, plain)).filter((t) => t !== null).length;
  const times70 = Array.from({ length: runs }, (_, k) => simulateRun(s, SEVENTY, seconds, k + 1, plain));
  const hit = times70.filter((t): t is number => t !== null);
  const mean = hit.reduce((a, b) => a + b, 0) / Math.max(1, hit.length) / 1000;
  process.stdout.write(
    `${plain ? "the plain weighted ratio" : "the rule"}, successSampleRate 0.1, threshold 0.5, window 10 s, 20 calls/s, ${runs} runs of ${seconds} s:\n` +
      `  30 % failures: tripped in ${tripped30} runs (${((100 * tripped30) / runs).toFixed(2)} %)\n` +
      `  70 % failures: tripped in ${hit.length} runs, after ${mean.toFixed(1)} s on average, at most ${(Math.max(...hit) / 1000).toFixed(1)} s\n`,
  );
}

if (require.main === module) main(process.argv.slice(2));
