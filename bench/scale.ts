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

/** Targets of issue 12 for the table (benchmarks, not tests). */
export const SCALE_TARGETS = { awsResourcesPerBreaker: 15, rolesPerBreaker: 2, secondsFor100: 30 } as const;

/** Runs the scale table; returns its Markdown section. Throws with the child's output when it fails. */
export function scaleSection(): string {
  const load = `${cpus().length} CPUs, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" / ")} at the start`;
  const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", SCRIPT], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 1_800_000,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  if (r.status !== 0) throw new Error(`scripts/scale-table.ts failed (${r.status ?? r.signal}): ${r.stderr || r.stdout}`);
  return [
    SCALE_HEADING,
    "",
    "The program under Pulumi mocks (`scripts/scale-table.ts`) with N copies of the dev stack's breaker (DynamoDB store, demo",
    "target, health probe, settings parameter). One handler plane and one demo downstream serve them all; each breaker adds",
    "its state machine, its role and policy, its log group, its alarms, its schedule with its role and policy, its settings",
    'parameter and the CircuitBreaker component itself. "AWS resources" leaves out component resources (no AWS quota counts them).',
    `Targets: at most ${SCALE_TARGETS.awsResourcesPerBreaker} resources and ${SCALE_TARGETS.rolesPerBreaker} IAM roles added per breaker; 100 breakers synthesized in under ${SCALE_TARGETS.secondsFor100} s.`,
    `Synthesis time is one child process per N (Node start, ts-node, the handler bundles), on this machine under its load at the time (${load}).`,
    "",
    r.stdout.trim(),
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
