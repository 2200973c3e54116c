// The largest scenario the schema allows (10,000 executions per second for one 86,400 s phase): arrivals
// are made as they fall due, so the traffic starts at once with flat memory, and one Ctrl-C stops a run.
// Before, the traffic built all 8.64e8 arrivals up front: nothing printed, gigabytes, Ctrl-C ignored.

import { strict as assert } from "node:assert";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { validateScenario } from "../../local/scenario";
import { Timebase } from "../../local/speed";
import { arrivalAt, arrivalCount, driveTraffic, schedule } from "../../local/traffic";
import { fastScenarioJson, runCli, tempDir, writeJson } from "./support";

function largestJson(store: "dynamodb" | "redis" = "redis"): Record<string, unknown> {
  return {
    ...fastScenarioJson({ store, speed: 1 }),
    name: "largest",
    traffic: { ratePerSecond: 10000, maxConcurrency: 50 },
    phases: [{ name: "day", durationSeconds: 86400, failureRate: 0, latencyMs: 1 }],
  };
}

describe("the largest scenario: arrivals made as they fall due", () => {
  it("the schedule is the same as the one built up front, for a small scenario", () => {
    const s = validateScenario({ ...fastScenarioJson(), traffic: { ratePerSecond: 3, maxConcurrency: 5 } });
    const all = schedule(s);
    assert.equal(all.length, arrivalCount(s));
    assert.equal(arrivalCount(s), 45 * 3);
    assert.deepEqual(all[all.length - 1], arrivalAt(s, 45 * 3 - 1));
    assert.deepEqual(
      all.filter((_, i) => i % 15 === 0).map((a) => a.phase),
      [0, 1, 1, 1, 2, 2, 2, 2, 2],
    );
  });

  it("8.64e8 arrivals: the traffic starts at once, holds flat memory and stops when told", async () => {
    const s = validateScenario(largestJson());
    assert.equal(arrivalCount(s), 864_000_000);
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let started = 0;
    const traffic = driveTraffic(s, new Timebase(s.speed, Date.now()), async () => {
      started += 1;
    });
    await new Promise((r) => setTimeout(r, 500));
    traffic.stop();
    const done = await traffic.done;
    const grownMB = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    assert.ok(started > 0 && done.started === started, `executions started at once (${started})`);
    assert.ok(grownMB < 64, `the heap grew by ${grownMB.toFixed(1)} MB, not by the schedule`);
  });

  it("npm start: prints at once, and one Ctrl-C stops it with a report (exit 130)", async () => {
    const outDir = tempDir("largest-");
    let sent = false;
    const r = await runCli(["--scenario", writeJson(tempDir("scenario-"), "largest.json", largestJson()), "--out", outDir], {
      timeoutMs: 90_000,
      onStderr: (text, child) => {
        if (!sent && /\[\s*[\d.]+\/86400 s /.test(text)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    });
    assert.ok(sent, `a live line appeared:\n${r.stderr}`);
    assert.equal(r.code, 130, r.stderr);
    const report = JSON.parse(readFileSync(join(outDir, "report.json"), "utf8"));
    assert.ok(report.totals.executions > 0, "the report covers the executions started before the interrupt");
    assert.equal(report.scenario.phases[0].durationSeconds, 86400);
    assert.ok(report.durationSeconds < 86400, `the report ends at the interrupt (${report.durationSeconds} s)`);
    assert.ok(existsSync(join(outDir, "report.html")), "report.html is written too");
    assert.match(r.stdout, /interrupted: the report covers the executions started before the interrupt/);
  });
});
