// The scale table of the bench (BENCHMARKS.md "## Scale"): the program under Pulumi mocks with N = 1, 10 and 100
// copies of the dev stack's breaker, counting the resources and IAM roles each breaker adds and timing the
// synthesis. Run by `npm run bench` (bench/main.ts spawns it: the bench never loads Pulumi itself) or alone:
//   node -r ts-node/register/transpile-only scripts/scale-table.ts [--json]

import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_ENTRY, runProgramUnderMocks, stackFileConfig } from "./run-under-mocks";

export const SCALE_SIZES = [1, 10, 100] as const;
const ROLE = "aws:iam/role:Role";

export interface ScaleRow {
  breakers: number;
  resources: number;
  awsResources: number;
  roles: number;
  seconds: number;
}

/** The dev stack's breakers, with the first one copied to `n` (names demo, demo-2, ...). */
function breakersConfig(n: number): unknown[] {
  const { config } = stackFileConfig(DEFAULT_ENTRY, "dev", "circuit-breaker");
  const first = (JSON.parse(config["circuit-breaker:breakers"]) as Record<string, unknown>[])[0];
  return Array.from({ length: n }, (_, i) => ({ ...first, name: i === 0 ? first.name : `${first.name}-${i + 1}` }));
}

export async function scaleRows(sizes: readonly number[] = SCALE_SIZES): Promise<ScaleRow[]> {
  const rows: ScaleRow[] = [];
  for (const n of sizes) {
    const started = process.hrtime.bigint();
    const r = await runProgramUnderMocks({ stack: "dev", config: { breakers: breakersConfig(n) }, timeoutMs: 600_000 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (r.error) throw new Error(`N=${n}: the program failed under mocks: ${r.error}`);
    rows.push({
      breakers: n,
      resources: r.resources.length,
      awsResources: r.resources.filter((x) => x.custom).length,
      roles: r.resources.filter((x) => x.type === ROLE).length,
      seconds,
    });
  }
  return rows;
}

/** The table as Markdown: totals per N, and what each breaker adds (the increment from the previous N). */
export function scaleMarkdown(rows: readonly ScaleRow[]): string {
  const lines = [
    "| breakers | resources (all) | AWS resources | IAM roles | resources added per breaker | AWS resources per breaker | IAM roles per breaker | synthesis under mocks |",
    "|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  rows.forEach((r, i) => {
    const prev = i > 0 ? rows[i - 1] : null;
    const per = (k: "resources" | "awsResources" | "roles") => (prev ? ((r[k] - prev[k]) / (r.breakers - prev.breakers)).toFixed(1) : "–");
    lines.push(
      `| ${r.breakers} | ${r.resources} | ${r.awsResources} | ${r.roles} | ${per("resources")} | ${per("awsResources")} | ${per("roles")} | ${r.seconds.toFixed(1)} s |`,
    );
  });
  return lines.join("\n");
}

if (require.main === module) {
  scaleRows()
    .then((rows) => {
      const out = process.argv.includes("--json") ? JSON.stringify(rows) : scaleMarkdown(rows);
      const file = process.argv[process.argv.indexOf("--out") + 1];
      if (process.argv.includes("--out") && file) fs.writeFileSync(path.resolve(file), out);
      else process.stdout.write(`${out}\n`);
    })
    .catch((e: unknown) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    });
}
