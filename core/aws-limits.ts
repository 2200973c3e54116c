// AWS's own limits that `pulumi up` (or a call at run time) would otherwise be the first to enforce, as pure
// functions: no AWS SDK, no Pulumi, no I/O. Each AWS number lives here once, with the page it comes from; the
// validators (components/, local/) call these and word the problem with their own path. docs/aws-limits.md
// lists what is checked here and what still is not.

/** One rule broken: `field` is relative to what was checked, `allowed` says the limit and the arithmetic. */
export interface LimitProblem {
  field: string;
  value: unknown;
  allowed: string;
}

/** The problem in the house form: `<where>.<field> is <value>; allowed: <allowed>`. */
export function formatProblem(where: string, p: LimitProblem): string {
  const path = p.field === "" ? where : `${where}.${p.field}`;
  return `${path} is ${showValue(p.value)}; allowed: ${p.allowed}`;
}

/** A value for a message: JSON, cut to 80 characters so that a 100 KB request is not echoed back. */
export function showValue(value: unknown): string {
  const text = typeof value === "number" && !Number.isFinite(value) ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 80 ? `${text.slice(0, 77)}... (${text.length} characters)` : text;
}

/** UTF-8 bytes of a string (TextEncoder: core/ uses no Node-only global such as Buffer). */
const UTF8 = new TextEncoder();
export function utf8Bytes(text: string): number {
  return UTF8.encode(text).length;
}

// ---------------------------------------------------------------------------------------------
// Step Functions

/**
 * An EXPRESS execution runs at most 5 minutes; then it ends TIMED_OUT, whatever state it is in.
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-standard-vs-express.html
 */
export const EXPRESS_MAX_DURATION_SECONDS = 300;
/** What we keep free of the 300 s: Lambda cold starts, Step Functions' own transitions, clock skew. */
export const EXPRESS_MARGIN_SECONDS = 30;

/**
 * The time one handler Task may take on the execution's path: its store calls (each bounded by the store
 * timeout; compare-and-set retries included: 4 calls, as lambdaTimeoutSeconds assumes) plus 1 s of invoke
 * overhead and cold start. The handlers' Retry (Lambda service errors, at most 1 + 2 s of delay) is counted too.
 */
export function handlerTaskSeconds(storeTimeoutMs: number): number {
  return Math.ceil((4 * storeTimeoutMs) / 1000) + 1 + HANDLER_RETRY_DELAY_SECONDS;
}
/** The handlers' Retry in the definition: IntervalSeconds 1, BackoffRate 2, MaxAttempts 2 -> 1 + 2 s. */
export const HANDLER_RETRY_DELAY_SECONDS = 3;
/** The direct DynamoDB GetItem: one quick retry (1 s) and the read itself. */
export const DIRECT_READ_SECONDS = 2;

/** The target call's retry settings (a subset of BreakerSettings). */
export interface TargetCallSettings {
  timeoutSeconds: number;
  retryAttempts: number;
  retryIntervalSeconds: number;
  retryBackoffRate: number;
  retryMaxDelaySeconds: number;
}

/**
 * The retry delays of the target call at their worst (full jitter stays below the capped delay): retry r's cap is
 * retryIntervalSeconds × retryBackoffRate^(r-1) in whole seconds (rounded up: a Wait takes no fractions), at most
 * retryMaxDelaySeconds. The breaker-aware retry loop draws each delay from 0 to exactly this cap.
 */
export function retryDelaysSeconds(s: TargetCallSettings): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.retryAttempts; i++)
    out.push(Math.min(Math.ceil(s.retryIntervalSeconds * s.retryBackoffRate ** i), s.retryMaxDelaySeconds));
  return out;
}

/** The target call at its worst: every attempt runs to timeoutSeconds, every retry waits its capped delay. */
export function targetCallSeconds(s: TargetCallSettings): number {
  return (s.retryAttempts + 1) * s.timeoutSeconds + retryDelaysSeconds(s).reduce((a, b) => a + b, 0);
}

