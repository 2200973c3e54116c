// System programs that npm cannot provide, for `npm test`, `npm start`, `npm run bench` and `npm run soak`.
// As root on Debian (apt-get present): installs the missing ones, naming what and why. Otherwise: stops at
// once with the exact `sudo apt-get …` command. One module, so every entry point installs the same way.
"use strict";
const { spawnSync } = require("node:child_process");

const PROGRAMS = {
  java: {
    pkg: "openjdk-17-jre-headless",
    check: javaProblem,
    why: "DynamoDB Local (Java 17+)",
    elsewhere: "any Java 17+ runtime on the PATH (macOS: brew install openjdk@17)",
  },
  "redis-server": {
    pkg: "redis-server",
    check: () => missingProblem("redis-server", ["--version"]),
    why: "the Redis state store",
    elsewhere: "macOS: brew install redis",
  },
  chromium: { pkg: "chromium", check: () => missingProblem("chromium", ["--version"]), why: "the report page test (headless browser)" },
  openssl: {
    pkg: "openssl",
    check: () => missingProblem("openssl", ["version"]),
    why: "the Redis TLS test (a throwaway CA and server certificate)",
  },
};

/** null when `cmd args` runs; otherwise what is wrong. */
function missingProblem(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return r.status === 0 ? null : `${cmd} was not found on the PATH`;
}

function javaProblem() {
  const r = spawnSync("java", ["-version"], { encoding: "utf8" });
  const m = /version "(\d+)/.exec(`${r.stderr ?? ""}${r.stdout ?? ""}`);
  if (!r.error && r.status === 0 && m && Number(m[1]) >= 17) return null;
  const found = r.error ? "java was not found" : m ? `java ${m[1]} was found` : "java did not report a version";
  return `DynamoDB Local needs Java 17 or newer; ${found}`;
}

/** A program that is missing and cannot be installed from here: the message names it, why, and the command. */
class MissingProgramError extends Error {
  constructor(message) {
    super(message);
    this.name = "MissingProgramError";
  }
}

/** `apt-get update && apt-get install -y <packages>`, each apt-get with sudo when `sudo`. */
function aptCommand(pkgs, sudo) {
  const s = sudo ? "sudo " : "";
  return `${s}apt-get update && ${s}apt-get install -y ${pkgs.join(" ")}`;
}

function isRoot() {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

function hasAptGet() {
  const r = spawnSync("apt-get", ["--version"], { encoding: "utf8" });
  return !r.error && r.status === 0;
}

/**
 * Makes sure the named programs are there. The missing ones are installed with apt-get when this runs as root
 * on a machine with apt-get, after one line naming the packages and what needs them; otherwise, or when the
 * install fails, throws a MissingProgramError naming each missing program, why it is needed and the exact
 * `sudo apt-get …` command. `o.needs` says who needs them ("npm start --store redis"); `o.hint` adds a way around.
 */
function provide(names, o = {}) {
  const log = o.log ?? ((line) => process.stderr.write(line + "\n"));
  const problems = names.map((n) => [n, PROGRAMS[n].check()]).filter(([, p]) => p !== null);
  if (problems.length === 0) return { installed: [] };
  const missing = problems.map(([n]) => n);
  const pkgs = missing.map((n) => PROGRAMS[n].pkg);
  const needs = o.needs ? `, needed by ${o.needs}` : "";
  const describe = () =>
    `${o.needs ?? "this command"} needs ${missing.length > 1 ? "programs that are" : "a program that is"} missing:\n` +
    problems.map(([n, p]) => `  ${n}: ${p} (for ${PROGRAMS[n].why})`).join("\n");
  const refuse = (why) => {
    const elsewhere = missing.filter((n) => PROGRAMS[n].elsewhere).map((n) => `  elsewhere: ${PROGRAMS[n].elsewhere}`);
    return new MissingProgramError(
      `${describe()}\n${why}install ${missing.length > 1 ? "them" : "it"} with:\n  ${aptCommand(pkgs, true)}\n` +
        [...elsewhere, ...(o.hint ? [`  or ${o.hint}`] : [])].join("\n"),
    );
  };
  if (!(o.root ?? isRoot())) throw refuse("");
  if (!hasAptGet()) throw refuse("(running as root, but apt-get was not found to install it)\n");
  log(`installing ${pkgs.join(", ")} with apt-get: ${missing.map((n) => `${n} for ${PROGRAMS[n].why}`).join("; ")}${needs}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [
    ["update", "-qq"],
    ["install", "-y", "-qq", ...pkgs],
  ]) {
    const r = spawnSync("apt-get", args, { stdio: ["ignore", "ignore", "inherit"], env });
    if (r.status !== 0) throw refuse(`('apt-get ${args.join(" ")}' failed: ${r.error ? r.error.message : `exit ${r.status}`})\n`);
  }
  const still = missing.filter((n) => PROGRAMS[n].check() !== null);
  if (still.length) throw refuse(`(still missing after apt-get: ${still.join(", ")})\n`);
  log(`installed ${pkgs.join(", ")}`);
  return { installed: pkgs };
}

/** provide(), for a script: a MissingProgramError is printed and ends the process with `exitCode`. */
function ensure(names, exitCode = 1, o = {}) {
  try {
    return provide(names, o);
  } catch (e) {
    if (!(e instanceof MissingProgramError)) throw e;
    process.stderr.write(`error: ${e.message}\n`);
    process.exit(exitCode);
  }
}

module.exports = { ensure, provide, aptCommand, MissingProgramError, PROGRAMS };

if (require.main === module) ensure(process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PROGRAMS));
