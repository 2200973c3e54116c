// Runs a state machine definition on this machine with aws-local-stepfunctions v3: the ONLY place Task states
// are served locally. Every Task is served by its Resource, generically, with no per-state special cases:
//   arn:aws:states:::lambda:invoke        -> the in-process handler registered under the resolved FunctionName,
//                                            answered as the optimized integration answers ({Payload, StatusCode});
//                                            a thrown error surfaces as Lambda surfaces it (error = its name, the
//                                            errorType; cause = {"errorMessage","errorType","trace"} as JSON text)
//   arn:aws:states:::dynamodb:<operation> -> the real call against the configured DynamoDB endpoint with the
//                                            resolved Parameters (AttributeValue shapes); errors as DynamoDB.<Name>
//   arn:aws:states:::states:startExecution -> a new execution of this same machine with the given Input, handed to
//                                            the startExecution option (which runs and tracks it); not awaited, as
//                                            the request-response integration answers {ExecutionArn, StartDate}
//
// `speed` runs design time N times faster: Task TimeoutSeconds and every retrier's IntervalSeconds and
// MaxDelaySeconds are divided by N in the executed copy, so backoff and full jitter keep their shape (the
// library's retryIntervalOverrides would replace them by one fixed pause). Build the definition from the
// design settings (whole seconds, as deployed) and pass `speed` here; do not scale the settings as well.
// A Wait whose SecondsPath a Pass fills with States.MathRandom(0, N) (the retry loop's full jitter) takes whole
// seconds only, so at another speed each run draws its own wait from the same range (0 to N - 1 s, AWS's
// end-exclusive reading) divided by N through the library's waitTimeOverrides.

import { checkExecutionInput, checkExecutionName, formatProblem } from "../core/aws-limits";
import { randomUUID } from "node:crypto";
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from "aws-local-stepfunctions";
import type { RunOptions, StateMachineDefinition } from "aws-local-stepfunctions";
import { AslDefinition } from "../core/state-machine-definition";

// ---------------------------------------------------------------------------------------------
// Node 20 lacks Promise.withResolvers (ES2024), which aws-local-stepfunctions uses for Task timeouts.

export function installPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === "function") return;
  Object.defineProperty(Promise, "withResolvers", {
    configurable: true,
    writable: true,
    value: function withResolvers<T>() {
      let resolve!: (v: T | PromiseLike<T>) => void;
      let reject!: (e?: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    },
  });
}
installPromiseWithResolvers();

// ---------------------------------------------------------------------------------------------
// Public API

/** An in-process Lambda handler: receives the Payload, returns the function's result (or throws). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each handler types its own event; this type must accept them all
export type LocalLambda = (event: any) => Promise<unknown> | unknown;

export interface LocalStateMachineOptions {
  /** Handlers by the FunctionName the definition's Tasks name (ARN or plain name, exactly as written). */
  lambdas: Record<string, LocalLambda>;
  /** DynamoDB endpoint for dynamodb:* Tasks (e.g. DynamoDB Local at http://127.0.0.1:8000). */
  dynamodbEndpoint?: string;
  /** Or a ready low-level client (takes precedence over dynamodbEndpoint). */
  dynamodbClient?: DynamoDBClient;
  /** Design time runs this many times faster (default 1). */
  speed?: number;
  /** State machine name in the context object (default "local"). */
  name?: string;
  /**
   * Serves states:startExecution of this machine: gets each execution a Task starts, to run (at once) and track.
   * Absent, the Task fails with StepFunctions.AccessDeniedException, as a role without the grant would. It may throw
   * a TaskError to fail the Task otherwise (StepFunctions.ExecutionLimitExceeded, say).
   */
  startExecution?: (started: StartedExecution) => void;
}

/** An execution a Task started (states:startExecution), not yet running: `run()` runs it. */
export interface StartedExecution {
  executionName: string;
  input: unknown;
  run(): Promise<LocalExecutionResult>;
}

export interface LocalRunOptions {
  /** $$.Execution.Name (default: a random UUID, as StartSyncExecution gives). */
  executionName?: string;
  /** Keep the library's full event log (inputs and outputs of every state) in the result. */
  history?: boolean;
}

