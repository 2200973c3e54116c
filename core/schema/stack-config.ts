// Parts of the stack config (Pulumi.<stack>.yaml) as zod schemas: tags and DynamoDB replica regions.
// components/config.ts applies them; the rest of the stack config still goes through its Checker.
import { z } from "zod";

/** The regions @pulumi/aws knows (its Region enum); tests/core/schema-artifacts.test.ts fails when they differ. */
export const AWS_REGIONS = ["af-south-1","ap-east-1","ap-east-2","ap-northeast-1","ap-northeast-2","ap-northeast-3","ap-south-1","ap-south-2","ap-southeast-1","ap-southeast-2","ap-southeast-3","ap-southeast-4","ap-southeast-5","ap-southeast-6","ap-southeast-7","ca-central-1","ca-west-1","eu-central-1","eu-central-2","eu-north-1","eu-south-1","eu-south-2","eu-west-1","eu-west-2","eu-west-3","il-central-1","me-central-1","me-south-1","mx-central-1","sa-east-1","us-east-1","us-east-2","us-west-1","us-west-2","cn-north-1","cn-northwest-1","eusc-de-east-1","us-gov-east-1","us-gov-west-1","us-iso-east-1","us-iso-west-1","us-isob-east-1","us-isob-west-1","eu-isoe-west-1","us-isof-east-1","us-isof-south-1"] as const;

/** Tags our own resources carry for scoping; the policy pack reads them, so a user may not set them. */
export const RESERVED_TAG_KEYS = ["circuitbreaker:role", "circuitbreaker:handler", "breaker"] as const;
/** The stack's own tags on a resource at most: project, stack, breaker, circuitbreaker:role, circuitbreaker:handler. */
export const STACK_TAG_COUNT = 5;
/** AWS allows 50 tags per resource. */
export const MAX_USER_TAGS = 50 - STACK_TAG_COUNT;

const TAG_KEY_DOC = "a tag key of 1 to 128 characters (letters, digits, spaces, _ . : / = + - @), not starting with aws: in any case";
const TAG_VALUE_DOC = "a string of up to 256 characters (letters, digits, spaces, _ . : / = + - @)";
/** Spaces only (no tabs or newlines): AWS's tag character set, which "\s" would widen. */
export const TAG_KEY_PATTERN = /^(?![aA][wW][sS]:)[\p{L}\p{N} _.:/=+@-]{1,128}$/u;
export const TAG_VALUE_PATTERN = /^[\p{L}\p{N} _.:/=+@-]{0,256}$/u;

export const tagsSchema = z
  .record(z.string(), z.string({ error: TAG_VALUE_DOC }).regex(TAG_VALUE_PATTERN, { error: TAG_VALUE_DOC }), { error: "an object of tag names to string values" })
  .superRefine((tags, ctx) => {
    const keys = Object.keys(tags);
    for (const k of keys) {
      if (!TAG_KEY_PATTERN.test(k)) ctx.addIssue({ code: "custom", path: [k], input: k, message: TAG_KEY_DOC });
      else if ((RESERVED_TAG_KEYS as readonly string[]).includes(k.toLowerCase()))
        ctx.addIssue({ code: "custom", path: [k], input: k, message: `a key other than ${RESERVED_TAG_KEYS.join(", ")} (the stack sets these itself; the policy pack reads them)` });
    }
    if (keys.length > MAX_USER_TAGS) {
      ctx.addIssue({ code: "custom", path: [], input: `${keys.length} tags`, message: `at most ${MAX_USER_TAGS} tags (AWS allows 50 per resource and the stack adds ${STACK_TAG_COUNT})` });
    }
  });

/** replicaRegions: known regions, each once, never the stack's own region. */
export function replicaRegionsSchema(ownRegion: string | undefined) {
  const doc = "a known AWS region name such as eu-west-1";
  return z
    .array(z.enum(AWS_REGIONS, { error: doc }), { error: "a list of AWS region names" })
    .superRefine((regions, ctx) => {
      regions.forEach((r, i) => {
        if (r === ownRegion) ctx.addIssue({ code: "custom", path: [i], input: r, message: `a region other than the stack's own (${ownRegion}); the table is already there` });
        else if (regions.indexOf(r) !== i) ctx.addIssue({ code: "custom", path: [i], input: r, message: "each region at most once" });
      });
    });
}
