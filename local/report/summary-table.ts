// The end-of-run summary printed to the terminal: a table per phase, the transitions, and the key figures.

import { Report } from "./report";

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function failedText(f: Record<string, number>): string {
  const parts = Object.entries(f).map(([k, v]) => `${v} ${k}`);
  return parts.length ? parts.join(", ") : "0";
}

function sec(n: number | null): string {
  return n === null ? "n/a" : `${n.toFixed(1)} s`;
}

export function summaryText(r: Report): string {
  const header = [
    "phase",
    "role",
    "seconds",
    "executions",
    "succeeded",
    "fallback",
    "rejected",
    "failed",
    "target attempts",
    "target failures",
    "store errors",
  ];
  const rows = r.phases.map((p) => [
    p.name,
    p.role,
    `${p.startSeconds}-${p.startSeconds + p.durationSeconds}`,
    String(p.executions),
    String(p.succeeded),
    String(p.fallback),
    String(p.rejected),
    failedText(p.failed),
    String(p.targetAttempts),
    String(p.targetFailures),
    String(p.storeErrors),
  ]);
  const t = r.totals;
  rows.push([
    "total",
    "",
    `0-${r.durationSeconds.toFixed(0)}`,
    String(t.executions),
    String(t.succeeded),
    String(t.fallback),
    String(t.rejected),
    failedText(t.failed),
    String(t.targetAttempts),
    String(t.targetFailures),
    String(t.storeErrors),
  ]);
  const transitions = r.transitions.length
    ? r.transitions.map((x) => `  ${x.at.toFixed(1).padStart(7)} s  ${x.from} -> ${x.to}  (${x.reason})`).join("\n")
    : "  none";
  const faults = r.storeFaults.map((f) => {
    const what =
      f.action === "delay"
        ? f.delayMs
          ? `store requests delayed by ${f.delayMs} ms`
          : "store delay removed"
        : f.action === "kill"
          ? "store process killed (SIGKILL)"
          : `store process restarted (answering after ${f.tookMs} ms${f.warmUpMs === undefined ? "" : `, promptly ${f.warmUpMs} ms later`})`;
    return `  ${f.at.toFixed(1).padStart(7)} s  ${what} [${f.phase}]${f.error ? `: FAILED: ${f.error}` : ""}`;
  });
  const hp = r.awsWork.healthyPath;
  const lat = r.latencyMs.all;
  return [
    `scenario ${r.scenario.name}: store ${r.scenario.store}, speed ${r.scenario.speed}x, seed ${r.scenario.seed}, ${r.realSeconds.toFixed(1)} s real for ${r.durationSeconds.toFixed(1)} s design`,
    "",
    table(header, rows),
    "",
    "succeeded = target answered; fallback = target failed, fallback answered; rejected = breaker did not let the call through;",
    `store errors = store failures the handlers counted, each answered per onStoreError (${r.scenario.settings.onStoreError})`,
    `(${t.fallbackServed} fallback responses served in total)`,
    ...(faults.length ? ["", "store faults (design seconds from start):", ...faults] : []),
    "",
    "transitions (design seconds from start):",
    transitions,
    "",
    `time to open: ${sec(r.timeToOpenSeconds)} after the first failing phase began; time to close: ${sec(r.timeToCloseSeconds)} after recovery began`,
    `latency (design ms): p50 ${lat.p50}, p90 ${lat.p90}, p99 ${lat.p99}, max ${lat.max}`,
    `healthy path per execution (${hp.executions} executions): ${hp.mean.stateTransitions} state transitions, ${hp.mean.lambdaInvocations} Lambda invocations besides the target, ` +
      `${hp.mean.readUnits} read units, ${hp.mean.writeUnits} write units, ${hp.mean.redisCommands} Redis commands; ` +
      `modelled $${hp.costPerMillion.EXPRESS.total.toFixed(3)} per million on Express`,
  ].join("\n");
}
