/**
 * Kinds of cached reads; each has its own time to live and tiers (see
 * `CachePolicy`), set from the configuration.
 */
export type CacheKind = 'list' | 'detail' | 'apiKey';

export interface CacheRequest<T> {
  /** Key unique to the read and its caller's scope; build it with `cacheKey`. */
  key: string;
  kind: CacheKind;
  /** Tags an invalidation matches; a function receives the loaded value, for tags only known after the load. */
  tags: readonly string[] | ((value: T) => readonly string[]);
  /** Reads the value from the database; a rejection is passed to the caller and nothing is cached. */
  load: () => Promise<T>;
}

/**
 * A value a cache tier served, with its key and kind. The HTTP response memo
 * keeps pins of the values a response was made of and replays the response
 * while `servePinned` finds each value still current.
 */
export interface CachePin {
  readonly key: string;
  readonly kind: CacheKind;
  readonly value: object;
  /** Tier the value is read from: `l1` for process memory, `l2` for Redis alone (CACHE_L1_ENABLED=false). */
  readonly tier: 'l1' | 'l2';
}

/** Source of the value one `getOrSet` returned: a tier, a grace entry, the loader, or a bypass. */
export type CacheOutcome = 'l1' | 'l2' | 'stale' | 'miss' | 'bypass';

export interface CacheStats {
  backend: 'memory' | 'memory+redis' | 'disabled';
  /** Count of `getOrSet` calls by outcome since the process started. */
  requests: Record<CacheOutcome, number>;
  /** Share of requests answered from a tier (fresh or in grace), 0 to 1; null before the first request. */
  hitRate: number | null;
  /** Calls of the loader (database reads), their failures and durations in milliseconds. */
  loads: { count: number; errors: number; meanMs: number | null; maxMs: number | null };
  /** Lookup time of requests answered from the in-process tier and from Redis, mean in milliseconds. */
  lookupMeanMs: { l1: number | null; l2: number | null };
  invalidations: number;
  /** Loaded values not cached because an invalidation of one of their tags ran during the load. */
  rejectedWrites: number;
  redisErrors: number;
  l1Items: number;
}

export interface CacheHealth {
  status: 'ok' | 'degraded';
  backend: CacheStats['backend'];
  /** Present when Redis is configured. */
  redis?: { status: 'ready' | 'connecting' | 'down'; lastError: string | null; since: string };
}

/**
 * Cache of read results in front of the database. Reads scoped to one
 * organization carry it in their key; every write that changes a cached read
 * invalidates its tags before returning, so a read that starts after the
 * write returned never gets the old value from this process.
 */
export interface ReadCache {
  getOrSet<T>(request: CacheRequest<T>): Promise<T>;
  /** Loads now and caches the result, without serving a cached value; for a write that re-reads what it changed. */
  refresh<T>(request: CacheRequest<T>): Promise<T>;
  invalidateTags(tags: readonly string[]): Promise<void>;
  /** The pin of an object `getOrSet` returned from a tier, or undefined for any other value. */
  pin(value: unknown): CachePin | undefined;
  /**
   * True when each pinned value is still the fresh value of its key, and
   * Redis, when configured, is usable. It then counts one hit per pin, as
   * `getOrSet` would have. A value past its time to live, invalidated,
   * evicted or replaced makes it false. So does a Redis outage, because every
   * read bypasses the cache during one. In-process pins are checked at once; a
   * Redis pin needs a GET, so with one the answer is a promise.
   */
  servePinned(pins: readonly CachePin[]): boolean | Promise<boolean>;
  clear(): Promise<void>;
  stats(): CacheStats;
  health(): CacheHealth;
  close(): Promise<void>;
}
