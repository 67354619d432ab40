import type { CacheHealth, CachePin, CacheRequest, CacheStats, ReadCache } from './read-cache.ts';

/**
 * The cache when CACHE_ENABLED=false: every list and detail read goes to the
 * database. API key lookups still go through `credentials`, a cache used for
 * that kind alone, so authentication costs no database round trip per
 * request. Invalidations (a revoked key) and clears are passed on to it.
 */
export class DisabledReadCache implements ReadCache {
  private bypassed = 0;
  /** List and detail loads: count, failures, total and maximum duration in milliseconds. */
  private readonly loads = { count: 0, errors: 0, totalMs: 0, maxMs: 0 };

  constructor(private readonly credentials: ReadCache) {}

  async getOrSet<T>(request: CacheRequest<T>): Promise<T> {
    if (request.kind === 'apiKey') return this.credentials.getOrSet(request);
    this.bypassed += 1;
    return this.load(request);
  }

  async refresh<T>(request: CacheRequest<T>): Promise<T> {
    if (request.kind === 'apiKey') return this.credentials.refresh(request);
    return this.load(request);
  }

  invalidateTags(tags: readonly string[]): Promise<void> {
    return this.credentials.invalidateTags(tags);
  }

  /** Undefined for every list and detail value, so the response memo never replays their responses. */
  pin(value: unknown): CachePin | undefined {
    return this.credentials.pin(value);
  }

  servePinned(): boolean {
    return false;
  }

  clear(): Promise<void> {
    return this.credentials.clear();
  }

  /** The API key cache's counts plus the list and detail reads, which all count as bypassed loads. */
  stats(): CacheStats {
    const inner = this.credentials.stats();
    const requests = { ...inner.requests, bypass: inner.requests.bypass + this.bypassed };
    const total = Object.values(requests).reduce((sum, count) => sum + count, 0);
    const hits = requests.l1 + requests.l2 + requests.stale;
    const count = inner.loads.count + this.loads.count;
    const totalMs = (inner.loads.meanMs ?? 0) * inner.loads.count + this.loads.totalMs;
    const maxMs = Math.max(inner.loads.maxMs ?? 0, this.loads.maxMs);
    return {
      ...inner,
      backend: 'disabled',
      requests,
      hitRate: total === 0 ? null : hits / total,
      loads: {
        count,
        errors: inner.loads.errors + this.loads.errors,
        meanMs: count === 0 ? null : Math.round((totalMs / count) * 1000) / 1000,
        maxMs: count === 0 ? null : Math.round(maxMs * 1000) / 1000,
      },
    };
  }

  health(): CacheHealth {
    return { ...this.credentials.health(), backend: 'disabled' };
  }

  close(): Promise<void> {
    return this.credentials.close();
  }

  private async load<T>(request: CacheRequest<T>): Promise<T> {
    const started = performance.now();
    let failed = true;
    try {
      const value = await request.load();
      failed = false;
      return value;
    } finally {
      const durationMs = performance.now() - started;
      this.loads.count += 1;
      this.loads.errors += Number(failed);
      this.loads.totalMs += durationMs;
      this.loads.maxMs = Math.max(this.loads.maxMs, durationMs);
    }
  }
}
