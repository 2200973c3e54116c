// The waste bench's section of BENCHMARKS.md: medians per policy and outage, the targets of issue 16, every run.

import { cpus, loadavg } from "node:os";
import { BreakerSettings } from "../core/settings";
import { HEALTHY_SECONDS, IN_FLIGHT, median, PHASE_SPREAD_SECONDS, policySettings, RATE, WASTE_POLICIES, WasteRun } from "./waste";

export const WASTE_HEADING = "## Waste across outage lengths";

export interface WasteCheck {
  pass: boolean;
  target: string;
  measured: string;
}

const fmt = (n: number | null, d = 0) => (n === null || Number.isNaN(n) ? "n/a" : n.toFixed(d));

function runsOf(runs: WasteRun[], policy: string, outage: number): WasteRun[] {
  return runs.filter((r) => r.policy === policy && r.outage === outage && r.speed === speedOf(runs, outage));
}

/** The speed an outage's main runs used (the first run's; the speed check adds runs at another speed). */
function speedOf(runs: WasteRun[], outage: number): number {
  return runs.find((r) => r.outage === outage)!.speed;
}

/** Median time to CLOSED; a run that never closed counts as infinitely slow. */
export function medianClose(rs: WasteRun[]): number | null {
  const m = median(rs.map((r) => r.timeToClosed ?? Infinity));
  return Number.isFinite(m) ? m : null;
}

export function wasteChecks(runs: WasteRun[], outages: number[], policies: string[], healthy: WasteRun | null = null): WasteCheck[] {
  const checks: WasteCheck[] = [];
  if (healthy) {
    const h = healthy.healthyPathMax;
    checks.push({
      pass: h.executions > 0 && h.stateTransitions <= 4 && h.readUnits <= 1 && h.writeUnits === 0 && h.lambdaInvocations === 0,
      target: "healthy path unchanged with the default policy on DynamoDB: 4 transitions, 1 read unit, 0 writes, 0 Lambdas",
      measured: `max over ${h.executions} executions: ${h.stateTransitions} transitions, ${h.readUnits} read units, ${h.writeUnits} write units, ${h.lambdaInvocations} Lambda invocations`,
    });
  }
  const med = (p: string, o: number) => median(runsOf(runs, p, o).map((r) => r.waste));
  if (policies.includes("default") && outages.includes(60)) {
    const w = med("default", 60);
    checks.push({
      pass: w <= 60,
      target: "total waste on the 60 s outage, default settings, median over the seeds: at most 60",
      measured: fmt(w, 1),
    });
    const c = medianClose(runsOf(runs, "default", 60));
    checks.push({
      pass: c !== null && c <= 10,
      target: "time to CLOSED after healing on the 60 s outage, default settings, median: at most 10 s",
      measured: c === null ? "not closed" : `${fmt(c, 1)} s`,
    });
  }
  if (policies.includes("default")) {
    for (const o of outages) {
      for (const other of ["resilience4j", "polly", "pg"].filter((k) => policies.includes(k))) {
        const ours = med("default", o);
        const theirs = med(other, o);
        const name = WASTE_POLICIES.find((p) => p.key === other)!.name;
        checks.push({
          pass: ours < theirs,
          target: `${o} s outage: the default's median waste is lower than ${name}'s`,
          measured: `${fmt(ours, 1)} vs ${fmt(theirs, 1)}`,
        });
      }
    }
  }
  return checks;
}

function settingsText(s: BreakerSettings): string {
  const open =
    s.openDurationMultiplier === 1 || s.openDurationSeconds === s.maxOpenDurationSeconds
      ? `${s.openDurationSeconds} s fixed`
      : `${s.openDurationSeconds} s x${s.openDurationMultiplier} to ${s.maxOpenDurationSeconds} s`;
  return `open ${open}, ${s.halfOpenProbes} probe(s), early re-probe ${s.earlyProbeSeconds > 0 ? `every ${s.earlyProbeSeconds} s` : "off"}`;
}

