// `npm test`: system programs, then the type check, then lint, then every mocha test (which prints "N passed, N failed").
"use strict";
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { ensure } = require("./system-deps");

const root = path.resolve(__dirname, "..");
ensure(["java", "redis-server", "chromium", "openssl"], 1, { needs: "npm test" });

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root, env: { ...process.env, DDB_LOCAL_TELEMETRY: "0" } });
  return r.status ?? 1;
}

const bin = (name) => path.join(root, "node_modules", ".bin", name);
console.log("type check: tsc --noEmit");
const tsc = run(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"]);
if (tsc !== 0) {
  console.log("\n0 passed, 1 failed");
  process.exit(tsc);
}
// The same two checks as `npm run lint`.
for (const [name, args] of [
  ["eslint", ["."]],
  ["prettier", ["--check", "."]],
]) {
  console.log(`lint: ${name} ${args.join(" ")}`);
  const lint = run(bin(name), args);
  if (lint !== 0) {
    console.log("\n0 passed, 1 failed");
    process.exit(lint);
  }
}
// Every test file unless files are named (`npm test -- tests/x.test.ts`); .mocharc.json names none, so
// `npx mocha tests/x.test.ts` runs just that file.
const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("-"));
process.exit(run(bin("mocha"), files.length ? args : [...args, "tests/**/*.test.ts"]));
