// The scale table of the bench (BENCHMARKS.md "## Scale"): the program under Pulumi mocks with N = 1, 10 and 100
// copies of the dev stack's breaker, counting the resources and IAM roles each breaker adds and timing the
// synthesis. Run by `npm run bench` (bench/main.ts spawns it: the bench never loads Pulumi itself) or alone:
//   node -r ts-node/register/transpile-only scripts/scale-table.ts [--json]

import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_ENTRY, runProgramUnderMocks, stackFileConfig } from "../tests/support/run-under-mocks";
import { ScaleRow, scaleMarkdown } from "../bench/scale";

export const SCALE_SIZES = [1, 10, 100] as const;
const ROLE = "aws:iam/role:Role";

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