/** The parts of an ASL definition the budget reads (plain JSON, as the definition builder returns it). */
export interface AslLike {
  StartAt: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- ASL states are free-form JSON
  States: Record<string, any>;
}

/** The path through a definition that takes longest at worst, with what each Task on it costs. */
export interface ExecutionBudget {
  /** Seconds at worst along the longest path. */
  seconds: number;
  /** Task states on that path (the target call included). */
  tasks: string[];
  /** How many of them are handler (or direct store) calls, and their seconds. */
  handlerTasks: number;
  handlerSeconds: number;
  /** Target call seconds on that path (0 when the longest path does not call the target). */
  targetSeconds: number;
}

/**
 * The worst-case duration of an execution of `definition`: the longest path from StartAt (through Next,
 * Default, Choices and Catch), where a Task calling `targetName` costs targetCallSeconds(settings) when it has a
 * Task Retry and one attempt (timeoutSeconds) when it has none (the breaker-aware retry loop: each attempt is its
 * own state), a Wait its Seconds or, with a SecondsPath, `waitSeconds[name]` (the retry loop's jitter caps; both
 * count as target time), a dynamodb:getItem Task DIRECT_READ_SECONDS and any other Task handlerTaskSeconds(storeTimeoutMs).
 * Throws when the definition has a cycle (the budget would be unbounded; the builder makes none) or a Wait it cannot bound.
 */
export function executionBudget(
  definition: AslLike,
  targetName: string,
  settings: TargetCallSettings,
  storeTimeoutMs: number,
  waitSeconds: Record<string, number> = {},
): ExecutionBudget {
  const handler = handlerTaskSeconds(storeTimeoutMs);
  const retried = targetCallSeconds(settings);
  const memo = new Map<string, { seconds: number; tasks: string[]; handlerTasks: number; targetSeconds: number }>();
  const onStack = new Set<string>();
  const walk = (name: string): { seconds: number; tasks: string[]; handlerTasks: number; targetSeconds: number } => {
    const hit = memo.get(name);
    if (hit) return hit;
    if (onStack.has(name)) throw new Error(`executionBudget: the definition loops through ${name}; an execution's time would be unbounded`);
    onStack.add(name);
    const st = definition.States[name];
    if (!st) throw new Error(`executionBudget: state ${name} is referenced but not defined`);
    const next: string[] = [];
    if (typeof st.Next === "string") next.push(st.Next);
    if (typeof st.Default === "string") next.push(st.Default);
    for (const c of st.Choices ?? []) if (typeof c.Next === "string") next.push(c.Next);
    for (const c of st.Catch ?? []) if (typeof c.Next === "string") next.push(c.Next);
    let best = { seconds: 0, tasks: [] as string[], handlerTasks: 0, targetSeconds: 0 };
    for (const n of next) {
      const r = walk(n);
      if (r.seconds > best.seconds) best = r;
    }
    let own = { seconds: 0, handlerTasks: 0, targetSeconds: 0 };
    if (st.Type === "Wait") {
      const wait = typeof st.Seconds === "number" ? st.Seconds : waitSeconds[name];
      if (typeof wait !== "number") throw new Error(`executionBudget: Wait ${name} has no Seconds and no bound in waitSeconds`);
      own = { seconds: wait, handlerTasks: 0, targetSeconds: wait };
    } else if (st.Type === "Task") {
      const fn = st.Parameters?.FunctionName;
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- retriers are free-form ASL JSON
      const target = (st.Retry ?? []).some((r: any) => r.MaxAttempts !== 0) ? retried : settings.timeoutSeconds;
      if (fn === targetName) own = { seconds: target, handlerTasks: 0, targetSeconds: target };
      else if (typeof st.Resource === "string" && st.Resource.includes(":dynamodb:"))
        own = { seconds: DIRECT_READ_SECONDS, handlerTasks: 1, targetSeconds: 0 };
      else own = { seconds: handler, handlerTasks: 1, targetSeconds: 0 };
    }
    const out = {
      seconds: own.seconds + best.seconds,
      tasks: st.Type === "Task" ? [name, ...best.tasks] : best.tasks,
      handlerTasks: own.handlerTasks + best.handlerTasks,
      targetSeconds: own.targetSeconds + best.targetSeconds,
    };
    onStack.delete(name);
    memo.set(name, out);
    return out;
  };
  const r = walk(definition.StartAt);
  return {
    seconds: r.seconds,
    tasks: r.tasks,
    handlerTasks: r.handlerTasks,
    handlerSeconds: r.seconds - r.targetSeconds,
    targetSeconds: r.targetSeconds,
  };
}

