// report.html: one self-contained page (inline SVG and CSS, no scripts from anywhere) drawn from report.json:
// the breaker's state over time under the scenario's phases, target calls vs rejected/fallback per second,
// and the per-phase table. The report's JSON is embedded too, for whoever wants to script against it.

import { Report } from "./report";

const STATE_COLORS: Record<string, string> = {
  CLOSED: "#2e9d5b",
  OPEN: "#d64545",
  HALF_OPEN: "#e8a33d",
  FORCED_OPEN: "#7a1f1f",
  DISABLED: "#8a8f98",
};

const SERIES: {
  key: "targetCalls" | "targetFailures" | "rejected" | "fallback" | "succeeded";
  label: string;
  color: string;
  dash?: string;
}[] = [
  { key: "targetCalls", label: "target calls", color: "#2f6fd6" },
  { key: "targetFailures", label: "target failures", color: "#7d8ca3", dash: "4 3" },
  { key: "succeeded", label: "succeeded", color: "#2e9d5b" },
  { key: "rejected", label: "rejected", color: "#d64545" },
  { key: "fallback", label: "fallback (target failed)", color: "#e8a33d" },
];

const W = 960;
const PAD_L = 56;
const PAD_R = 16;
const PLOT_W = W - PAD_L - PAD_R;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

function n(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

/** Round tick values for an axis from 0 to max. */
function ticks(max: number, count = 5): number[] {
  if (max <= 0) return [0];
  const raw = max / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) out.push(Math.round(v * 1000) / 1000);
  return out;
}

export interface StateSegment {
  from: number;
  to: number;
  state: string;
}

/** The breaker's state as segments over [0, end] design seconds. */
export function stateSegments(r: Report): StateSegment[] {
  const end = Math.max(r.durationSeconds, ...r.transitions.map((t) => t.at), 0.001);
  const out: StateSegment[] = [];
  let state = r.initialState;
  let from = 0;
  for (const t of r.transitions) {
    if (t.at > from) out.push({ from, to: t.at, state });
    state = t.to;
    from = t.at;
  }
  out.push({ from, to: end, state });
  return out;
}

function xAxis(end: number, x: (t: number) => number, y: number, height: number): string {
  return ticks(end, 10)
    .map(
      (t) =>
        `<line x1="${n(x(t))}" x2="${n(x(t))}" y1="${y - height}" y2="${y}" class="grid"/><text x="${n(x(t))}" y="${y + 14}" text-anchor="middle">${t}s</text>`,
    )
    .join("");
}

function stateChart(r: Report, end: number): string {
  const x = (t: number) => PAD_L + (t / end) * PLOT_W;
  const H = 172;
  const phaseY = 18;
  const stateY = 70;
  const phases = r.phases
    .map((p, i) => {
      const x0 = x(p.startSeconds);
      const x1 = x(Math.min(end, p.startSeconds + p.durationSeconds));
      const fill = p.role === "failing" ? "#fbe3e3" : p.role === "recovering" ? "#e3f1fb" : "#eef6ee";
      return (
        `<rect class="phase-band" data-phase="${esc(p.name)}" x="${n(x0)}" y="${phaseY}" width="${n(Math.max(0.5, x1 - x0))}" height="30" fill="${fill}" stroke="#fff">` +
        `<title>${esc(p.name)} (${p.role}): ${p.startSeconds}-${p.startSeconds + p.durationSeconds} s, failure rate ${p.failureRate}${storeFaultText(r, i)}</title></rect>` +
        `<text x="${n((x0 + x1) / 2)}" y="${phaseY + 19}" text-anchor="middle" class="label">${i + 1}. ${esc(p.name)} (${Math.round(p.failureRate * 100)}% fail)</text>`
      );
    })
    .join("");
  const segments = stateSegments(r)
    .map(
      (s) =>
        `<rect class="state-segment" data-state="${esc(s.state)}" x="${n(x(s.from))}" y="${stateY}" width="${n(Math.max(0.5, x(s.to) - x(s.from)))}" height="40" fill="${STATE_COLORS[s.state] ?? "#555"}">` +
        `<title>${esc(s.state)} from ${n(s.from)} s to ${n(s.to)} s</title></rect>`,
    )
    .join("");
  const marks = r.transitions
    .map(
      (t) =>
        `<line class="transition" x1="${n(x(t.at))}" x2="${n(x(t.at))}" y1="${stateY - 4}" y2="${stateY + 44}" stroke="#222" stroke-width="1"><title>${n(t.at)} s: ${esc(t.from)} -> ${esc(t.to)} (${esc(t.reason)})</title></line>`,
    )
    .join("");
  const legend = Object.entries(STATE_COLORS)
    .map(
      ([s, c], i) =>
        `<rect x="${PAD_L + i * 120}" y="${H - 14}" width="12" height="12" fill="${c}"/><text x="${PAD_L + i * 120 + 16}" y="${H - 4}">${s}</text>`,
    )
    .join("");
  return (
    `<svg id="state-timeline" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="breaker state over time">` +
    `<text x="4" y="${phaseY + 19}" class="axis-title">phase</text><text x="4" y="${stateY + 25}" class="axis-title">state</text>` +
    phases +
    segments +
    marks +
    `<g class="axis">${xAxis(end, x, stateY + 58, 0)}</g>` +
    legend +
    `</svg>`
  );
}