/** One Task attempt served locally (a retried Task appears once per attempt). */
export interface TaskCall {
  state: string;
  resource: string;
  /** The FunctionName invoked, or the TableName called. */
  target: string;
  /** The resolved Parameters' Payload (lambda:invoke) or the Parameters (dynamodb). */
  input: unknown;
  ok: boolean;
  /** The Step Functions error name when the call failed. */
  error?: string;
}

export type ExecutionStatus = "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface LocalExecutionResult {
  executionName: string;
  status: ExecutionStatus;
  /** SUCCEEDED: the execution's output. */
  output?: unknown;
  /** FAILED / TIMED_OUT: the error name and cause, as DescribeExecution reports them. */
  error?: string;
  cause?: string;
  /** Epoch ms (ExecutionStarted / the end of the run). */
  startDate: number;
  stopDate: number;
  /** Names of the states entered, in order (a state retried in place is listed once per entry). */
  states: string[];
  /** Every Task attempt served, in order. */
  calls: TaskCall[];
  /** The library's event log, with `history: true`. */
  history?: unknown[];
}

export interface LocalStateMachine {
  /** The definition as given (unscaled). */
  readonly definition: AslDefinition;
  /** The definition executed (timings divided by speed). */
  readonly executed: AslDefinition;
  run(input: unknown, options?: LocalRunOptions): Promise<LocalExecutionResult>;
}

/** An error as a Task surfaces it: `name` is the Step Functions error, `message` its cause. */
export class TaskError extends Error {
  constructor(name: string, cause: string) {
    super(cause);
    this.name = name;
  }
}

// ---------------------------------------------------------------------------------------------
// Definition checks and timing

type AslValidator = (
  def: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (sep?: string) => string };
// asl-validator ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- without declarations an import would be typed any; require keeps the type above
const aslValidator: AslValidator = require("asl-validator");

/** Definitions already found valid (validation costs ~0.2 s; tests and runners build the same ones often). */
const validated = new Set<string>();

