// The protected target of a local run: the demo-downstream handler, driven by the phase in effect when
// each attempt starts (its failure rate, latency and error type). Each phase draws from its own seeded
// stream, so the n-th attempt of a phase has the same outcome in every run with the same seed.

import { makeDemoDownstreamHandler, sleep } from "../functions/handler-factories/demo-downstream";
import { Rng, stream } from "./rng";
import { Scenario } from "./scenario";
import { Timebase } from "./speed";
import { phaseAt } from "./traffic";
import { recordTargetAttempt } from "./work-meter";
import { TargetCall } from "./report/records";

export interface LocalTarget {
  /** The Lambda handler the executor invokes for the target's function name. */
  handler: (event: unknown) => Promise<unknown>;
  /** Every attempt so far, in order. */
  calls: TargetCall[];
  /** Outcomes drawn per phase, in draw order ("ok" or the error name): the seeded sequence. */
  sequence: string[][];
}

export function localTarget(scenario: Scenario, tb: () => Timebase): LocalTarget {
  const streams: Rng[] = scenario.phases.map((_, i) => stream(scenario.seed, i));
  const calls: TargetCall[] = [];
  const sequence: string[][] = scenario.phases.map(() => []);
  const handler = async (event: unknown): Promise<unknown> => {
    const time = tb();
    const startReal = Date.now();
    const at = time.designSeconds(startReal);
    const phaseIndex = phaseAt(scenario, at);
    const phase = scenario.phases[phaseIndex];
    const draw = streams[phaseIndex]();
    const fails = draw < phase.failureRate;
    sequence[phaseIndex].push(fails ? phase.errorType : "ok");
    const demo = makeDemoDownstreamHandler({
      config: { failureRate: phase.failureRate, latencyMs: time.realMs(phase.latencyMs), errorName: phase.errorType },
      random: () => draw,
      sleep,
    });
    try {
      const out = await demo(event);
      calls.push({ at, phase: phaseIndex, ok: true });
      recordTargetAttempt(startReal, Date.now(), "ok", time.speed);
      return out;
    } catch (e) {
      const error = (e as Error)?.name ?? "Error";
      calls.push({ at, phase: phaseIndex, ok: false, error });
      recordTargetAttempt(startReal, Date.now(), error, time.speed);
      throw e;
    }
  };
  return { handler, calls, sequence };
}
