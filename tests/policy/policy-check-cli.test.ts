// `npm run policy:check` as users run it: a child process, judged by its exit code and its output.

import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..", "..");
const WEAKENED = "tests/fixtures/weakened-program.ts";
const LINE = /^(advisory|mandatory) ([a-z0-9-]+) (urn:pulumi:[^ ]+): (.+)$/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const policyCheck = (...args: string[]) =>
  run(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/policy-check.ts", ...args]);
const violationLines = (r: Run) => r.stdout.split("\n").filter((l) => l.trim() !== "");

describe("npm run policy:check", () => {
  it("passes the project's own program (default entry, stack dev): exit 0, no violation lines", async () => {
    const r = await run("npm", ["run", "--silent", "policy:check"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(violationLines(r), []);
    assert.match(r.stderr, /index\.ts \(stack dev\) under mocks; policy config: policy\/config\.dev\.json/);
    assert.match(r.stderr, /\d+ resources, 22 policies: 0 mandatory, 0 advisory violation\(s\)/);
  });

  it("fails the weakened copy: exit 1, one line per violation naming level, policy, URN and message", async () => {
    const r = await policyCheck(WEAKENED, "--stack", "dev");
    assert.equal(r.code, 1, r.stderr);
    const lines = violationLines(r);
    for (const l of lines) assert.match(l, LINE);
    const parsed = lines.map((l) => LINE.exec(l)!);
    assert.deepEqual([...new Set(parsed.filter((m) => m[1] === "mandatory").map((m) => m[2]))].sort(), [
      "breaker-role-invoke-scope",
      "dynamodb-breaker-table-ttl",
      "iam-no-wildcard-actions",
      "iam-wildcard-actions-match-purpose",
      "sfn-breaker-logging",
    ]);
    assert.ok(
      lines.includes(
        'mandatory dynamodb-breaker-table-ttl urn:pulumi:dev::circuit-breaker::circuitbreaker:index:CircuitStateStore$aws:dynamodb/table:Table::state-store-table: TTL is disabled; it must be enabled on attribute "expiresAt".',
      ),
      r.stdout,
    );
  });

  it("--preview: a weak program is caught at a first preview, with the mode named", async () => {
    const r = await policyCheck("tests/policy/corpus/iam-service-wildcard-action.ts", "--stack", "prod", "--preview");
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /\(stack prod, first preview\) under mocks/);
    assert.ok(
      violationLines(r).some((l) =>
        /^mandatory iam-no-wildcard-actions \S+::orders-handler-policy: .*"dynamodb:\*".*not known yet at preview: Resource/.test(l),
      ),
      r.stdout,
    );
  });

  it("exits 0 when the same violations are only advisory (--config)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
    const config = path.join(dir, "advisory.json");
    fs.writeFileSync(config, JSON.stringify({ all: "advisory" }));
    const r = await policyCheck(WEAKENED, "--config", config);
    assert.equal(r.code, 0, r.stderr);
    const lines = violationLines(r);
    assert.ok(lines.length >= 5, r.stdout);
    for (const l of lines) assert.match(l, /^advisory /);
  });

  describe("bad arguments exit 2 with a clear error", () => {
    const cases: [string, string[], RegExp][] = [
      ["a missing program", ["no-such-program.ts"], /program entry .*no-such-program\.ts does not exist/],
      [
        "a directory as the program",
        ["tests/fixtures"],
        /program entry .*tests\/fixtures is a directory; allowed: the program's \.ts or \.js file/,
      ],
      ["an unknown option", ["--stak", "dev"], /unknown option --stak/],
      ["an option without its value", ["--stack"], /--stack needs a value/],
      ["an unreadable policy config", ["--config", "no-such-config.json"], /cannot read policy config .*no-such-config\.json/],
      [
        "a policy config naming a policy the pack lacks",
        ["--config", "tests/fixtures/bad-policy-config.json"],
        /config names policy "iam-no-wildcards", which is not in the pack/,
      ],
      ["a program that throws", ["tests/fixtures/throwing-program.ts"], /the program failed under mocks: this program fails on purpose/],
      [
        "a program calling a provider function no mock answers (and the resource built from it never registered)",
        ["tests/fixtures/unmocked-invoke-program.ts", "--preview"],
        /calls aws:ec2\/getAmi:getAmi, which no mock answers[\s\S]*aws:iam\/rolePolicy:RolePolicy ami-reader-policy was constructed but never registered/,
      ],
    ];
    for (const [what, args, message] of cases) {
      it(what, async () => {
        const r = await policyCheck(...args);
        assert.equal(r.code, 2, r.stderr);
        assert.match(r.stderr, message);
        assert.equal(r.stdout, "");
      });
    }
  });
});

describe("the mock runner's time limit", () => {
  it("stops a program that never finishes and says it hit the time limit", async () => {
    const { runProgramUnderMocks } = await import("../support/run-under-mocks");
    await assert.rejects(
      runProgramUnderMocks({ entry: path.resolve(__dirname, "../fixtures/hanging-program.ts"), timeoutMs: 5000 }),
      /the program did not finish under mocks within 5 s \(the time limit\) and was stopped/,
    );
  });
});
