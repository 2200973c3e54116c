// Writes the artifacts generated from the zod schemas (core/schema/generate.ts): schema/*.json and the
// settings table in docs/settings.md. `--check` writes nothing and exits 1 when a file differs (drift).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generatedSchemas, withSettingsTable } from "../core/schema/generate";

const ROOT = join(__dirname, "..");
export const SETTINGS_DOC = "docs/settings.md";

/** Relative path -> the contents it must have. */
export function expectedFiles(): Record<string, string> {
  const doc = readFileSync(join(ROOT, SETTINGS_DOC), "utf8");
  return { ...generatedSchemas(), [SETTINGS_DOC]: withSettingsTable(doc) };
}

function main(argv: string[]): number {
  const check = argv.includes("--check");
  const stale: string[] = [];
  for (const [rel, text] of Object.entries(expectedFiles())) {
    const file = join(ROOT, rel);
    const current = existsSync(file) ? readFileSync(file, "utf8") : null;
    if (current === text) continue;
    stale.push(rel);
    if (!check) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    }
  }
  if (check && stale.length > 0) {
    console.error(`out of date with the schemas: ${stale.join(", ")}; run \`npm run schemas\``);
    return 1;
  }
  console.log(stale.length === 0 ? "generated files are up to date" : `wrote ${stale.join(", ")}`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
