// BENCHMARKS.md from one benchmark run.

import { ASSUMPTIONS, expressDurationUsd, priceTableMarkdown } from "../local/pricing";
import { Scenario } from "../local/scenario";
import { DesignResult, fmt, idealOutageAttempts, TargetCheck } from "./metrics";
import { CONTAINERS, ERROR_THRESHOLD_PERCENTAGE, ROLLING_WINDOW_SECONDS } from "./opossum-run";
import { RECIPE_ADAPTATIONS, RECIPE_DEFECTS_KEPT, RECIPE_FIXES } from "./recipe-definition";

export interface BenchDoc {
  scenario: Scenario;
  results: DesignResult[];
  checks: TargetCheck[];
  command: string;
  machine: string;
  seconds: number;
  date: Date;
}

function usd(v: number | undefined): string {
  return v === undefined ? "–" : `$${v.toFixed(3)}`;
}

function failed(d: DesignResult): string {
  const parts = Object.entries(d.failedByError).map(([k, v]) => `${v} ${k}`);
  return parts.length ? `${d.failedOther} (${parts.join(", ")})` : "0";
}

/** Why the Express ratio lands where it does: the request charge both designs pay sets a floor. */
function expressNote(results: DesignResult[]): string {
  const ours = results.find((d) => d.key === "dynamodb")?.healthyPath.costPerMillion.EXPRESS;
  const theirs = results.find((d) => d.key === "recipe")?.healthyPath.costPerMillion.EXPRESS;
  if (!ours || !theirs) return "";
  const oursFixed = ours.requests + ours.dynamodb + ours.lambda + ours.redis;
  const theirsFixed = theirs.requests + theirs.dynamodb + theirs.lambda + theirs.redis;
  const needed = ours.total / 0.6 - theirsFixed;
  return (
    `On the Express cost target: both designs pay the $${ours.requests.toFixed(2)} per million request charge. Besides it this breaker's healthy path pays ` +
    `$${(oursFixed - ours.requests).toFixed(3)} (one strongly consistent read) and the recipe's $${(theirsFixed - theirs.requests).toFixed(3)} ` +
    `(an eventually consistent read and a write on every success). With the same duration charge d the ratio is ` +
    `(${oursFixed.toFixed(3)} + d) / (${theirsFixed.toFixed(3)} + d), at best ${(oursFixed / theirsFixed).toFixed(3)} (d = 0). ` +
    `It reaches 0.6 only if the recipe's duration charge is at least $${needed.toFixed(3)} per million, about ${Math.max(1, Math.ceil(needed / (expressDurationUsd(ASSUMPTIONS.expressStepMs) * 1e6)))} steps of ${ASSUMPTIONS.expressStepMs} ms, ` +
    `while this breaker's stays at $${ours.duration.toFixed(3)}.`
  );
}

