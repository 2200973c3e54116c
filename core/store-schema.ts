// How both stores lay out a breaker's state, defined once: the DynamoDB table's key and TTL attribute and the
// Redis keys. The stores write these; the Pulumi component builds the table and scopes the cache user by them.

import { ATTR } from "./contracts";

/** The table's hash key (type S): the breaker name (bulkhead items: `<breaker>#bulkhead`). */
export const BREAKER_TABLE_KEY = ATTR.key;
/** The default TTL attribute (epoch seconds, type N). */
export const TTL_ATTRIBUTE = ATTR.expiresAt;

/** The prefix of every key the Redis store writes (the serverless cache user may touch only these). */
export const REDIS_KEY_PREFIX = "cb:";

/** The hash of a breaker. The braces make it a cluster hash tag, so the bulkhead key lands in the same slot. */
export function redisKey(breaker: string): string {
  return `${REDIS_KEY_PREFIX}{${breaker}}`;
}

export function bulkheadKey(breaker: string): string {
  return `${redisKey(breaker)}:bulkhead`;
}

/** The DynamoDB bulkhead item's key: the breaker's name plus this suffix (one item per breaker). */
export const BULKHEAD_SUFFIX = "#bulkhead";
