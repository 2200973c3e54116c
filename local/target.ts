// The protected target of a local run: the demo-downstream handler, driven by the phase in effect when
// each attempt starts (its failure rate, latency and error type). Each phase draws from its own seeded
// stream, so the n-th attempt of a phase has the same outcome in every run with the same seed.

import { HANDLER_DEFINITIONS } from "../functions/registry";
import { sleep } from "../functions/shared/sleep";
import { Rng, stream } from "./rng";
import { Scenario } from "./scenario";
import { Timebase } from "./speed";
import { phaseAt } from "./traffic";
import { recordTargetAttempt } from "./work-meter";
import { TargetCall } from "./report/records";

/** Draws kept per phase in `sequence` (enough to compare two runs; a long run keeps no more). */
export const SEQUENCE_KEPT = 1000;

export interface LocalTarget {
  /** The Lambda handler the executor invokes for the target's function name. */
  handler: (event: unknown) => Promise<unknown>;
  /** Attempts so far, and how many of them failed. */
  counts: { attempts: number; failures: number };
  /** Sends each attempt, as it ends, to `listener` (the runner's report); returns the unsubscribe. */
  listen(listener: (c: TargetCall) => void): () => void;
  /** The first SEQUENCE_KEPT outcomes drawn per phase, in draw order ("ok" or the error name): the seeded sequence. */
  sequence: string[][];
}

export function localTarget(scenario: Scenario, tb: () => Timebase): LocalTarget {
  const streams: Rng[] = scenario.phases.map((_, i) => stream(scenario.seed, i));
  const counts = { attempts: 0, failures: 0 };
  const listeners = new Set<(c: TargetCall) => void>();
  const sequence: string[][] = scenario.phases.map(() => []);
  const called = (c: TargetCall) => {
    counts.attempts += 1;
    if (!c.ok) counts.failures += 1;
    for (const l of listeners) l(c);
  };
  const handler = async (event: unknown): Promise<unknown> => {
    const time = tb();
    const startReal = Date.now();
    const at = time.designSeconds(startReal);
    const phaseIndex = phaseAt(scenario, at);
    const phase = scenario.phases[phaseIndex];
    const draw = streams[phaseIndex]();
    const fails = draw < phase.failureRate;
    if (sequence[phaseIndex].length < SEQUENCE_KEPT) sequence[phaseIndex].push(fails ? phase.errorType : "ok");
    const demo = HANDLER_DEFINITIONS["demo-downstream"].make({
      config: { failureRate: phase.failureRate, latencyMs: time.realMs(phase.latencyMs), errorName: phase.errorType },
      random: () => draw,
      sleep,
    });
    try {
      const out = await demo(event);
      called({ at, phase: phaseIndex, ok: true });
      recordTargetAttempt(startReal, Date.now(), "ok", time.speed);
      return out;
    } catch (e) {
      const error = (e as Error)?.name ?? "Error";
      called({ at, phase: phaseIndex, ok: false, error });
      recordTargetAttempt(startReal, Date.now(), error, time.speed);
      throw e;
    }
  };
  return {
    handler,
    counts,
    listen(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    sequence,
  };
}
