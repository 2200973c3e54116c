// The corpus of weak programs (tests/policy/corpus/*.ts): each builds a hand-written breaker stack with ONE
// realistic weakness and names, in its header, the policy and resource that must catch it:
//   // expect: <policy> <resource name>        (or "clean" for a control that must pass)
//   // preview: ...                            (also caught at a first preview of a new stack)
// Judged as `npm run policy:check -- <program> --stack prod [--preview]` judges it (same verdict function), with
// every program of a mode run in one child process so @pulumi/aws loads once per batch.

import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { verdict } from "../../scripts/policy-check";
import { PackConfig, readPackConfig } from "../support/policy-engine";
import { DEFAULT_ENTRY, MockRunOptions, MockRunResult, REPO_ROOT, runProgramsUnderMocks } from "../support/run-under-mocks";

const DIR = path.join(__dirname, "corpus");
const CONFIG: Record<string, PackConfig> = {
  dev: readPackConfig(path.join(REPO_ROOT, "policy", "config.dev.json")),
  prod: readPackConfig(path.join(REPO_ROOT, "policy", "config.prod.json")),
};
const PROD_SECRET = { config: { redisAuthToken: "mock-auth-token-for-policy-check" }, secretKeys: ["redisAuthToken"] };

interface Program {
  file: string;
  expect: { policy: string; resource: string } | "clean";
  preview: boolean;
}

function corpus(): Program[] {
  return fs
    .readdirSync(DIR)
    .filter((f) => f.endsWith(".ts") && f !== "support.ts")
    .sort()
    .map((f) => {
      const text = fs.readFileSync(path.join(DIR, f), "utf8");
      const m = /^\/\/ expect: (clean|([a-z0-9-]+) ([A-Za-z0-9-]+))$/m.exec(text);
      if (!m) throw new Error(`${f} has no "// expect:" line`);
      return {
        file: path.join(DIR, f),
        expect: m[1] === "clean" ? "clean" : { policy: m[2], resource: m[3] },
        preview: /^\/\/ preview: /m.test(text),
      };
    });
}

const PROGRAMS = corpus();
const weak = PROGRAMS.filter((p) => p.expect !== "clean");
const clean = PROGRAMS.filter((p) => p.expect === "clean");

/** The project's own program is judged too: dev and prod, in both modes (not batched: index.ts is large). */
const OWN: { name: string; options: MockRunOptions; config: PackConfig }[] = [
  { name: "index.ts dev", options: { entry: DEFAULT_ENTRY, stack: "dev" }, config: CONFIG.dev },
  { name: "index.ts prod", options: { entry: DEFAULT_ENTRY, stack: "prod", ...PROD_SECRET }, config: CONFIG.prod },
];

describe("policy corpus: weak programs are caught, clean ones pass", function () {
  this.timeout(600_000);
  const runs = new Map<string, MockRunResult>();
  const key = (file: string, preview: boolean) => `${preview ? "preview" : "up"} ${file}`;

  before(async () => {
    const plain = [...PROGRAMS.map((p) => ({ entry: p.file, stack: "prod" })), ...OWN.map((o) => o.options)];
    const previews = [
      ...PROGRAMS.filter((p) => p.preview || p.expect === "clean").map((p) => ({ entry: p.file, stack: "prod", preview: true })),
      ...OWN.map((o) => ({ ...o.options, preview: true })),
    ];
    // Two children side by side: one per mode.
    const [a, b] = await Promise.all([runProgramsUnderMocks(plain), runProgramsUnderMocks(previews)]);
    [...plain, ...previews].forEach((o, i) =>
      runs.set(`${key(o.entry!, (o as { preview?: boolean }).preview === true)} ${o.stack}`, [...a, ...b][i]),
    );
  });

  it("holds at least 40 weak programs, each naming a policy of the pack, and clean controls", () => {
    assert.ok(weak.length >= 40, `${weak.length} weak programs`);
    assert.ok(clean.length >= 2);
    const { policies } = require("../../policy/policies") as typeof import("../../policy/policies");
    const names = new Set(policies.map((p) => p.name));
    for (const p of weak) assert.ok(names.has((p.expect as { policy: string }).policy), `${path.basename(p.file)} names an unknown policy`);
  });

  for (const mode of ["up", "preview"] as const) {
    for (const p of PROGRAMS) {
      if (mode === "preview" && !p.preview && p.expect !== "clean") continue;
      const label = `${path.basename(p.file)} under --stack prod${mode === "preview" ? " --preview" : ""}`;
      it(p.expect === "clean" ? `${label} exits 0` : `${label} exits 1 naming ${p.expect.policy} on ${p.expect.resource}`, async () => {
        const run = runs.get(`${key(p.file, mode === "preview")} prod`)!;
        const v = await verdict(run, CONFIG.prod);
        if (p.expect === "clean") {
          assert.equal(v.code, 0, [...v.problems, ...v.lines].join("\n"));
          return;
        }
        assert.equal(v.code, 1, [...v.problems, ...v.lines].join("\n"));
        const { policy, resource } = p.expect;
        const line = new RegExp(`^mandatory ${policy} urn:pulumi:prod::circuit-breaker::\\S*::${resource}: `);
        assert.ok(
          v.lines.some((l) => line.test(l)),
          `no mandatory ${policy} line on ${resource}:\n${v.lines.join("\n")}`,
        );
      });
    }
  }

  for (const own of OWN) {
    for (const preview of [false, true]) {
      it(`${own.name}${preview ? " --preview" : ""} exits 0`, async () => {
        const run = runs.get(`${key(own.options.entry!, preview)} ${own.options.stack}`)!;
        const v = await verdict(run, own.config);
        assert.equal(v.code, 0, [...v.problems, ...v.lines].join("\n"));
      });
    }
  }
});
