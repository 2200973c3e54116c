// `npm run bench -- --waste`: runs the waste bench (bench/waste.ts) and writes its section of BENCHMARKS.md.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { CliError } from "../local/cli-args";
import { DynamoLocal, MissingProgramError, RedisServer, requirePrograms, spawnDynamoLocal, spawnRedis } from "../local/store-processes";
import { parseWasteArgs, runWaste, WASTE_POLICIES, WASTE_USAGE, WasteArgs, WasteRun } from "./waste";
import { WASTE_HEADING, wasteChecks, wasteMarkdown } from "./waste-markdown";

/** Replaces (or adds, before "## Soak") the waste section of the benchmarks file. */
export function withWasteSection(text: string, section: string): string {
  const at = text.indexOf(`\n${WASTE_HEADING}\n`);
  if (at >= 0) {
    const next = text.indexOf("\n## ", at + WASTE_HEADING.length + 1);
    return text.slice(0, at + 1) + section + (next >= 0 ? text.slice(next) : "");
  }
  const soak = text.indexOf("\n## Soak\n");
  if (soak >= 0) return `${text.slice(0, soak + 1)}${section}\n${text.slice(soak + 1)}`;
  return `${text.replace(/\n*$/, "\n\n")}${section}`;
}

export async function wasteMain(argv: string[], benchFile: string): Promise<number> {
  let args: WasteArgs;
  try {
    const parsed = parseWasteArgs(argv);
    if (parsed === "help") {
      process.stdout.write(WASTE_USAGE + "\n");
      return 0;
    }
    args = parsed;
    requirePrograms([args.store === "dynamodb" ? "java" : "redis-server"], "npm run bench -- --waste");
  } catch (e) {
    if (e instanceof CliError || e instanceof MissingProgramError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e instanceof MissingProgramError ? 3 : 2;
    }
    throw e;
  }
  const command = ["npm run bench -- --waste", ...argv].join(" ");
  const t0 = Date.now();
  let proc: DynamoLocal | RedisServer | null = null;
  try {
    proc = args.store === "dynamodb" ? await spawnDynamoLocal() : await spawnRedis();
    const endpoints =
      args.store === "dynamodb" ? { dynamodbEndpoint: (proc as DynamoLocal).endpoint } : { redisUrl: (proc as RedisServer).url };
    const policies = WASTE_POLICIES.filter((p) => args.policies.includes(p.key));
    const runs: WasteRun[] = [];
    const total = args.outages.length * policies.length * args.seeds;
    let n = 0;
    const one = async (policy: (typeof policies)[number], outage: number, seed: number, speed: number) => {
      const r = await runWaste(policy, outage, seed, args.seeds, speed, args.store, endpoints);
      process.stderr.write(
        `[${n}/${total}] ${outage} s outage, ${policy.key}, seed ${seed} at ${speed}x: leaked ${r.leaked}, false trips ${r.falseTrips}, after healing ${r.afterHealing}, ` +
          `to CLOSED ${r.timeToClosed === null ? "n/a" : r.timeToClosed.toFixed(1)} s, waste ${r.waste}, health probes ${r.healthProbes} in ${r.probeRuns} probe runs (${r.realSeconds.toFixed(0)} s real)\n`,
      );
      return r;
    };
    for (const outage of args.outages) {
      const speed = outage <= 60 ? args.speed : args.longSpeed;
      for (const policy of policies) {
        for (let seed = 1; seed <= args.seeds; seed++) {
          n += 1;
          runs.push(await one(policy, outage, seed, speed));
        }
      }
    }
    // The same 60 s outage of the default at the long speed: does the speed change the figures?
    let speedCheck: { at: WasteRun[]; long: WasteRun[] } | null = null;
    const def = policies.find((p) => p.key === "default");
    if (def && args.outages.includes(60) && args.longSpeed !== args.speed) {
      const long: WasteRun[] = [];
      for (let seed = 1; seed <= args.seeds; seed++) long.push(await one(def, 60, seed, args.longSpeed));
      speedCheck = { at: runs.filter((r) => r.policy === "default" && r.outage === 60), long };
    }
    // The healthy path's work is the DynamoDB target (1 read unit, 0 Lambdas): one short run of the default there.
    let healthy: WasteRun | null = null;
    if (def) {
      let ddb: DynamoLocal | null = args.store === "dynamodb" ? (proc as DynamoLocal) : null;
      const own = ddb === null;
      try {
        ddb ??= await spawnDynamoLocal();
        healthy = await runWaste(def, 10, 1, args.seeds, args.speed, "dynamodb", { dynamodbEndpoint: ddb.endpoint });
      } finally {
        if (own) await ddb?.dispose();
      }
    }
    const checks = wasteChecks(runs, args.outages, args.policies, healthy);
    const seconds = (Date.now() - t0) / 1000;
    const md = wasteMarkdown({
      runs,
      checks,
      outages: args.outages,
      policies: args.policies,
      seeds: args.seeds,
      store: args.store,
      command,
      seconds,
      date: new Date(),
      speedCheck,
      healthy,
    });
    writeFileSync(benchFile, withWasteSection(existsSync(benchFile) ? readFileSync(benchFile, "utf8") : "# Benchmarks\n", md));
    process.stdout.write(md.slice(0, md.indexOf("### Every run")) + "\n");
    process.stdout.write(`wrote ${benchFile} (${seconds.toFixed(0)} s)\n`);
    return 0;
  } finally {
    await proc?.dispose();
  }
}