export function wasteMarkdown(o: {
  runs: WasteRun[];
  checks: WasteCheck[];
  outages: number[];
  policies: string[];
  seeds: number;
  store: string;
  command: string;
  seconds: number;
  date: Date;
  speedCheck: { at: WasteRun[]; long: WasteRun[] } | null;
  healthy: WasteRun | null;
}): string {
  const L: string[] = [];
  const pol = WASTE_POLICIES.filter((p) => o.policies.includes(p.key));
  L.push(WASTE_HEADING, "");
  L.push(
    `Produced by \`${o.command}\` on ${o.date.toISOString().slice(0, 10)} in ${o.seconds.toFixed(0)} s (bench/waste.ts), store ${o.store}; ` +
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(" / ")} on ${cpus().length} CPUs. A busy machine delays starts and stretches calls, which shows as false trips.`,
    "",
    `Traffic: ${RATE} executions per second, at most ${IN_FLIGHT} in flight; healthy ${HEALTHY_SECONDS} s at 10 % failures, an outage at 100 %, then recovery at 0 % ` +
      `(the run stops 3 s after the circuit is CLOSED again). Each outage runs with ${o.seeds} seeds; seed k adds (k-1)/${o.seeds} x ${PHASE_SPREAD_SECONDS} s to the outage, ` +
      `so that its end falls at a different phase of the breaker's timers, and starts the scheduled health probe (every 60 s: local/health-probe-loop.ts starts the definition's own health-probe branch, as EventBridge Scheduler does deployed) at its own offset. ` +
      `The rest of the settings are the defaults (consecutive rule, failureThreshold 5, retryAttempts 2).`,
    "",
    "- **leaked**: target attempts by user calls during the outage (retries included);",
    "- **false trips**: calls rejected while the target was healthy, before the outage;",
    "- **after healing**: calls rejected after the outage ended;",
    "- **waste** = leaked + false trips + after healing;",
    "- **health probes**: the health probe's target attempts (not user calls; not in the waste);",
    "- **probe runs**: executions of the probe branch: the schedule's, and the loops the tripping executions started;",
    "- **to CLOSED**: design seconds from the end of the outage to CLOSED.",
    "",
    "Policies (open-period settings of this breaker):",
    "",
  );
  for (const p of pol) L.push(`- ${p.name}: ${settingsText(policySettings(p))}; ${p.note}.`);
  L.push("", "### Medians over the seeds", "");
  L.push(
    "| outage | policy | leaked | false trips | after healing | to CLOSED (s) | waste | health probes | probe runs |",
    "|---|---|---|---|---|---|---|---|---|",
  );
  for (const out of o.outages) {
    for (const p of pol) {
      const rs = runsOf(o.runs, p.key, out);
      if (!rs.length) continue;
      const m = (f: (r: WasteRun) => number) => fmt(median(rs.map(f)), 1);
      const c = medianClose(rs);
      const bold = p.key === "default" ? "**" : "";
      L.push(
        `| ${out} s | ${bold}${p.name}${bold} | ${m((r) => r.leaked)} | ${m((r) => r.falseTrips)} | ${m((r) => r.afterHealing)} | ${c === null ? "not closed" : fmt(c, 1)} | ${bold}${m((r) => r.waste)}${bold} | ${m((r) => r.healthProbes)} | ${m((r) => r.probeRuns)} |`,
      );
    }
  }
  L.push("", "### Targets (issue 16)", "", "| result | target | measured |", "|---|---|---|");
  for (const c of o.checks) L.push(`| **${c.pass ? "PASS" : "FAIL"}** | ${c.target} | ${c.measured} |`);
  if (o.healthy) {
    L.push(
      "",
      `The healthy path (CLOSED, one attempt, nothing to report) is measured on DynamoDB Local with the default policy (the 10 s outage, seed 1, ${o.healthy.speed}x; ` +
        `its waste is not in the tables): ${o.healthy.healthyPathMax.executions} executions.`,
    );
  }
  if (o.speedCheck && o.speedCheck.at.length && o.speedCheck.long.length) {
    const a = o.speedCheck.at;
    const b = o.speedCheck.long;
    const row = (rs: WasteRun[]) =>
      `| ${rs[0].speed}x | ${rs.map((r) => r.leaked).join(", ")} | ${rs.map((r) => r.afterHealing).join(", ")} | ${rs.map((r) => fmt(r.timeToClosed, 1)).join(", ")} | ${rs.map((r) => r.waste).join(", ")} | ${rs.map((r) => r.delayedStarts).join(", ")} |`;
    L.push(
      "",
      `### Does the speed distort? The 60 s outage of the default policy at both speeds (every seed)`,
      "",
      "| speed | leaked | after healing | to CLOSED (s) | waste | delayed starts |",
      "|---|---|---|---|---|---|",
      row(a),
      row(b),
      "",
      "Delayed starts are executions that found all 20 slots taken when due (their start is late): at a speed the machine cannot keep up with they grow and the figures drift.",
    );
  }
  L.push(
    "",
    "### Every run",
    "",
    "| outage | policy | seed | +s | health schedule at (s) | speed | leaked | false trips | after healing | to CLOSED (s) | waste | health probes | probe runs | delayed starts | real s |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  );
  for (const r of o.runs) {
    L.push(
      `| ${r.outage} s | ${r.policy} | ${r.seed} | ${fmt(r.spreadSeconds, 2)} | ${fmt(r.scheduleOffsetSeconds, 1)} | ${r.speed}x | ${r.leaked} | ${r.falseTrips} | ${r.afterHealing} | ${fmt(r.timeToClosed, 1)} | ${r.waste} | ${r.healthProbes} | ${r.probeRuns} | ${r.delayedStarts} | ${fmt(r.realSeconds, 0)} |`,
    );
  }
  return L.join("\n") + "\n";
}