function seriesChart(r: Report, end: number): string {
  const s = r.series;
  const H = 300;
  const top = 12;
  const bottom = H - 46;
  const x = (t: number) => PAD_L + (t / end) * PLOT_W;
  // A reduce, not Math.max(...values): a day-long run has 86,400 points per series, past the argument limit.
  const peak = SERIES.reduce((m, d) => s[d.key].reduce((a, v) => Math.max(a, v), m), 1);
  const y = (v: number) => bottom - (v / peak) * (bottom - top);
  const shading = stateSegments(r)
    .filter((g) => g.state !== "CLOSED")
    .map(
      (g) =>
        `<rect class="state-shade" x="${n(x(g.from))}" y="${top}" width="${n(Math.max(0.5, x(g.to) - x(g.from)))}" height="${bottom - top}" fill="${STATE_COLORS[g.state] ?? "#555"}" opacity="0.12"/>`,
    )
    .join("");
  const paths = SERIES.map((d) => {
    const pts = s[d.key].map((v, i) => `${i === 0 ? "M" : "L"}${n(x(i + 0.5))},${n(y(v))}`).join(" ");
    return `<path class="series" data-series="${d.key}" d="${pts}" fill="none" stroke="${d.color}" stroke-width="2"${d.dash ? ` stroke-dasharray="${d.dash}"` : ""}><title>${d.label} per second</title></path>`;
  }).join("");
  const yAxis = ticks(peak, 5)
    .map(
      (v) =>
        `<line x1="${PAD_L}" x2="${W - PAD_R}" y1="${n(y(v))}" y2="${n(y(v))}" class="grid"/><text x="${PAD_L - 6}" y="${n(y(v) + 4)}" text-anchor="end">${v}</text>`,
    )
    .join("");
  const legend = SERIES.map(
    (d, i) =>
      `<line x1="${PAD_L + i * 170}" x2="${PAD_L + i * 170 + 18}" y1="${H - 8}" y2="${H - 8}" stroke="${d.color}" stroke-width="3"${d.dash ? ` stroke-dasharray="${d.dash}"` : ""}/><text x="${PAD_L + i * 170 + 24}" y="${H - 4}">${d.label}</text>`,
  ).join("");
  return (
    `<svg id="per-second" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="target calls, rejected and fallback per second">` +
    shading +
    `<g class="axis">${yAxis}${xAxis(end, x, bottom, 0)}</g>` +
    `<text x="4" y="${top + 8}" class="axis-title">per s</text>` +
    paths +
    legend +
    `</svg>`
  );
}

/** ", store down" / ", store slow (N ms)" for a phase with a store fault. */
function storeFaultText(r: Report, i: number): string {
  const p = r.scenario.phases[i];
  if (!p || !p.storeFault || p.storeFault === "none") return "";
  return p.storeFault === "slow" ? `, store slow (${p.storeDelayMs} ms per request)` : `, store ${p.storeFault}`;
}