/** Throws with asl-validator's messages when the definition is not valid ASL. */
export function validateDefinition(def: AslDefinition): void {
  const text = JSON.stringify(def);
  if (validated.has(text)) return;
  const r = aslValidator(def, { checkPaths: true, checkArn: true });
  if (!r.isValid) throw new Error(`state machine definition is invalid:\n${r.errorsText("\n")}`);
  if (validated.size >= 256) validated.clear();
  validated.add(text);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON whose fields differ per state type
type AnyState = Record<string, any>;

/** A copy with every duration divided by `speed` (Task TimeoutSeconds, Retry IntervalSeconds/MaxDelaySeconds, Wait Seconds). */
export function scaleTimings(def: AslDefinition, speed: number): AslDefinition {
  if (!(typeof speed === "number" && Number.isFinite(speed) && speed > 0)) {
    throw new Error(`speed is ${JSON.stringify(speed)}; allowed: a number > 0`);
  }
  const copy = JSON.parse(JSON.stringify(def)) as AslDefinition;
  if (speed === 1) return copy;
  const scaleStates = (states: Record<string, AnyState>) => {
    for (const st of Object.values(states)) {
      if (typeof st.TimeoutSeconds === "number") st.TimeoutSeconds /= speed;
      if (typeof st.Seconds === "number") st.Seconds /= speed;
      for (const r of st.Retry ?? []) {
        r.IntervalSeconds = (r.IntervalSeconds ?? 1) / speed;
        if (typeof r.MaxDelaySeconds === "number") r.MaxDelaySeconds /= speed;
      }
      for (const b of st.Branches ?? []) scaleStates(b.States);
      if (st.ItemProcessor) scaleStates(st.ItemProcessor.States);
      if (st.Iterator) scaleStates(st.Iterator.States);
    }
  };
  scaleStates(copy.States);
  if (typeof copy.TimeoutSeconds === "number") copy.TimeoutSeconds /= speed;
  return copy;
}

// ---------------------------------------------------------------------------------------------
// Serving Tasks by Resource

const LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke";
const START_EXECUTION = "arn:aws:states:::states:startExecution";
const DYNAMODB = /^arn:aws:states:::dynamodb:([A-Za-z]+)$/;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK commands' inputs and outputs differ; the ASL parameters are passed through untyped
const DYNAMODB_COMMANDS: Record<string, new (input: any) => any> = {
  getItem: GetItemCommand,
  putItem: PutItemCommand,
  updateItem: UpdateItemCommand,
  deleteItem: DeleteItemCommand,
  query: QueryCommand,
};

/** JSON in, JSON out: what crosses a Lambda or service boundary (undefined becomes null). */
function json(v: unknown): unknown {
  return v === undefined ? null : JSON.parse(JSON.stringify(v));
}

function errorText(e: unknown): { name: string; message: string; stack: string[] } {
  if (e instanceof Error)
    return {
      name: e.name || "Error",
      message: e.message,
      stack: (e.stack ?? "")
        .split("\n")
        .slice(1)
        .map((l) => l.trim()),
    };
  return { name: "Error", message: typeof e === "string" ? e : (JSON.stringify(e) ?? String(e)), stack: [] };
}

type TaskHandler = NonNullable<NonNullable<RunOptions["overrides"]>["taskResourceLocalHandlers"]>[string];

type Served = (input: AnyState, record: (c: Omit<TaskCall, "state" | "resource">) => void) => Promise<unknown>;

function lambdaServer(lambdas: Record<string, LocalLambda>): Served {
  return async (input, record) => {
    const fn = input?.FunctionName;
    const payload = json(input?.Payload);
    const handler = typeof fn === "string" ? lambdas[fn] : undefined;
    if (!handler) {
      record({ target: String(fn), input: payload, ok: false, error: "Lambda.ResourceNotFoundException" });
      throw new TaskError(
        "Lambda.ResourceNotFoundException",
        `Function not found: ${String(fn)} (Service: Lambda, Status Code: 404; no local handler is registered under this FunctionName)`,
      );
    }
    let result: unknown;
    try {
      result = await handler(payload);
    } catch (e) {
      const err = errorText(e);
      record({ target: fn, input: payload, ok: false, error: err.name });
      // As the optimized integration reports a function error: error = errorType, cause = the error payload.
      throw new TaskError(err.name, JSON.stringify({ errorMessage: err.message, errorType: err.name, trace: err.stack }));
    }
    record({ target: fn, input: payload, ok: true });
    return { ExecutedVersion: "$LATEST", Payload: json(result), StatusCode: 200 };
  };
}

function dynamodbServer(operation: string, client: () => DynamoDBClient): Served {
  const Command = DYNAMODB_COMMANDS[operation];
  return async (input, record) => {
    const params = json(input) as AnyState;
    const target = String(params?.TableName);
    let out: AnyState;
    try {
      out = await client().send(new Command(params));
    } catch (e) {
      const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number; requestId?: string } };
      const service = err.$metadata?.httpStatusCode !== undefined;
      const name = service && err.name ? `DynamoDB.${err.name}` : "DynamoDB.SdkClientException";
      record({ target, input: params, ok: false, error: name });
      const meta = service
        ? ` (Service: DynamoDb, Status Code: ${err.$metadata!.httpStatusCode}, Request ID: ${err.$metadata!.requestId ?? "local"})`
        : "";
      throw new TaskError(name, `${err.message ?? String(e)}${meta}`);
    }
    record({ target, input: params, ok: true });
    const { $metadata: _ignored, ...result } = out;
    return json(result);
  };
}

/** StartExecution of `machineArn` (the only machine here): Input as JSON text or an object, as the integration takes it. */
function startExecutionServer(machineArn: string, start: (input: unknown) => string): Served {
  return async (params, record) => {
    const arn = String(params?.StateMachineArn);
    const fail = (error: string, cause: string) => {
      record({ target: arn, input: params?.Input ?? null, ok: false, error });
      throw new TaskError(error, cause);
    };
    if (arn !== machineArn)
      fail("StepFunctions.StateMachineDoesNotExistException", `State Machine Does Not Exist: '${arn}' (only ${machineArn} runs here)`);
    let input: unknown = params?.Input ?? {};
    if (typeof input === "string") {
      try {
        input = JSON.parse(input);
      } catch (e) {
        fail("StepFunctions.InvalidExecutionInputException", `Invalid execution input: ${(e as Error).message}`);
      }
    }
    const problem = checkExecutionInput(input);
    if (problem) fail("StepFunctions.InvalidExecutionInputException", formatProblem("execution", problem));
    let executionName = "";
    try {
      executionName = start(input);
    } catch (e) {
      const err = errorText(e);
      fail(err.name, err.message);
    }
    record({ target: arn, input, ok: true });
    return { ExecutionArn: `${machineArn.replace(":stateMachine:", ":express:")}:${executionName}`, StartDate: new Date().toISOString() };
  };
}