/**
 * The EXPRESS rule: the longest path must fit in 300 s less the margin, or a hanging target ends the execution
 * TIMED_OUT before RecordFailure or the fallback runs (the breaker never counts the failure, the caller gets no
 * fallback). The problem names settings.timeoutSeconds, with the arithmetic.
 */
export function checkExpressDuration(budget: ExecutionBudget, s: TargetCallSettings): LimitProblem | undefined {
  const max = EXPRESS_MAX_DURATION_SECONDS - EXPRESS_MARGIN_SECONDS;
  if (budget.seconds <= max) return undefined;
  const delays = retryDelaysSeconds(s);
  const delaySum = delays.reduce((a, b) => a + b, 0);
  const handlerPart = budget.seconds - budget.targetSeconds;
  const perCall = budget.targetSeconds > 0 ? budget.targetSeconds / targetCallSeconds(s) : 0;
  const calls = perCall > 1 ? `${perCall} target calls × ` : "";
  return {
    field: "timeoutSeconds",
    value: s.timeoutSeconds,
    allowed:
      `an execution that fits Step Functions EXPRESS's ${EXPRESS_MAX_DURATION_SECONDS} s with a ${EXPRESS_MARGIN_SECONDS} s margin (at most ${max} s); ` +
      `at worst it takes ${calls}((retryAttempts ${s.retryAttempts} + 1) × timeoutSeconds ${s.timeoutSeconds} s + retry delays ${delaySum} s [${delays.join(" + ") || "none"}, each capped at retryMaxDelaySeconds ${s.retryMaxDelaySeconds}]) ` +
      `+ ${handlerPart} s for the ${budget.handlerTasks} handler/store calls on the longest path = ${budget.seconds} s. ` +
      `Lower timeoutSeconds, retryAttempts or retryMaxDelaySeconds` +
      (budget.handlerTasks > 0
        ? ` (or storeTimeoutMs, which bounds each handler call: ${Math.round(handlerPart / budget.handlerTasks)} s on average here)`
        : ""),
  };
}

/**
 * The health-probe branch's early re-probe loop at its worst (core/definition/health-probe-branch.ts): it probes or
 * waits only within `loopSeconds`, so the longest run is that budget, then the probe begun just before it ran out
 * (`iteration`: the longest path through one read, lease, target call and record), then the read that ends it.
 */
export function healthProbeLoopBudget(loopSeconds: number, iteration: ExecutionBudget, storeTimeoutMs: number): ExecutionBudget {
  const read = handlerTaskSeconds(storeTimeoutMs);
  return {
    seconds: loopSeconds + iteration.seconds + read,
    tasks: iteration.tasks,
    handlerTasks: iteration.handlerTasks + 1,
    handlerSeconds: iteration.handlerSeconds + read,
    targetSeconds: iteration.targetSeconds,
  };
}

/**
 * The EXPRESS rule for a health-probe run: a hanging probe must still be recorded. The stack shrinks the loop's
 * budget to fit (core/breaker-limit-checks.ts), so only a single probe that cannot fit is refused.
 */
