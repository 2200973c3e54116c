// `npm run screenshot`: regenerates docs/images/report.png, the README's picture of what `npm start` writes.
// Runs the default scenario through `npm start` (or takes a given report.html) and photographs the page in
// Debian's chromium, headless, with the flags this machine's closed network needs.

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { CHROMIUM, launchChromium } from "./chromium";

const ROOT = resolve(__dirname, "..");
const DEFAULT_PNG = join(ROOT, "docs", "images", "report.png");
const USAGE = `usage: npm run screenshot -- [--report <report.html>] [--png <file>]
Runs the default scenario with \`npm start\` (about 30 s), unless --report names a report.html already written,
and saves a picture of the page to --png (default: docs/images/report.png).`;

interface Args {
  report: string | null;
  png: string;
}

function parseArgs(argv: string[]): Args | "help" {
  const out: Args = { report: null, png: DEFAULT_PNG };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--help" || flag === "-h") return "help";
    if (flag !== "--report" && flag !== "--png")
      throw new Error(`unknown option ${JSON.stringify(flag)}; allowed: --report, --png, --help`);
    const value = argv[++i];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--report" && !existsSync(value))
      throw new Error(`--report ${value}: no such file; allowed: a report.html that npm start wrote`);
    if (flag === "--report") out.report = resolve(value);
    else out.png = resolve(value);
  }
  return out;
}

/** Runs `npm start` on the default scenario into a fresh directory and returns its report.html. */
function runDefaultScenario(outDir: string): string {
  const tsNode = require.resolve("ts-node/dist/bin.js");
  const r = spawnSync(process.execPath, [tsNode, "--transpile-only", join(ROOT, "local", "main.ts"), "--out", outDir, "--quiet"], {
    cwd: ROOT,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, DDB_LOCAL_TELEMETRY: "0" },
  });
  if (r.status !== 0) throw new Error(`npm start exited with ${r.status ?? r.signal}; no screenshot taken`);
  return join(outDir, "report.html");
}

async function photograph(html: string, png: string): Promise<void> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found; install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const profile = mkdtempSync(join(tmpdir(), "screenshot-profile-"));
  const browser = await launchChromium(profile, { width: 1100, height: 900 });
  try {
    const page = await browser.newPage();
    await page.goto(pathToFileURL(html).href);
    await page.waitForSelector("#state-timeline");
    mkdirSync(dirname(png), { recursive: true });
    await page.screenshot({ path: png, fullPage: true });
  } finally {
    await browser.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  let args: Args | "help";
  try {
    args = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  const runDir = args.report ? null : mkdtempSync(join(tmpdir(), "screenshot-run-"));
  try {
    const html = args.report ?? runDefaultScenario(runDir!);
    await photograph(html, args.png);
    process.stdout.write(`screenshot: ${args.png}\n`);
    return 0;
  } finally {
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`error: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
