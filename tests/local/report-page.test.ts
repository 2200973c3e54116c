// report.html in a real headless browser (Debian's chromium, driven by playwright-core): the charts render
// from a real run's report, the page needs nothing from the network, and nothing logs an error.

import { strict as assert } from "node:assert";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BrowserContext } from "playwright-core";
import { writeReport } from "../../local/run-local";
import { stateSegments } from "../../local/report/report-html";
import { Report } from "../../local/report/report";
import { fastScenario, launchChromium, runOnSharedStore, SvgShape, tempDir } from "./support";

describe("report.html in headless chromium", function () {
  let report: Report;
  let html: string;
  let browser: BrowserContext;

  before(async () => {
    report = (await runOnSharedStore(fastScenario({ speed: 8 }))).report;
    html = writeReport(join(tempDir("page-"), "out"), report).html;
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  it("draws the state timeline and the per-second series, with no console errors and no requests", async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    await page.goto(pathToFileURL(html).href);

    // The state timeline: one rect per state segment, in the states the run went through, spanning the run.
    const segments = await page.$$eval("#state-timeline rect.state-segment", (els) =>
      els.map((e) => ({ state: e.getAttribute("data-state"), width: (e as unknown as SvgShape).getBBox().width })),
    );
    const expected = stateSegments(report);
    assert.deepEqual(
      segments.map((s) => s.state),
      expected.map((s) => s.state),
    );
    assert.ok(
      segments.some((s) => s.state === "OPEN" && s.width > 10),
      "an OPEN segment of visible width",
    );
    assert.equal(await page.$$eval("#state-timeline rect.phase-band", (els) => els.length), report.phases.length, "one band per phase");

    // The per-second chart: a path per series with a point per design second, actually laid out.
    const series = await page.$$eval("#per-second path.series", (els) =>
      els.map((e) => ({
        key: e.getAttribute("data-series"),
        points: (e.getAttribute("d") ?? "").split(/[ML]/).filter(Boolean).length,
        box: (({ width, height }) => ({ width, height }))((e as unknown as SvgShape).getBBox()),
      })),
    );
    assert.deepEqual(series.map((s) => s.key).sort(), ["fallback", "rejected", "succeeded", "targetCalls", "targetFailures"]);
    for (const s of series) {
      assert.equal(s.points, report.series.seconds, `${s.key}: one point per second`);
      assert.ok(s.box.width > 500, `${s.key} spans the chart (${s.box.width}px)`);
    }
    const rejected = series.find((s) => s.key === "rejected")!;
    assert.ok(rejected.box.height > 20, "the rejected series rises while the breaker is open");
    assert.equal(await page.textContent("#fig-executions"), String(report.totals.executions));
    const rows = await page.$$eval("#phases tbody tr", (els) => els.map((e) => (e.querySelector("td")?.textContent ?? "").trim()));
    assert.deepEqual(rows, [...report.phases.map((p) => p.name), "total"]);
    const embedded = JSON.parse((await page.textContent("#report-data")) ?? "null");
    assert.deepEqual(embedded.totals, report.totals, "the page carries the report's data");

    await page.screenshot({ path: "/tmp/circuit-breaker-report.png", fullPage: true });
    assert.deepEqual(errors, [], "no console errors");
    assert.deepEqual(requests, [], "no network requests: the page is self-contained");
    await page.close();
  });
});