function serverFor(
  stateName: string,
  resource: string,
  options: LocalStateMachineOptions,
  client: () => DynamoDBClient,
  startExecution: Served,
): Served {
  if (resource === LAMBDA_INVOKE) return lambdaServer(options.lambdas);
  if (resource === START_EXECUTION) return startExecution;
  const ddb = DYNAMODB.exec(resource);
  if (ddb && DYNAMODB_COMMANDS[ddb[1]]) return dynamodbServer(ddb[1], client);
  throw new Error(
    `Task ${stateName}: resource ${resource} cannot be served locally; served: ${LAMBDA_INVOKE}, ${START_EXECUTION}, arn:aws:states:::dynamodb:{${Object.keys(DYNAMODB_COMMANDS).join(",")}}`,
  );
}

/** Task state name -> resource, through Parallel branches and Map processors too (names are unique per machine). */
function taskStates(states: Record<string, AnyState>, out: Record<string, string> = {}): Record<string, string> {
  for (const [name, st] of Object.entries(states)) {
    if (st.Type === "Task") out[name] = st.Resource;
    for (const b of st.Branches ?? []) taskStates(b.States, out);
    if (st.ItemProcessor) taskStates(st.ItemProcessor.States, out);
    if (st.Iterator) taskStates(st.Iterator.States, out);
  }
  return out;
}

/** The names of a definition's Task states (a retry of one is a billed transition too: local/runner.ts). */
export function taskStateNames(def: AslDefinition): Set<string> {
  return new Set(Object.keys(taskStates(def.States)));
}

const MATH_RANDOM = /^States\.MathRandom\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/**
 * The top-level Wait states with a SecondsPath, each with the whole-second range [min, max] the Pass before it
 * draws with States.MathRandom (end exclusive, as AWS documents it). Throws for one it cannot bound.
 */
