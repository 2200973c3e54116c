// A scenario other than the default one is benchmarked on this breaker only (DynamoDB and Redis: the recipe
// baseline and opossum are compared once, on the default scenario) and gets its own section of BENCHMARKS.md,
// "## Scenario `<name>`", which replaces the section of the same name and is kept when the default bench
// rewrites the file. Targets that belong to one scenario (issue 12's) are listed here by scenario name.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { Scenario } from "../local/scenario";
import { checkTargets, DesignResult, fmt, TargetCheck } from "./metrics";

/** Per-scenario targets: target attempts during the failing phases at most this, on each store. */
export const SCENARIO_TARGETS: Record<string, { outageAttemptsMax: number; why: string }> = {
  "sustained-outage": {
    outageAttemptsMax: 20,
    why: "issue 12: retries ask the circuit and every failed attempt counts (74 attempts before breaker-aware retries)",
  },
};

/** The heading of a scenario's section; BENCHMARKS.md keeps every section that starts with it. */
export const SECTION_PREFIX = "## Scenario `";

export function sectionHeading(name: string): string {
  return `${SECTION_PREFIX}${name}\``;
}

/** The general checks (healthy path, ideal + concurrency, closing) and the scenario's own target. */
export function scenarioChecks(scenario: Scenario, results: DesignResult[]): TargetCheck[] {
  const checks = checkTargets(scenario, results);
  const own = SCENARIO_TARGETS[scenario.name];
  if (own) {
    for (const d of results) {
      checks.push({
        target: `${d.name}: target attempts during the outage at most ${own.outageAttemptsMax} (${own.why})`,
        measured: `${d.outageAttempts} attempts`,
        pass: d.outageAttempts <= own.outageAttemptsMax,
      });
    }
  }
  return checks;
}

export interface SectionDoc {
  scenario: Scenario;
  file: string;
  results: DesignResult[];
  checks: TargetCheck[];
  command: string;
  machine: string;
  seconds: number;
  date: Date;
}

export function scenarioSection(doc: SectionDoc): string {
  const { scenario: s } = doc;
  const st = s.breaker.settings;
  const phases = s.phases
    .map((p) => `${p.name} (${p.role}) ${p.durationSeconds} s at ${Math.round(p.failureRate * 100)} % failures, ${p.latencyMs} ms`)
    .join("; ");
  const rows = doc.results.map((d) => {
    const t = d.report.totals;
    const failing = d.report.phases.filter((p) => p.role === "failing");
    const outageCalls = failing.reduce((a, p) => a + p.executions, 0);
    return `| ${d.name} | ${t.executions} | ${outageCalls} | ${d.outageAttempts} | ${fmt(d.timeToOpenSeconds)} | ${fmt(d.timeToCloseSeconds)} | ${t.rejected} | ${t.fallback} | ${t.succeeded} | ${d.failedOther} |`;
  });
  const checks = doc.checks.map((c) => `| ${c.pass ? "**PASS**" : "**FAIL**"} | ${c.target} | ${c.measured} |`);
  return `${sectionHeading(s.name)}

Produced by \`${doc.command}\` (bench/main.ts, this breaker only) on ${doc.date.toISOString().slice(0, 10)} in ${doc.seconds.toFixed(0)} s.
Machine: ${doc.machine}.

${doc.file}, speed ${s.speed}x, seed ${s.seed}: ${s.traffic.ratePerSecond} executions per second, at most ${s.traffic.maxConcurrency} at once; ${phases}.
Breaker settings: trip rule ${st.tripRule}, failureThreshold ${st.failureThreshold}, openDurationSeconds ${st.openDurationSeconds}
(x${st.openDurationMultiplier} per re-open), halfOpenProbes ${st.halfOpenProbes}, retryAttempts ${st.retryAttempts}
(interval ${st.retryIntervalSeconds} s, backoff ${st.retryBackoffRate}, full jitter), timeoutSeconds ${st.timeoutSeconds}.

| design | executions | executions during the outage | target attempts during the outage | time to open (s) | time to close (s) | rejected | fallback (target failed) | succeeded | failed, not by the breaker |
|---|---|---|---|---|---|---|---|---|---|
${rows.join("\n")}

| result | target | measured |
|---|---|---|
${checks.join("\n")}
`;
}

/** Replaces the scenario's section in `file` (or appends it), keeping everything else. */
export function writeSection(file: string, name: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const heading = `\n${sectionHeading(name)}\n`;
  const at = text.indexOf(heading);
  if (at < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${section}`);
    return;
  }
  const next = text.indexOf("\n## ", at + heading.length);
  const rest = next < 0 ? "" : text.slice(next);
  writeFileSync(file, `${text.slice(0, at)}\n${section}${rest}`);
}