export function benchMarkdown(doc: BenchDoc): string {
  const { scenario: s, results } = doc;
  const st = s.breaker.settings;
  const ideal = idealOutageAttempts(s);
  const phases = s.phases
    .map((p) => `${p.name} (${p.role}) ${p.durationSeconds} s at ${Math.round(p.failureRate * 100)} % failures, ${p.latencyMs} ms`)
    .join("; ");
  const behaviour = results.map((d) => {
    const t = d.report.totals;
    const open =
      d.timeToOpenAllSeconds !== undefined ? `${fmt(d.timeToOpenSeconds)} / ${fmt(d.timeToOpenAllSeconds)}` : fmt(d.timeToOpenSeconds);
    return `| ${d.name} | ${t.executions} | ${d.outageAttempts} | ${fmt(d.outageAttempts / ideal.total)}x | ${open} | ${fmt(d.timeToCloseSeconds)} | ${failed(d)} | ${t.rejected} | ${t.fallback} | ${t.succeeded} |`;
  });
  const work = results.map((d) => {
    const h = d.healthyPath.mean;
    const a = d.all.mean;
    if (d.key === "opossum") return `| ${d.name} | in-process | 0 / 0 | 0 / 0 | 0 / 0 | 0 / 0 | 0 / 0 |`;
    return `| ${d.name} | ${d.healthyPath.executions} | ${fmt(h.stateTransitions)} / ${fmt(a.stateTransitions)} | ${fmt(h.lambdaInvocations)} / ${fmt(a.lambdaInvocations)} | ${fmt(h.readUnits)} / ${fmt(a.readUnits)} | ${fmt(h.writeUnits)} / ${fmt(a.writeUnits)} | ${fmt(h.redisCommands)} / ${fmt(a.redisCommands)} |`;
  });
  const cost = results.map((d) => {
    if (d.workflows.length === 0)
      return `| ${d.name} | – | – | – | no state machine, no store: nothing beyond the caller's own Lambda time |`;
    const hx = d.workflows.includes("EXPRESS") ? d.healthyPath.costPerMillion.EXPRESS.total : undefined;
    const hs = d.workflows.includes("STANDARD") ? d.healthyPath.costPerMillion.STANDARD.total : undefined;
    const ax = d.workflows.includes("EXPRESS") ? d.all.costPerMillion.EXPRESS.total : undefined;
    const b = d.healthyPath.costPerMillion.EXPRESS;
    const parts = `requests ${usd(b.requests)}, duration ${usd(b.duration)} (${fmt(d.healthyPath.mean.durationMs, 0)} ms modelled), Lambda ${usd(b.lambda)}, DynamoDB ${usd(b.dynamodb)}, Redis ${usd(b.redis)}`;
    return `| ${d.name} | ${usd(hx)} | ${usd(hs)} | ${usd(ax)} | ${parts} |`;
  });
  const checks = doc.checks.map((c) => `| ${c.pass ? "**PASS**" : "**FAIL**"} | ${c.target} | ${c.measured} |`);
  const notes = results.filter((d) => d.note).map((d) => `- ${d.name}: ${d.note}.`);
  return `# Benchmarks

Produced by \`${doc.command}\` (bench/main.ts) on ${doc.date.toISOString().slice(0, 10)} in ${doc.seconds.toFixed(0)} s.

Machine: ${doc.machine}.

The numbers come from one run on a shared machine; times are design seconds (real time x speed), so a busy
machine stretches them. The tests assert behaviour, not these timings.

## Scenario

\`${s.name}\` (local/scenarios/default.json unless --scenario was given), speed ${s.speed}x, seed ${s.seed}:
${s.traffic.ratePerSecond} executions per second, at most ${s.traffic.maxConcurrency} at once; ${phases}.
Breaker settings: trip rule ${st.tripRule}, failureThreshold ${st.failureThreshold}, openDurationSeconds ${st.openDurationSeconds}
(x${st.openDurationMultiplier} per re-open), halfOpenProbes ${st.halfOpenProbes}, retryAttempts ${st.retryAttempts}
(interval ${st.retryIntervalSeconds} s, backoff ${st.retryBackoffRate}, full jitter), timeoutSeconds ${st.timeoutSeconds}.

The same seeded target (functions/handlers/demo-downstream.ts) and the same traffic drive every design.
Designs 1 to 3 run on the same generic executor (local/sfn-runtime.ts: Task states served by their Resource)
against the same DynamoDB Local; design 2 against a local redis-server.

## Results

| design | executions | target attempts during the outage | vs ideal (${ideal.total}) | time to open (s) | time to close (s) | failed, not by the breaker | rejected | fallback (target failed) | succeeded |
|---|---|---|---|---|---|---|---|---|---|
${behaviour.join("\n")}

Ideal target attempts during the outage = failureThreshold ${ideal.threshold} x attempts per call ${ideal.attemptsPerCall}
+ calls in flight ${ideal.callsInFlight} + probes ${ideal.probes} = ${ideal.total}; the target allows ideal + traffic.maxConcurrency
${s.traffic.maxConcurrency} = ${ideal.allowed}. Calls in flight = rate x the expected time of a call whose every attempt fails
(latencies plus half of each full-jitter retry cap): the calls any breaker that counts failures after retries must
admit before the threshold's failures are known. Probes = halfOpenProbes x open periods that fit in the outage.
Counting every retry of those in-flight calls and probes too (a breaker whose retries do not ask the circuit)
gives ${ideal.withRetries}; this breaker's retries ask it and every failed attempt counts (docs/semantics.md).

### AWS work per execution (healthy path / all executions)

| design | healthy-path executions | state transitions | Lambda invocations besides the target | DynamoDB read units | DynamoDB write units | Redis commands |
|---|---|---|---|---|---|---|
${work.join("\n")}

Counted from what the executor did: states entered plus retries (what STANDARD bills), Lambda invocations by function
name, capacity units as DynamoDB Local reports them (ReturnConsumedCapacity; a failed conditional write counts 1),
Redis commands sent by any client. Healthy path: this breaker's definition ending in CallTarget (CLOSED, nothing to
report); the recipe's GetItem -> Choice -> target -> RecordSuccess -> ReturnSuccess.

### Modelled cost per million executions (us-east-1)

| design | healthy path, Express | healthy path, Standard | all executions, Express | healthy path breakdown (Express) |
|---|---|---|---|---|
${cost.join("\n")}

Express bills each execution's modelled duration in 64 MB x 100 ms steps; the modelled duration adds the
assumed latencies below for each call the execution made, the target's latency per attempt and the retry waits
actually measured. The target's own Lambda cost is the same for every design and left out.

## Targets

| result | target | measured |
|---|---|---|
${checks.join("\n")}

${expressNote(results)}

## The recipe baseline (bench/recipe-definition.ts)

Re-created from the recipe's description; fixed only where it could not run at all:

${RECIPE_FIXES.map((f, i) => `${i + 1}. ${f}`).join("\n")}

Adapted for the local executor and the shared target (not design changes):

${RECIPE_ADAPTATIONS.map((f) => `- ${f}`).join("\n")}

Left as published (they do not stop it from running; they show up as failed executions or extra target calls):

${RECIPE_DEFECTS_KEPT.map((f) => `- ${f}`).join("\n")}

## opossum (bench/opossum-run.ts)

opossum ${"9.0.0"}, one breaker per simulated Lambda container (${CONTAINERS}); each execution goes to a container chosen by
a seeded hash of its index. Settings: volumeThreshold = failureThreshold, resetTimeout = openDurationSeconds, the same retry policy and
per-attempt timeout inside the protected call; opossum's defaults where the scenario has no equivalent (it has no
consecutive rule): errorThresholdPercentage ${ERROR_THRESHOLD_PERCENTAGE} over a rolling window of ${ROLLING_WINDOW_SECONDS} s.
Each container learns about the outage from its own traffic and probes on its own: that is the cost of
per-container state.

${notes.join("\n")}

## Price table (local/pricing.ts)

${priceTableMarkdown()}
`;
}
