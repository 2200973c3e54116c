// The execution that trips the circuit starts the health probe's loop at once (issue 16: recover as fast as the
// target does), instead of leaving the OPEN circuit to the next scheduled run (up to 60 s away). After each
// record-outcome Task of a caller's failure:
//   TripCheckAfter<state>       Choice: record-outcome answered "tripped" -> StartProbeLoopAfter<state>; else on
//   StartProbeLoopAfter<state>  states:startExecution (request-response: fire and forget) of this same machine
//                               ($$.StateMachine.Id) with the schedule's probe input; its failure is caught
// and both continue where the record went before, with the caller's data untouched: the caller's result is the
// same whether the loop started or not. The loop's lease keeps two loops (this and the schedule's) to one probe
// per open period per probe slot (core/definition/health-probe-branch.ts).
//
// Only with the health probe on, its request known, early probing on (earlyProbeSeconds > 0) and a loop budget.

import { checkExecutionInput, formatProblem } from "../aws-limits";
import type { HealthProbeInput } from "./health-probe-branch";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
type State = Record<string, any>;

/** The optimized integration, request-response (not .sync): the caller never waits for the loop. */
export const START_EXECUTION = "arn:aws:states:::states:startExecution";

export const tripCheckAfter = (state: string) => `TripCheckAfter${state}`;
export const startProbeLoopAfter = (state: string) => `StartProbeLoopAfter${state}`;

/** What decides whether the definition starts the loop (a subset of DefinitionOptions). */
export interface ProbeLoopStartOptions {
  healthProbe?: boolean;
  healthProbeRequest?: Record<string, unknown>;
  settings: { earlyProbeSeconds: number };
  probeLoopSeconds?: number;
}

export function startsProbeLoop(o: ProbeLoopStartOptions, defaultLoopSeconds: number): boolean {
  return (
    !!o.healthProbe &&
    o.healthProbeRequest !== undefined &&
    o.settings.earlyProbeSeconds > 0 &&
    (o.probeLoopSeconds ?? defaultLoopSeconds) > 0
  );
}

/** The StartExecution input: exactly what EventBridge Scheduler sends (components/circuit-breaker.ts). */
export function probeLoopInput(request: Record<string, unknown>): HealthProbeInput {
  return { healthProbe: { request: { ...request } } };
}

/** Where a record-outcome Task leaves its `result`: under ResultSelector's result, or the raw invoke's Payload. */
function resultPath(task: State): string {
  return task.ResultSelector?.["result.$"] ? `${task.ResultPath}.result` : `${task.ResultPath}.Payload.result`;
}

/**
 * The states with the trip check inserted after every record of a caller's failure: a Task invoking
 * `recordOutcomeFn` with outcome "failure" and no probe lease (a probe's failure re-opens; it never trips).
 * `discardPath` takes the startExecution's Catch output, where nothing reads it.
 */
export function withProbeLoopStart(
  states: Record<string, State>,
  recordOutcomeFn: string,
  request: Record<string, unknown>,
  discardPath: string,
): Record<string, State> {
  // StartExecution refuses a larger input; the schedule's own limit is the same (core/aws-limits.ts).
  const input = probeLoopInput(request);
  const problem = checkExecutionInput(input);
  if (problem) throw new Error(`buildDefinition: ${formatProblem("healthProbeRequest, as the StartExecution", problem)}`);
  const out: Record<string, State> = { ...states };
  for (const [name, st] of Object.entries(states)) {
    const payload = st.Parameters?.Payload;
    const isCallerFailure =
      st.Type === "Task" &&
      st.Parameters?.FunctionName === recordOutcomeFn &&
      payload?.outcome === "failure" &&
      payload["leaseId.$"] === undefined &&
      typeof st.Next === "string" &&
      typeof st.ResultPath === "string";
    if (!isCallerFailure) continue;
    const next: string = st.Next;
    const result = resultPath(st);
    out[name] = { ...st, Next: tripCheckAfter(name) };
    out[tripCheckAfter(name)] = {
      Type: "Choice",
      Choices: [
        { Not: { Variable: result, IsPresent: true }, Next: next },
        { Variable: result, StringEquals: "tripped", Next: startProbeLoopAfter(name) },
      ],
      Default: next,
    };
    out[startProbeLoopAfter(name)] = {
      Type: "Task",
      Resource: START_EXECUTION,
      // Input as JSON text: the probe request's own keys are never read as paths ("x.$").
      Parameters: { "StateMachineArn.$": "$$.StateMachine.Id", Input: JSON.stringify(input) },
      ResultPath: null,
      // No loop started (throttled, denied): the caller's execution goes on as if it had not asked.
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: discardPath, Next: next }],
      Next: next,
    };
  }
  return out;
}
