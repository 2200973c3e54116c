// The one breaker-name rule (stack config, scenario files, handler events, the operator CLI), sized so that
// every physical name built from a breaker name fits its AWS limit, Pulumi's autoname suffix included.
import { z } from "zod";

/** Pulumi autonaming appends "-" and 7 random characters to a resource's logical name. */
export const AUTONAME_SUFFIX_LENGTH = 8;

/**
 * Pulumi bounds project and stack names to 100 characters; the loader (components/config.ts) says so with a clear
 * error, and the breaker-name rule below reserves that much wherever they take part in a name.
 */
export const MAX_PROJECT_OR_STACK_LENGTH = 100;

/**
 * A physical name built per breaker: `template` with `<b>` the breaker name (also the component name, which
 * prefixes the children's logical names), `<p>` the project and `<s>` the stack, plus Pulumi's autoname suffix
 * when `autonamed`. Names the program bounds with components/iam.ts boundedName appear in the form used when
 * `<p>-<s>-` is too long (`cb` + 8 hex characters of its hash).
 */
export interface DerivedName {
  resource: string;
  template: string;
  /** AWS's limit on the name, in characters. */
  limit: number;
  autonamed: boolean;
}

/**
 * Every physical name components/circuit-breaker.ts builds from a breaker name (and its alarms, its own alarm
 * topic and schedule group when the stack gives none); the handler plane, the stack's schedule group and role and
 * the dashboard are per stack. Limits: IAM role 64, inline policy 128, Scheduler schedule and group 64, state
 * machine 80, alarm 255, SNS topic 256, log group 512, SSM parameter 1011 including the ARN in front of it (kept
 * here as 70 characters). tests/components/name-limits.test.ts builds
 * a stack and checks that each template matches a built name.
 */
export const DERIVED_NAMES: readonly DerivedName[] = [
  { resource: "IAM role (state machine)", template: "<b>-state-machine-role", limit: 64, autonamed: true },
  { resource: "IAM inline policy (state machine)", template: "<b>-state-machine-policy", limit: 128, autonamed: true },
  { resource: "SNS topic (the breaker's own alarm topic)", template: "<b>-alarms-topic", limit: 256, autonamed: true },
  { resource: "Scheduler schedule", template: "cb01234567-<b>-health-probe", limit: 64, autonamed: false },
  { resource: "Scheduler schedule group (the breaker's own)", template: "cb01234567-<b>-health-probes", limit: 64, autonamed: false },
  { resource: "state machine", template: "cb01234567-<b>", limit: 80, autonamed: false },
  { resource: "CloudWatch alarm (longest suffix)", template: "<p>-<s>-<b>-executions-timed-out", limit: 255, autonamed: false },
  { resource: "log group (state machine)", template: "/aws/vendedlogs/states/<p>-<s>-<b>", limit: 512, autonamed: false },
  { resource: "SSM parameter (settings)", template: "/<p>/<s>/<b>/settings", limit: 1011 - 70, autonamed: false },
];

/** The length of a derived name for a breaker name of `breakerLength` and the longest project and stack names. */
export function derivedNameLength(d: DerivedName, breakerLength: number, projectOrStackLength = MAX_PROJECT_OR_STACK_LENGTH): number {
  const count = (p: string) => d.template.split(p).length - 1;
  const fixed = d.template.replace(/<[bps]>/g, "").length;
  return (
    fixed +
    count("<b>") * breakerLength +
    (count("<p>") + count("<s>")) * projectOrStackLength +
    (d.autonamed ? AUTONAME_SUFFIX_LENGTH : 0)
  );
}

/** The longest breaker name for which every derived name fits (the binding one: the alarm with the longest suffix, 32). */
export const MAX_BREAKER_NAME_LENGTH = Math.min(...DERIVED_NAMES.map((d) => d.limit - derivedNameLength(d, 0)));

/** Letters, digits, _ and -, starting with a letter or digit: what IAM, Lambda, Scheduler and the stores all accept. */
export const BREAKER_NAME_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${MAX_BREAKER_NAME_LENGTH - 1}}$`);
export const BREAKER_NAME_DOC = `a breaker name: 1 to ${MAX_BREAKER_NAME_LENGTH} letters, digits, _ or -, starting with a letter or digit`;

export const breakerNameSchema = z
  .string({ error: BREAKER_NAME_DOC })
  .regex(BREAKER_NAME_PATTERN, { error: BREAKER_NAME_DOC })
  .meta({ description: BREAKER_NAME_DOC });

/** Pulumi's own rule for project and stack names, with its 100-character bound (which the names above rely on). */
export const PROJECT_OR_STACK_DOC = `1 to ${MAX_PROJECT_OR_STACK_LENGTH} letters, digits, _ . or - (Pulumi's rule; breaker resource names are sized for it)`;
export const PROJECT_OR_STACK_PATTERN = new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_PROJECT_OR_STACK_LENGTH}}$`);

/** True when `name` follows the breaker-name rule. */
export function isBreakerName(name: unknown): name is string {
  return typeof name === "string" && BREAKER_NAME_PATTERN.test(name);
}