export function jitteredWaits(def: AslDefinition): Map<string, { min: number; max: number }> {
  const out = new Map<string, { min: number; max: number }>();
  for (const [name, st] of Object.entries(def.States as Record<string, AnyState>)) {
    if (st.Type !== "Wait" || typeof st.SecondsPath !== "string") continue;
    const at = st.SecondsPath.lastIndexOf(".");
    const [parent, field] = [st.SecondsPath.slice(0, at), st.SecondsPath.slice(at + 1)];
    const pass = Object.values(def.States as Record<string, AnyState>).find(
      (p) => p.Type === "Pass" && p.Next === name && p.ResultPath === parent && typeof p.Parameters?.[`${field}.$`] === "string",
    );
    const m = pass ? MATH_RANDOM.exec(pass.Parameters[`${field}.$`]) : null;
    if (!m)
      throw new Error(
        `Wait ${name}: its SecondsPath ${st.SecondsPath} is not drawn by States.MathRandom in the Pass before it; the local runtime cannot scale it`,
      );
    out.set(name, { min: Number(m[1]), max: Number(m[2]) - 1 });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

export function createLocalStateMachine(def: AslDefinition, options: LocalStateMachineOptions): LocalStateMachine {
  validateDefinition(def);
  const speed = options.speed ?? 1;
  const executed = scaleTimings(def, speed);
  const waits = speed === 1 ? new Map<string, { min: number; max: number }>() : jitteredWaits(def);
  let ddbClient: DynamoDBClient | null = options.dynamodbClient ?? null;
  const client = (): DynamoDBClient => {
    if (ddbClient) return ddbClient;
    if (!options.dynamodbEndpoint)
      throw new TaskError("DynamoDB.SdkClientException", "no DynamoDB endpoint is configured for the local runtime");
    ddbClient = new DynamoDBClient({
      endpoint: options.dynamodbEndpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
      requestHandler: { connectionTimeout: 2_000, requestTimeout: 5_000 },
    });
    return ddbClient;
  };
  const machineName = options.name ?? "local";
  const machineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machineName}`;
  const startExecution = startExecutionServer(machineArn, (input) => {
    if (!options.startExecution)
      throw new TaskError(
        "StepFunctions.AccessDeniedException",
        `not authorized to perform states:StartExecution on ${machineArn} (no startExecution is given to the local runtime)`,
      );
    const executionName = randomUUID();
    options.startExecution({ executionName, input, run: () => run(input, { executionName }) });
    return executionName;
  });
  const servers = Object.entries(taskStates(executed.States)).map(([name, resource]) => ({
    name,
    resource,
    serve: serverFor(name, resource, options, client, startExecution),
  }));
  // Built once and reused: construction costs ~100 ms; runs are independent of each other.
  const machine = new StateMachine(executed as unknown as StateMachineDefinition, { validationOptions: { noValidate: true } });

  async function run(input: unknown, runOptions: LocalRunOptions = {}): Promise<LocalExecutionResult> {
    const executionName = runOptions.executionName ?? randomUUID();
    // StartExecution refuses these before anything runs; so does the local runtime (core/aws-limits.ts).
    const refuse = (problem: ReturnType<typeof checkExecutionName>) => {
      if (problem) throw new Error(`StartExecution: ${formatProblem("execution", problem)}`);
    };
    refuse(checkExecutionName(executionName));
    const calls: TaskCall[] = [];
    const handlers: Record<string, TaskHandler> = {};
    for (const s of servers) {
      const serve = (taskInput: AnyState) => s.serve(taskInput, (c) => calls.push({ state: s.name, resource: s.resource, ...c }));
      handlers[s.name] = serve as unknown as TaskHandler;
    }
    // A request nested thousands deep overflows the stack of JSON and of the executor's recursive path and
    // payload code: the execution ends FAILED (States.Runtime, as AWS names a runtime failure), never a throw.
    const overflow = (e: unknown): LocalExecutionResult => {
      const now = Date.now();
      const cause = `the input could not be processed: it is nested too deeply for the local executor (${(e as Error).message}); keep requests to a few hundred levels`;
      return { executionName, status: "FAILED", error: "States.Runtime", cause, startDate: now, stopDate: now, states: [], calls };
    };
    let payload: unknown;
    let inputProblem: ReturnType<typeof checkExecutionInput>;
    try {
      payload = json(input);
      inputProblem = checkExecutionInput(input);
    } catch (e) {
      if (e instanceof RangeError) return overflow(e);
      throw e;
    }
    refuse(inputProblem);
    const waitTimeOverrides: Record<string, number> = {};
    for (const [name, { min, max }] of waits) {
      waitTimeOverrides[name] = ((min + Math.floor(Math.random() * (max - min + 1))) * 1000) / speed;
    }
    const execution = machine.run(payload as never, {
      overrides: { taskResourceLocalHandlers: handlers, ...(waits.size ? { waitTimeOverrides } : {}) },
      context: {
        Execution: {
          Id: `arn:aws:states:us-east-1:000000000000:express:${machineName}:${executionName}:${randomUUID()}`,
          Name: executionName,
        },
        StateMachine: { Id: machineArn, Name: machineName },
      },
    });
    const collected = (async () => {
      const events: AnyState[] = [];
      for await (const ev of execution.eventLogs) events.push(ev as AnyState);
      return events;
    })();
    const result: Omit<LocalExecutionResult, "states" | "calls" | "startDate" | "stopDate"> = { executionName, status: "SUCCEEDED" };
    const started = Date.now();
    try {
      result.output = await execution.result;
    } catch (e) {
      if (e instanceof ExecutionTimeoutError) {
        Object.assign(result, {
          status: "TIMED_OUT",
          error: "States.Timeout",
          cause: "The execution ran longer than the state machine's TimeoutSeconds",
        });
      } else if (e instanceof ExecutionAbortedError) {
        Object.assign(result, { status: "ABORTED" });
      } else if (e instanceof ExecutionError) {
        const inner = (e as Error & { cause?: Error }).cause;
        Object.assign(result, { status: "FAILED", error: inner?.name ?? "States.Runtime", cause: inner?.message ?? e.message });
      } else if (e instanceof RangeError) {
        Object.assign(result, { status: "FAILED", error: "States.Runtime", cause: overflow(e).cause });
      } else {
        throw e;
      }
    }
    const stopDate = Date.now();
    const events = await collected;
    const startEvent = events.find((ev) => ev.type === "ExecutionStarted");
    return {
      ...result,
      startDate: startEvent?.timestamp ?? started,
      stopDate,
      states: events.filter((ev) => ev.type === "StateEntered").map((ev) => ev.state.name as string),
      calls,
      ...(runOptions.history ? { history: events } : {}),
    };
  }

  return { definition: def, executed, run };
}
