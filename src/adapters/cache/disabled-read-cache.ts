import type { CacheHealth, CachePin, CacheRequest, CacheStats, ReadCache } from './read-cache.ts';

/** The cache when CACHE_ENABLED=false: every read goes to the database. */
export class DisabledReadCache implements ReadCache {
  private requests = 0;

  async getOrSet<T>(request: CacheRequest<T>): Promise<T> {
    this.requests += 1;
    return request.load();
  }

  async refresh<T>(request: CacheRequest<T>): Promise<T> {
    return request.load();
  }

  async invalidateTags(): Promise<void> {}

  pin(): CachePin | undefined {
    return undefined;
  }

  servePinned(): boolean {
    return false;
  }

  async clear(): Promise<void> {}

  stats(): CacheStats {
    return {
      backend: 'disabled',
      requests: { l1: 0, l2: 0, stale: 0, miss: 0, bypass: this.requests },
      hitRate: null,
      loads: { count: this.requests, errors: 0, meanMs: null, maxMs: null },
      lookupMeanMs: { l1: null, l2: null },
      invalidations: 0,
      rejectedWrites: 0,
      redisErrors: 0,
      l1Items: 0,
    };
  }

  health(): CacheHealth {
    return { status: 'ok', backend: 'disabled' };
  }

  async close(): Promise<void> {}
}