function phaseTable(r: Report): string {
  const failed = (f: Record<string, number>) =>
    Object.entries(f)
      .map(([k, v]) => `${v} ${esc(k)}`)
      .join(", ") || "0";
  const row = (cells: (string | number)[], cls = "") =>
    `<tr${cls ? ` class="${cls}"` : ""}>${cells.map((c) => `<td>${typeof c === "number" ? c : c}</td>`).join("")}</tr>`;
  const rows = r.phases.map((p) =>
    row([
      esc(p.name),
      p.role,
      `${p.startSeconds}-${p.startSeconds + p.durationSeconds}`,
      p.executions,
      p.succeeded,
      p.fallback,
      p.rejected,
      failed(p.failed),
      p.targetAttempts,
      p.targetFailures,
      p.storeErrors,
    ]),
  );
  const t = r.totals;
  rows.push(
    row(
      [
        "total",
        "",
        `0-${n(r.durationSeconds)}`,
        t.executions,
        t.succeeded,
        t.fallback,
        t.rejected,
        failed(t.failed),
        t.targetAttempts,
        t.targetFailures,
        t.storeErrors,
      ],
      "total",
    ),
  );
  return (
    `<table id="phases"><thead><tr><th>phase</th><th>role</th><th>seconds</th><th>executions</th><th>succeeded</th><th>fallback</th><th>rejected</th><th>failed</th><th>target attempts</th><th>target failures</th><th>store errors</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

function workTable(r: Report): string {
  const groups = [
    ["healthy path", r.awsWork.healthyPath],
    ["first-attempt successes", r.awsWork.closedSuccess],
    ["all executions", r.awsWork.all],
    ["rejected", r.awsWork.rejected],
    ["fallback", r.awsWork.fallback],
  ] as const;
  const rows = groups
    .filter(([, g]) => g && g.executions > 0)
    .map(([name, g]) => {
      const m = g!.mean;
      return `<tr><td>${name}</td><td>${g!.executions}</td><td>${m.stateTransitions}</td><td>${m.lambdaInvocations}</td><td>${m.readUnits}</td><td>${m.writeUnits}</td><td>${m.redisCommands}</td><td>$${g!.costPerMillion.EXPRESS.total.toFixed(3)}</td></tr>`;
    })
    .join("");
  return `<table id="work"><thead><tr><th>per execution (mean)</th><th>executions</th><th>state transitions</th><th>Lambda invocations besides the target</th><th>read units</th><th>write units</th><th>Redis commands</th><th>modelled cost per million (Express)</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderHtml(r: Report): string {
  const end = Math.max(r.durationSeconds, r.series.seconds, 1);
  const transitions = r.transitions.length
    ? `<ol>${r.transitions.map((t) => `<li>${n(t.at)} s: ${esc(t.from)} &rarr; ${esc(t.to)} <span class="muted">(${esc(t.reason)})</span></li>`).join("")}</ol>`
    : "<p>No transitions.</p>";
  const sec = (v: number | null) => (v === null ? "n/a" : `${n(v)} s`);
  const data = JSON.stringify(r).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>circuit breaker run: ${esc(r.scenario.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1000px;color:#1d2330;padding:0 12px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px}
.muted{color:#6b7280}.figures{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.figure{border:1px solid #e3e6eb;border-radius:6px;padding:8px 12px;min-width:120px}.figure b{display:block;font-size:18px}
svg text{font-size:11px;fill:#3b4252}svg .label{font-size:11px;fill:#1d2330}svg .axis-title{font-size:11px;fill:#6b7280}
svg .grid{stroke:#e8eaee;stroke-width:1}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border-bottom:1px solid #e3e6eb;padding:4px 6px;text-align:right}
th:first-child,td:first-child{text-align:left}tr.total td{font-weight:600}
</style></head>
<body>
<h1>Circuit breaker run: ${esc(r.scenario.name)}</h1>
<p class="muted">${esc(r.scenario.description)}</p>
<p class="muted">breaker <b>${esc(r.scenario.breaker)}</b>, store ${esc(r.scenario.store)}, trip rule ${esc(r.scenario.settings.tripRule)}, speed ${r.scenario.speed}x, seed ${r.scenario.seed}, started ${esc(r.startedAt)}; ${n(r.durationSeconds)} design seconds in ${n(r.realSeconds)} real seconds. Times below are design seconds.</p>
<div class="figures">
<div class="figure">executions<b id="fig-executions">${r.totals.executions}</b></div>
<div class="figure">target attempts<b>${r.totals.targetAttempts}</b></div>
<div class="figure">rejected<b>${r.totals.rejected}</b></div>
<div class="figure">fallback responses<b>${r.totals.fallbackServed}</b></div>
<div class="figure">time to open<b>${sec(r.timeToOpenSeconds)}</b></div>
<div class="figure">time to close<b>${sec(r.timeToCloseSeconds)}</b></div>
</div>
<h2>Breaker state over time</h2>
${stateChart(r, end)}
<h2>Per second: target calls vs rejected and fallback</h2>
${seriesChart(r, end)}
<h2>Phases</h2>
${phaseTable(r)}
<p class="muted">succeeded: the target answered. fallback: the target was called, failed, and the fallback answered. rejected: the breaker did not let the call through. ${r.totals.fallbackServed} fallback responses were served in total.</p>
<h2>Transitions</h2>
${transitions}
<h2>AWS work per execution</h2>
${workTable(r)}
<p class="muted">Counted from what the local executor did (states entered and retried, Lambda invocations, DynamoDB capacity units, Redis commands); cost modelled from the price table in local/pricing.ts.</p>
<script type="application/json" id="report-data">${data}</script>
</body></html>
`;
}