export function checkHealthProbeDuration(budget: ExecutionBudget, loopSeconds: number, s: TargetCallSettings): LimitProblem | undefined {
  const max = EXPRESS_MAX_DURATION_SECONDS - EXPRESS_MARGIN_SECONDS;
  if (budget.seconds <= max) return undefined;
  return {
    field: "timeoutSeconds",
    value: s.timeoutSeconds,
    allowed:
      `a health-probe run that fits Step Functions EXPRESS's ${EXPRESS_MAX_DURATION_SECONDS} s with a ${EXPRESS_MARGIN_SECONDS} s margin (at most ${max} s); ` +
      `its early re-probe loop shrinks to fit (${loopSeconds} s here), but one probe alone takes timeoutSeconds ${s.timeoutSeconds} s (no retries) ` +
      `+ ${budget.handlerSeconds} s for the ${budget.handlerTasks} handler calls around it = ${budget.seconds} s. ` +
      `Lower timeoutSeconds (or storeTimeoutMs), or turn the health probe off (healthProbe.enabled false)`,
  };
}

/**
 * Error names Step Functions reserves: `States.` names are its own (States.ALL must stand alone in the last
 * retrier or catcher, so CreateStateMachine rejects a definition that lists one beside others).
 * https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
 */
export const RESERVED_ERROR_PREFIX = "States.";

/** ignoredErrors naming a reserved `States.*` error (each problem's field is `ignoredErrors[i]`). */
export function checkIgnoredErrors(ignoredErrors: readonly string[]): LimitProblem[] {
  return ignoredErrors.flatMap((e, i) =>
    e.startsWith(RESERVED_ERROR_PREFIX)
      ? [
          {
            field: `ignoredErrors[${i}]`,
            value: e,
            allowed: `an error name of the target, not one Step Functions reserves (the "${RESERVED_ERROR_PREFIX}" prefix: States.ALL would have to stand alone and last, so CreateStateMachine rejects it; the breaker retries and counts States.Timeout/States.TaskFailed itself)`,
          },
        ]
      : [],
  );
}

/**
 * Execution names (StartExecution / StartSyncExecution `name`): 1 to 80 characters; no whitespace, brackets
 * < > { } [ ], wildcards ? *, special characters " # % \ ^ | ~ ` $ & , ; : / or control characters
 * (U+0000-001F, U+007F-009F). Everything else is allowed: + @ = ! ( ) ' . _ - and non-ASCII letters.
 * https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html
 */
