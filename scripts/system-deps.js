// System programs the tests and the local runtime need that npm cannot provide.
// As root: installs them with apt-get. Otherwise: stops at once with the exact command to run.
"use strict";
const { spawnSync } = require("node:child_process");

const PROGRAMS = {
  java: { pkg: "openjdk-17-jre-headless", check: javaOk, why: "DynamoDB Local (Java 17+)" },
  "redis-server": { pkg: "redis-server", check: () => has("redis-server", ["--version"]), why: "the Redis state store" },
  chromium: { pkg: "chromium", check: () => has("chromium", ["--version"]), why: "the report page test (headless browser)" },
  openssl: { pkg: "openssl", check: () => has("openssl", ["version"]), why: "the Redis TLS test (a throwaway CA and server certificate)" },
};

function has(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0;
}

function javaOk() {
  const r = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (r.status !== 0) return false;
  const m = /version "(\d+)/.exec(`${r.stderr}${r.stdout}`);
  return m !== null && Number(m[1]) >= 17;
}

/** Ensures the named programs exist; installs the missing ones as root, else exits with the command. */
function ensure(names) {
  const missing = names.filter((n) => !PROGRAMS[n].check());
  if (missing.length === 0) return;
  const pkgs = missing.map((n) => PROGRAMS[n].pkg);
  const cmd = `apt-get update && apt-get install -y ${pkgs.join(" ")}`;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot) {
    for (const n of missing) console.error(`missing: ${n} (for ${PROGRAMS[n].why})`);
    console.error(`install it with:\n  sudo ${cmd}`);
    process.exit(1);
  }
  console.error(`installing ${pkgs.join(", ")} with apt-get (for ${missing.map((n) => PROGRAMS[n].why).join("; ")})`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const step of [["apt-get", ["update", "-qq"]], ["apt-get", ["install", "-y", "-qq", ...pkgs]]]) {
    const r = spawnSync(step[0], step[1], { stdio: ["ignore", "ignore", "inherit"], env });
    if (r.status !== 0) {
      console.error(`'${step[0]} ${step[1].join(" ")}' failed (exit ${r.status}); run: ${cmd}`);
      process.exit(1);
    }
  }
  const still = missing.filter((n) => !PROGRAMS[n].check());
  if (still.length) {
    console.error(`still missing after apt-get: ${still.join(", ")}`);
    process.exit(1);
  }
}

module.exports = { ensure, PROGRAMS };

if (require.main === module) ensure(process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PROGRAMS));
