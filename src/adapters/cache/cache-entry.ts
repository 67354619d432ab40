/** One cached value with its freshness; stored as is in process memory and as JSON in Redis. */
export interface CacheEntry<T = unknown> {
  value: T;
  /** Epoch milliseconds until which the value is served without a reload. */
  freshUntil: number;
  /** Epoch milliseconds until which the value may still be served while a reload runs (the grace period). */
  staleUntil: number;
  tags: readonly string[];
}

/** Time to live and tiers of one kind of cached read. */
export interface CachePolicy {
  ttlMs: number;
  /** Extra time an expired value is served while one reload refreshes it; 0 turns grace off. */
  graceMs: number;
  /** Keep values in process memory. */
  l1: boolean;
  /** Keep values in Redis, when Redis is configured. */
  l2: boolean;
}

export function createEntry<T>(
  value: T,
  tags: readonly string[],
  policy: CachePolicy,
  now: number,
): CacheEntry<T> {
  return {
    value,
    tags,
    freshUntil: now + policy.ttlMs,
    staleUntil: now + policy.ttlMs + policy.graceMs,
  };
}
