// The bench's scale table: scripts/scale-table.ts synthesizes the program under Pulumi mocks with N = 1, 10 and 100
// breakers. It runs in a child process because the bench never loads Pulumi itself (eslint's layer boundaries).
// The result is BENCHMARKS.md's "## Scale" section, which `npm run bench` (and `npm run bench -- --scale-only`)
// rewrites in place.

import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(__dirname, "..");
const SCRIPT = join(ROOT, "scripts", "scale-table.ts");
export const SCALE_HEADING = "## Scale";

/** Targets of issue 12 for the table (benchmarks, not tests): resources per breaker count its component too. */
export const SCALE_TARGETS = { resourcesPerBreaker: 15, rolesPerBreaker: 2, secondsFor100: 30 } as const;

/** One row of the table: what the program under mocks registered with `breakers` breakers, and how long it took. */
export interface ScaleRow {
  breakers: number;
  resources: number;
  awsResources: number;
  roles: number;
  seconds: number;
}

type Counted = "resources" | "awsResources" | "roles";

/** What each breaker adds from one row to the next (the increment over the previous N). */
function perBreaker(rows: readonly ScaleRow[], i: number, k: Counted): number | null {
  if (i === 0) return null;
  return (rows[i][k] - rows[i - 1][k]) / (rows[i].breakers - rows[i - 1].breakers);
}

/** The table as Markdown: totals per N, and what each breaker adds. */
export function scaleMarkdown(rows: readonly ScaleRow[]): string {
  const lines = [
    "| breakers | resources (all) | AWS resources | IAM roles | resources added per breaker | AWS resources per breaker | IAM roles per breaker | synthesis under mocks |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  rows.forEach((r, i) => {
    const per = (k: Counted) => perBreaker(rows, i, k)?.toFixed(1) ?? "–";
    lines.push(
      `| ${r.breakers} | ${r.resources} | ${r.awsResources} | ${r.roles} | ${per("resources")} | ${per("awsResources")} | ${per("roles")} | ${r.seconds.toFixed(1)} s |`,
    );
  });
  return lines.join("\n");
}

/** PASS/FAIL per scale target, on the largest increment and the 100-breaker synthesis. */
export function scaleChecks(rows: readonly ScaleRow[]): { pass: boolean; target: string; measured: string }[] {
  const worst = (k: Counted) => Math.max(...rows.map((_, i) => perBreaker(rows, i, k) ?? -Infinity));
  const hundred = rows.find((r) => r.breakers === 100);
  const resources = worst("resources");
  const roles = worst("roles");
  return [
    {
      pass: resources <= SCALE_TARGETS.resourcesPerBreaker,
      target: `resources added per breaker (the CircuitBreaker component included) at most ${SCALE_TARGETS.resourcesPerBreaker}`,
      measured: `${resources.toFixed(1)} (${worst("awsResources").toFixed(1)} AWS resources)`,
    },
    {
      pass: roles <= SCALE_TARGETS.rolesPerBreaker,
      target: `IAM roles added per breaker at most ${SCALE_TARGETS.rolesPerBreaker}`,
      measured: roles.toFixed(1),
    },
    {
      pass: hundred !== undefined && hundred.seconds < SCALE_TARGETS.secondsFor100,
      target: `100 breakers synthesized under mocks in under ${SCALE_TARGETS.secondsFor100} s`,
      measured: hundred ? `${hundred.seconds.toFixed(1)} s` : "not measured",
    },
  ];
}

/** Runs the scale table; returns its Markdown section. Throws with the child's output when it fails. */
export function scaleSection(): string {
  const load = `${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ")} at the start`;
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", SCRIPT, "--json"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 1_800_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  if (r.status !== 0) throw new Error(`scripts/scale-table.ts failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  const rows = JSON.parse(r.stdout) as ScaleRow[];
  return [
    SCALE_HEADING,
    "",
    "The program under Pulumi mocks (`scripts/scale-table.ts`) with N copies of the dev stack's breaker (DynamoDB store, demo",
    "target, health probe, settings parameter). One handler plane, one health-probe schedule group and role and one demo",
    "downstream serve them all; each breaker adds its state machine, its role and policy, its log group, its alarms, its",
    'schedule, its settings parameter and the CircuitBreaker component itself. "AWS resources" leaves out component resources.',
    `Synthesis time is one child process per N (Node start, ts-node, the handler bundles), on this machine under its load at the time (${load}).`,
    "",
    scaleMarkdown(rows),
    "",
    "| | target | measured |",
    "|---|---|---|",
    ...scaleChecks(rows).map((c) => `| ${c.pass ? "**PASS**" : "**FAIL**"} | ${c.target} | ${c.measured} |`),
    "",
  ].join("\n");
}

/** BENCHMARKS.md with its "## Scale" section replaced (or appended). */
export function withScaleSection(text: string, section: string): string {
  const at = text.indexOf(`\n${SCALE_HEADING}\n`);
  if (at < 0) return `${text.trimEnd()}\n\n${section}`;
  const next = text.indexOf("\n## ", at + 1);
  return `${text.slice(0, at + 1)}${section}${next < 0 ? "" : `\n${text.slice(next + 1)}`}`;
}

export function writeScaleSection(file: string, section: string): void {
  writeFileSync(file, withScaleSection(existsSync(file) ? readFileSync(file, "utf8") : "", section));
}