export const EXECUTION_NAME_MAX_LENGTH = 80;
export const EXECUTION_NAME_PATTERN = /^[^\s\u0000-\u001f\u007f-\u009f<>{}[\]?*"#%\\^|~`$&,;:/]{1,80}$/u; // eslint-disable-line no-control-regex -- it names control characters in order to refuse them
export const EXECUTION_NAME_DOC =
  'an execution name: 1 to 80 characters, no whitespace, control characters or < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; : /';
/**
 * Lease and slot ids: an execution name ($$.Execution.Name), or an id the health probe makes (which may hold
 * ":"), so every character an execution name allows plus ":", up to 256 characters.
 */
export const LEASE_ID_PATTERN = /^[^\s\u0000-\u001f\u007f-\u009f<>{}[\]?*"#%\\^|~`$&,;/]{1,256}$/u; // eslint-disable-line no-control-regex -- it names control characters in order to refuse them
export const LEASE_ID_DOC =
  'a lease id (the execution name): 1 to 256 characters, no whitespace, control characters or < > { } [ ] ? * " # % \\ ^ | ~ ` $ & , ; /';

export function checkExecutionName(name: string): LimitProblem | undefined {
  return EXECUTION_NAME_PATTERN.test(name) ? undefined : { field: "name", value: name, allowed: EXECUTION_NAME_DOC };
}

/**
 * An execution's input (and any state's input or output) is at most 256 KiB of UTF-8.
 * https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html (Maximum input or output size)
 */
export const EXECUTION_INPUT_MAX_BYTES = 262_144;

export function checkExecutionInput(input: unknown): LimitProblem | undefined {
  const bytes = utf8Bytes(JSON.stringify(input) ?? "");
  return bytes <= EXECUTION_INPUT_MAX_BYTES
    ? undefined
    : {
        field: "input",
        value: `[${bytes} bytes]`,
        allowed: `at most ${EXECUTION_INPUT_MAX_BYTES} bytes of JSON (Step Functions' 256 KiB input limit)`,
      };
}

// ---------------------------------------------------------------------------------------------
// CloudWatch

/**
 * A metric alarm evaluates at most one day: period × evaluationPeriods ≤ 86,400 s (for periods of 60 s or more).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarm-evaluation
 */
export const ALARM_MAX_EVALUATION_SECONDS = 86_400;

export function checkAlarmWindow(periodSeconds: number, evaluationPeriods: number, field = "evaluationPeriods"): LimitProblem | undefined {
  const total = periodSeconds * evaluationPeriods;
  if (total <= ALARM_MAX_EVALUATION_SECONDS) return undefined;
  return {
    field,
    value: evaluationPeriods,
    allowed: `period × evaluationPeriods ≤ ${ALARM_MAX_EVALUATION_SECONDS} s (CloudWatch evaluates at most one day): ${periodSeconds} s × ${evaluationPeriods} = ${total} s; at most ${Math.floor(ALARM_MAX_EVALUATION_SECONDS / periodSeconds)} periods of ${periodSeconds} s`,
  };
}

/**
 * The ManualStateActive alarm: one period per health probe interval, as many as cover manualStateMaxMinutes
 * (components/breaker-alarms.ts). Both numbers, and the rule on their product.
 */
export function manualStateAlarmWindow(
  probeIntervalMinutes: number,
  manualStateMaxMinutes: number,
): { periodSeconds: number; evaluationPeriods: number } {
  return {
    periodSeconds: probeIntervalMinutes * 60,
    evaluationPeriods: Math.max(1, Math.ceil(manualStateMaxMinutes / probeIntervalMinutes)),
  };
}

export function checkManualStateAlarm(probeIntervalMinutes: number, manualStateMaxMinutes: number): LimitProblem | undefined {
  const w = manualStateAlarmWindow(probeIntervalMinutes, manualStateMaxMinutes);
  const p = checkAlarmWindow(w.periodSeconds, w.evaluationPeriods);
  if (!p) return undefined;
  return {
    field: "schedule",
    value: `every ${probeIntervalMinutes} minutes`,
    allowed: `a probe interval whose ManualStateActive alarm fits CloudWatch's one day: ceil(manualStateMaxMinutes ${manualStateMaxMinutes} / ${probeIntervalMinutes}) = ${w.evaluationPeriods} periods × ${w.periodSeconds} s = ${w.periodSeconds * w.evaluationPeriods} s > ${ALARM_MAX_EVALUATION_SECONDS} s (pick an interval that divides manualStateMaxMinutes, or lower manualStateMaxMinutes)`,
  };
}

/**
 * A dashboard holds at most 500 widgets.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
 */
export const DASHBOARD_MAX_WIDGETS = 500;

/** The most breakers one dashboard can show at `widgetsPerBreaker` each (plus `fixedWidgets`). */
export function maxBreakersPerDashboard(widgetsPerBreaker: number, fixedWidgets = 0): number {
  return Math.floor((DASHBOARD_MAX_WIDGETS - fixedWidgets) / widgetsPerBreaker);
}

// ---------------------------------------------------------------------------------------------
// Health-probe input

/**
 * The health-probe schedule's input becomes the StartExecution input (at most EXECUTION_INPUT_MAX_BYTES). EventBridge
 * Scheduler documents no maximum for Target.Input, so StartExecution's bound is the one that applies; we keep 64 KiB
 * of it for our own fields, so the probe input (the request wrapped as the schedule sends it) may take 192 KiB.
 */
export const HEALTH_PROBE_INPUT_MAX_BYTES = EXECUTION_INPUT_MAX_BYTES - 65_536;

/** The probe request fits, wrapped as the schedule sends it ({"healthProbe": {"request": ...}}). */
export function checkHealthProbeInput(request: Record<string, unknown>): LimitProblem | undefined {
  const bytes = utf8Bytes(JSON.stringify({ healthProbe: { request } }));
  if (bytes <= HEALTH_PROBE_INPUT_MAX_BYTES) return undefined;
  return {
    field: "request",
    value: request,
    allowed: `a request whose probe input is at most ${HEALTH_PROBE_INPUT_MAX_BYTES} bytes of UTF-8 JSON (StartExecution's ${EXECUTION_INPUT_MAX_BYTES} minus 65536 kept for the breaker's own fields; EventBridge Scheduler documents no limit of its own); this one is ${bytes} bytes`,
  };
}

// ---------------------------------------------------------------------------------------------
// DynamoDB

/**
 * An item is at most 400 KB, attribute names included.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html (Item size)
 * Sizes: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
 */
export const DYNAMODB_ITEM_MAX_BYTES = 400 * 1024;
/** One partition (so one item) serves at most this per second. */
export const DYNAMODB_PARTITION_READ_UNITS = 3000;
export const DYNAMODB_PARTITION_WRITE_UNITS = 1000;

/** DynamoDB's size of a number: 1 byte per two significant digits, plus 1 (at most 21 bytes). */
export function dynamoNumberBytes(n: number): number {
  const digits = String(Math.abs(n)).replace(/[.-]/g, "").replace(/e.*$/, "").replace(/^0+/, "").replace(/0+$/, "").length;
  return Math.min(21, Math.ceil(Math.max(1, digits) / 2) + 1);
}

/**
 * The size of a bulkhead item as the DynamoDB store writes it: key attribute, TTL attribute and a map
 * `slots` of slot id (the execution name) -> lease expiry (epoch ms). A map costs 3 bytes, each element
 * 1 byte plus its name and value.
 */
export function bulkheadItemBytes(
  keyName: string,
  keyValue: string,
  ttlName: string,
  slotIds: readonly string[],
  expiryMs = 9_999_999_999_999,
): number {
  const s = utf8Bytes;
  const ttl = s(ttlName) + dynamoNumberBytes(Math.floor(expiryMs / 1000));
  const slots = s("slots") + 3 + slotIds.reduce((n, id) => n + s(id) + dynamoNumberBytes(expiryMs) + 1, 0);
  return s(keyName) + s(keyValue) + ttl + slots;
}

/** The bulkhead items are kept under three quarters of the item limit, so a DynamoDB sizing detail we miss cannot reach it. */
export const BULKHEAD_ITEM_MARGIN = 0.75;

/**
 * The most concurrent calls one DynamoDB bulkhead item holds with margin: every slot id as long as an
 * execution name can be (80 UTF-8 characters of up to 4 bytes: the worst case), and the longest breaker key.
 */
export function maxBulkheadSlots(keyName: string, maxKeyValue: string, ttlName: string): number {
  const worstId = "\u{10000}".repeat(EXECUTION_NAME_MAX_LENGTH); // 4 bytes per character
  const one = bulkheadItemBytes(keyName, maxKeyValue, ttlName, [worstId]) - bulkheadItemBytes(keyName, maxKeyValue, ttlName, []);
  const base = bulkheadItemBytes(keyName, maxKeyValue, ttlName, []);
  return Math.floor((DYNAMODB_ITEM_MAX_BYTES * BULKHEAD_ITEM_MARGIN - base) / one);
}

export function checkBulkheadSlots(maxConcurrentCalls: number, ceiling: number): LimitProblem | undefined {
  if (maxConcurrentCalls <= ceiling) return undefined;
  return {
    field: "maxConcurrentCalls",
    value: maxConcurrentCalls,
    allowed: `at most ${ceiling} with the DynamoDB store: the bulkhead keeps every slot in one item, and DynamoDB items hold at most ${DYNAMODB_ITEM_MAX_BYTES} bytes (kept under ${DYNAMODB_ITEM_MAX_BYTES * BULKHEAD_ITEM_MARGIN} bytes; a slot of an 80-character execution name takes up to ${EXECUTION_NAME_MAX_LENGTH * 4 + 9} bytes)`,
  };
}
