// The one breaker-name rule (stack config, scenario files, handler events, the operator CLI), sized so that
// every physical name derived from a breaker name fits its AWS limit, Pulumi's autoname suffix included.
import { z } from "zod";

/** Pulumi autonaming appends "-" and 7 random characters to a resource's logical name. */
export const AUTONAME_SUFFIX_LENGTH = 8;

/**
 * The longest physical names built from a breaker name `<b>` (components/circuit-breaker.ts: the component is
 * named for the breaker, its children `<b>-<role>`), with the AWS limit of each. The breaker-name limit below
 * is computed from this table; tests/components checks every name of a stack built with the longest name.
 */
export const DERIVED_NAMES: readonly { resource: string; suffix: string; limit: number; autonamed: boolean }[] = [
  { resource: "IAM role (schedule)", suffix: "-health-probe-schedule-role", limit: 64, autonamed: true },
  { resource: "IAM policy (schedule)", suffix: "-health-probe-schedule-policy", limit: 64, autonamed: true },
  { resource: "IAM role (function)", suffix: "-report-store-error-role", limit: 64, autonamed: true },
  { resource: "IAM policy (function)", suffix: "-report-store-error-policy", limit: 64, autonamed: true },
  { resource: "Lambda function", suffix: "-report-store-error", limit: 64, autonamed: true },
  { resource: "Scheduler schedule", suffix: "-health-probe-schedule", limit: 64, autonamed: true },
  { resource: "state machine", suffix: "-state-machine", limit: 80, autonamed: true },
  { resource: "CloudWatch alarm", suffix: "-manual-state-active-alarm", limit: 255, autonamed: true },
  { resource: "log group", suffix: "-report-store-error-logs", limit: 512, autonamed: true },
];

/** The longest breaker name for which every derived name fits. */
export const MAX_BREAKER_NAME_LENGTH = Math.min(
  ...DERIVED_NAMES.map((d) => d.limit - d.suffix.length - (d.autonamed ? AUTONAME_SUFFIX_LENGTH : 0)),
);

/** Letters, digits, _ and -, starting with a letter or digit: what IAM, Lambda, Scheduler and the stores all accept. */
export const BREAKER_NAME_PATTERN = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_-]{0,${MAX_BREAKER_NAME_LENGTH - 1}}$`);
export const BREAKER_NAME_DOC = `a breaker name: 1 to ${MAX_BREAKER_NAME_LENGTH} letters, digits, _ or -, starting with a letter or digit`;

export const breakerNameSchema = z
  .string({ error: BREAKER_NAME_DOC })
  .regex(BREAKER_NAME_PATTERN, { error: BREAKER_NAME_DOC })
  .meta({ description: BREAKER_NAME_DOC });

/**
 * Project and stack names appear only in the SSM settings parameter (`/<project>/<stack>/<b>/settings`, limit
 * 2048) and the state machine's log group (`/aws/vendedlogs/states/<project>-<stack>-<b>`, limit 512). Pulumi
 * bounds both names to 100 characters, so those names always fit; this bound says so with a clear error.
 */
export const MAX_PROJECT_OR_STACK_LENGTH = 100;
export const projectOrStackSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.-]+$/, { error: "letters, digits, _ . -" })
  .max(MAX_PROJECT_OR_STACK_LENGTH, { error: `at most ${MAX_PROJECT_OR_STACK_LENGTH} characters` });

/** True when `name` follows the breaker-name rule. */
export function isBreakerName(name: unknown): name is string {
  return typeof name === "string" && BREAKER_NAME_PATTERN.test(name);
}
