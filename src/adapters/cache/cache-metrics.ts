import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { CacheKind, CacheOutcome, CacheStats } from './read-cache.ts';

const OUTCOMES: readonly CacheOutcome[] = ['l1', 'l2', 'stale', 'miss', 'bypass'];

type OutcomeCounts = Record<CacheOutcome, number>;

function zeroCounts(): OutcomeCounts {
  return { l1: 0, l2: 0, stale: 0, miss: 0, bypass: 0 };
}

/** Totals for `stats()` plus the same figures as Prometheus metrics on the platform registry. */
export class CacheMetrics {
  private readonly counts = zeroCounts();
  /** The same counts by kind, which the Prometheus counter reads when scraped. */
  private readonly countsByKind = new Map<CacheKind, OutcomeCounts>();
  private readonly lookupTotalMs = { l1: 0, l2: 0 };
  private loads = { count: 0, errors: 0, totalMs: 0, maxMs: 0 };
  private invalidations = 0;
  private rejectedWrites = 0;
  private redisErrors = 0;
  private readonly loadHistogram: Histogram<'kind'>;
  private readonly invalidationsCounter: Counter;
  private readonly rejectedWritesCounter: Counter;
  private readonly redisErrorsCounter: Counter;

  constructor(registry: Registry, redisUp: () => number | null) {
    const registers = [registry];
    const countsByKind = this.countsByKind;
    // Most API requests make two cached reads (the API key, then the data),
    // so recording one only adds to plain numbers, and this counter copies
    // them when scraped.
    new Counter({
      name: 'cleanroom_cache_requests_total',
      help: 'Cached reads by kind and outcome: l1 and l2 hits, stale (grace) hits, misses, bypasses while Redis is unavailable.',
      labelNames: ['kind', 'outcome'],
      registers,
      collect() {
        this.reset();
        for (const [kind, counts] of countsByKind) {
          for (const outcome of OUTCOMES) {
            if (counts[outcome] > 0) this.inc({ kind, outcome }, counts[outcome]);
          }
        }
      },
    });
    this.loadHistogram = new Histogram({
      name: 'cleanroom_cache_load_duration_seconds',
      help: 'Duration of cache loaders (database reads on a miss), in seconds.',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    });
    this.invalidationsCounter = new Counter({
      name: 'cleanroom_cache_invalidations_total',
      help: 'Tag invalidations run by this process.',
      registers,
    });
    this.rejectedWritesCounter = new Counter({
      name: 'cleanroom_cache_rejected_writes_total',
      help: 'Loaded values not cached because an invalidation of their tags ran during the load.',
      registers,
    });
    this.redisErrorsCounter = new Counter({
      name: 'cleanroom_cache_redis_errors_total',
      help: 'Failed or timed-out Redis commands of the cache; each one made a request bypass the cache.',
      registers,
    });
    new Gauge({
      name: 'cleanroom_cache_redis_up',
      help: '1 while the cache can use Redis, 0 while it bypasses it; absent without REDIS_URL.',
      registers,
      collect() {
        const up = redisUp();
        if (up !== null) this.set(up);
      },
    });
  }

  recordRequest(kind: CacheKind, outcome: CacheOutcome, lookupMs: number): void {
    this.counts[outcome] += 1;
    let counts = this.countsByKind.get(kind);
    if (counts === undefined) this.countsByKind.set(kind, (counts = zeroCounts()));
    counts[outcome] += 1;
    if (outcome === 'l1' || outcome === 'l2') this.lookupTotalMs[outcome] += lookupMs;
  }

  recordLoad(kind: CacheKind, durationMs: number, failed: boolean): void {
    this.loads.count += 1;
    if (failed) this.loads.errors += 1;
    this.loads.totalMs += durationMs;
    this.loads.maxMs = Math.max(this.loads.maxMs, durationMs);
    this.loadHistogram.observe({ kind }, durationMs / 1000);
  }

  recordInvalidation(): void {
    this.invalidations += 1;
    this.invalidationsCounter.inc();
  }

  recordRejectedWrite(): void {
    this.rejectedWrites += 1;
    this.rejectedWritesCounter.inc();
  }

  recordRedisError(): void {
    this.redisErrors += 1;
    this.redisErrorsCounter.inc();
  }

  snapshot(backend: CacheStats['backend'], l1Items: number): CacheStats {
    const total = OUTCOMES.reduce((sum, outcome) => sum + this.counts[outcome], 0);
    const hits = this.counts.l1 + this.counts.l2 + this.counts.stale;
    return {
      backend,
      requests: { ...this.counts },
      hitRate: total === 0 ? null : hits / total,
      loads: {
        count: this.loads.count,
        errors: this.loads.errors,
        meanMs: mean(this.loads.totalMs, this.loads.count),
        maxMs: this.loads.count === 0 ? null : round(this.loads.maxMs),
      },
      lookupMeanMs: {
        l1: mean(this.lookupTotalMs.l1, this.counts.l1),
        l2: mean(this.lookupTotalMs.l2, this.counts.l2),
      },
      invalidations: this.invalidations,
      rejectedWrites: this.rejectedWrites,
      redisErrors: this.redisErrors,
      l1Items,
    };
  }
}

function mean(totalMs: number, count: number): number | null {
  return count === 0 ? null : round(totalMs / count);
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
