import { setTimeout as sleep } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { Logger } from '../logging/logger.ts';
import type { RedisConnection } from '../redis/redis-connection.ts';
import { CacheBus } from './cache-bus.ts';
import { createEntry, type CacheEntry, type CachePolicy } from './cache-entry.ts';
import { CacheMetrics } from './cache-metrics.ts';
import { LocalTier } from './local-tier.ts';
import { PendingInvalidations } from './pending-invalidations.ts';
import { RateLimitedWarning } from './rate-limited-warning.ts';
import type {
  CacheHealth,
  CacheKind,
  CachePin,
  CacheRequest,
  CacheStats,
  ReadCache,
} from './read-cache.ts';
import { RedisLivenessCheck } from './redis-liveness-check.ts';
import { RedisTier } from './redis-tier.ts';

export interface TwoTierRedisOptions {
  commands: RedisConnection;
  /** A second connection, because a subscribed ioredis client cannot run other commands. */
  subscriber: RedisConnection;
  /** Prefix of every key and of the bus channel, ending with a colon. */
  prefix: string;
  /** Interval of the PING that detects a hung Redis server, in milliseconds; 1000 when absent. */
  livenessIntervalMs?: number;
}

export interface TwoTierReadCacheOptions {
  policies: Record<CacheKind, CachePolicy>;
  /** Entries the in-process tier keeps before it evicts the least recently used. */
  l1MaxItems: number;
  /** Without it the cache lives in process memory only. */
  redis?: TwoTierRedisOptions;
  metrics: Registry;
  log: Logger;
  /** Clock in epoch milliseconds; tests pass a fake one. */
  now?: () => number;
  /** How long a process holds the loader lock of a key, in milliseconds. */
  lockTtlMs?: number;
  /** How long a process waits for another one's loader before it loads itself, in milliseconds; 500 when absent. */
  lockWaitMs?: number;
}

/** Interval of the recovery check while Redis is back but invalidations are pending, in milliseconds. */
const RECOVERY_INTERVAL_MS = 1_000;
const DEFAULT_LIVENESS_INTERVAL_MS = 1_000;
const DEFAULT_LOCK_WAIT_MS = 500;
const REDIS_FAILED = Symbol('redis failed');

interface InflightLoad {
  startSequence: number;
  promise: Promise<unknown>;
}

/**
 * Two-tier read cache: process memory (L1) in front of Redis (L2), or L1
 * alone without Redis. One loader runs per key and process, and with Redis
 * one per key across processes (a Redis lock). Values past their time to
 * live are served during the grace period while one reload runs.
 * Invalidations delete by tag in both tiers and reach the other processes'
 * L1 through Redis pub/sub. A value loaded before an invalidation of its
 * tags is never written back. While Redis is unreachable or failing, every
 * request bypasses the cache and reads the database, and invalidations are
 * replayed once it returns.
 */
export class TwoTierReadCache implements ReadCache {
  private readonly local: LocalTier;
  private readonly remote: RedisTier | null = null;
  private readonly bus: CacheBus | null = null;
  private readonly inflight = new Map<string, InflightLoad>();
  /** Loads running while the cache is bypassed, by key (see `loadOnceWhileBypassed`). */
  private readonly bypassLoads = new Map<string, InflightLoad>();
  private readonly metrics: CacheMetrics;
  private readonly now: () => number;
  private readonly redisWarning: RateLimitedWarning;
  private readonly pending = new PendingInvalidations();
  /** Pins of the objects served from a tier, by object (see `pin`). */
  private readonly pins = new WeakMap<object, CachePin>();
  /**
   * Set when a Redis connection drops or a command fails, until the next
   * recovery (at most RECOVERY_INTERVAL_MS later) clears L1, which may have
   * missed invalidations. Meanwhile requests bypass Redis without waiting
   * for command timeouts, which makes this a circuit breaker too.
   */
  private needsRecovery = true;
  private recovering = false;
  /** Set once Redis first served the cache, so the log can tell a start from a recovery. */
  private usedRedis = false;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private liveness: RedisLivenessCheck | undefined;

  constructor(private readonly options: TwoTierReadCacheOptions) {
    this.local = new LocalTier(options.l1MaxItems);
    this.now = options.now ?? Date.now;
    this.redisWarning = new RateLimitedWarning(options.log, 'cache bypassed after a redis error');
    this.metrics = new CacheMetrics(options.metrics, () =>
      options.redis ? Number(this.redisUsable()) : null,
    );
    if (!options.redis) return;

    const { commands, subscriber, prefix } = options.redis;
    this.remote = new RedisTier(commands.client, prefix);
    this.bus = new CacheBus(commands, subscriber, `${prefix}bus`, options.log);
    this.bus.start({
      onInvalidate: (tags) => this.local.invalidate(tags),
      onClear: () => this.local.clear(),
    });
    for (const connection of [commands, subscriber]) {
      connection.client.on('close', () => (this.needsRecovery = true));
      connection.client.on('ready', () => void this.recover());
    }
    this.recoveryTimer = setInterval(() => void this.recover(), RECOVERY_INTERVAL_MS).unref();
    this.liveness = new RedisLivenessCheck(
      [commands, subscriber],
      options.redis.livenessIntervalMs ?? DEFAULT_LIVENESS_INTERVAL_MS,
      (error) => this.markRedisFailed('ping', error),
      // After a hang the connections never emit 'ready' again, so a PING that works starts the recovery.
      () => void this.recover(),
    );
    this.liveness.start();
    void this.recover();
  }

  async getOrSet<T>(request: CacheRequest<T>): Promise<T> {
    const started = performance.now();
    const policy = this.options.policies[request.kind];
    if (this.remote && !this.redisUsable()) return this.bypass(request, started);

    const now = this.now();
    const local = policy.l1 ? this.local.get(request.key, now) : undefined;
    if (local) return this.serve(request, policy, local as CacheEntry<T>, 'l1', started);

    if (policy.l2 && this.remote) {
      const remote = await this.readRemote(request.key, policy);
      if (remote === REDIS_FAILED) return this.bypass(request, started);
      if (remote) return this.serve(request, policy, remote as CacheEntry<T>, 'l2', started);
    }

    this.metrics.recordRequest(request.kind, 'miss', performance.now() - started);
    return this.loadShared(request, policy);
  }

  async refresh<T>(request: CacheRequest<T>): Promise<T> {
    if (this.remote && !this.redisUsable()) return this.timedLoad(request);
    return this.loadShared(request, this.options.policies[request.kind]);
  }

  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;

    this.metrics.recordInvalidation();
    this.local.invalidate(tags);
    if (!this.remote || !this.bus) return;

    const bus = this.bus;
    const remote = this.remote;
    const done = this.redisUsable()
      ? await this.tryRedis('invalidate', async () => {
          await remote.invalidate(tags);
          await bus.publishInvalidation(tags);
        })
      : REDIS_FAILED;
    if (done === REDIS_FAILED) this.pending.add(tags);
  }

  pin(value: unknown): CachePin | undefined {
    return typeof value === 'object' && value !== null ? this.pins.get(value) : undefined;
  }

  servePinned(pins: readonly CachePin[]): boolean | Promise<boolean> {
    const started = performance.now();
    if (this.remote && !this.redisUsable()) return false;

    const now = this.now();
    let remotePins = 0;
    for (const pin of pins) {
      if (pin.tier === 'l2') {
        remotePins += 1;
        continue;
      }
      // get() also marks the entry recently used, as a getOrSet hit does.
      const entry = this.local.get(pin.key, now);
      if (entry?.value !== pin.value || entry.freshUntil <= now) return false;
    }
    if (remotePins > 0) return this.serveRemotePins(pins, started);

    this.recordPinnedHits(pins, started);
    return true;
  }

  async clear(): Promise<void> {
    this.local.clear();
    if (!this.remote || !this.bus) return;

    const bus = this.bus;
    const remote = this.remote;
    const done = await this.tryRedis('clear', async () => {
      await remote.clear();
      await bus.publishClear();
    });
    if (done === REDIS_FAILED) this.pending.addClear();
  }

  stats(): CacheStats {
    return this.metrics.snapshot(this.backend(), this.local.size);
  }

  health(): CacheHealth {
    const redis = this.options.redis;
    if (!redis) return { status: 'ok', backend: 'memory' };

    const states = [redis.commands.state(), redis.subscriber.state()];
    const worst = states.find((state) => state.status !== 'ready') ?? states[0]!;
    return {
      status: this.redisUsable() ? 'ok' : 'degraded',
      backend: 'memory+redis',
      redis: { status: worst.status, lastError: worst.lastError, since: worst.since },
    };
  }

  async close(): Promise<void> {
    clearInterval(this.recoveryTimer);
    this.liveness?.stop();
    await Promise.allSettled([...this.inflight.values()].map((load) => load.promise));
    await this.options.redis?.subscriber.close();
    await this.options.redis?.commands.close();
  }

  private backend(): CacheStats['backend'] {
    return this.remote ? 'memory+redis' : 'memory';
  }

  /** Redis serves the cache only while both connections are up, L1 has been cleared since the last drop, and no invalidation waits for replay. */
  private redisUsable(): boolean {
    const redis = this.options.redis;
    if (!redis) return false;
    if (this.needsRecovery || !this.pending.isEmpty) return false;
    return redis.commands.isReady() && redis.subscriber.isReady();
  }

  private serve<T>(
    request: CacheRequest<T>,
    policy: CachePolicy,
    entry: CacheEntry<T>,
    tier: 'l1' | 'l2',
    started: number,
  ): T {
    const fresh = entry.freshUntil > this.now();
    this.metrics.recordRequest(request.kind, fresh ? tier : 'stale', performance.now() - started);
    this.pinServed(request, entry.value, policy);
    if (!fresh) {
      this.loadShared(request, policy).catch((error: unknown) => {
        this.options.log.warn(
          { err: error, key: request.key },
          'cache refresh in grace period failed',
        );
      });
    }
    return entry.value;
  }

  /** Pins a served object. A Redis hit copied to L1 counts as in-process, because the next read finds it there. */
  private pinServed<T>(request: CacheRequest<T>, value: T, policy: CachePolicy): void {
    if (typeof value !== 'object' || value === null || this.pins.has(value)) return;
    const tier = policy.l1 ? 'l1' : 'l2';
    this.pins.set(value, { key: request.key, kind: request.kind, value, tier });
  }

  /** Reads each Redis pin's entry again; the tier returns the same object while the stored bytes are unchanged. */
  private async serveRemotePins(pins: readonly CachePin[], started: number): Promise<boolean> {
    for (const pin of pins) {
      if (pin.tier !== 'l2') continue;
      const entry = await this.readRemote(pin.key, this.options.policies[pin.kind]);
      if (entry === REDIS_FAILED || entry?.value !== pin.value) return false;
      if (entry.freshUntil <= this.now()) return false;
    }
    this.recordPinnedHits(pins, started);
    return true;
  }

  private recordPinnedHits(pins: readonly CachePin[], started: number): void {
    const lookupMs = (performance.now() - started) / pins.length;
    for (const pin of pins) this.metrics.recordRequest(pin.kind, pin.tier, lookupMs);
  }

  private async bypass<T>(request: CacheRequest<T>, started: number): Promise<T> {
    this.metrics.recordRequest(request.kind, 'bypass', performance.now() - started);
    return this.loadOnceWhileBypassed(request);
  }

  /**
   * Runs one load per key at a time while the cache is bypassed, and stores
   * nothing. A request joins the running load of its key unless an
   * invalidation ran since that load began, the rule `loadShared` follows.
   * Without it, every request of an outage read the database, and the
   * requests that waited for the timed-out Redis command all loaded at once.
   */
  private loadOnceWhileBypassed<T>(request: CacheRequest<T>): Promise<T> {
    const running = this.bypassLoads.get(request.key);
    if (running && running.startSequence === this.local.sequence)
      return running.promise as Promise<T>;

    const startSequence = this.local.sequence;
    const promise = this.timedLoad(request).finally(() => {
      if (this.bypassLoads.get(request.key)?.promise === promise)
        this.bypassLoads.delete(request.key);
    });
    this.bypassLoads.set(request.key, { startSequence, promise });
    return promise;
  }

  /** Reads an entry from Redis and copies it to L1, unless an invalidation of its tags ran meanwhile. */
  private async readRemote(
    key: string,
    policy: CachePolicy,
  ): Promise<CacheEntry | undefined | typeof REDIS_FAILED> {
    const remote = this.remote!;
    const startSequence = this.local.beginLoad();
    try {
      const entry = await this.tryRedis('get', () => remote.get(key));
      if (entry && entry !== REDIS_FAILED && policy.l1) this.local.set(key, entry, startSequence);
      return entry;
    } finally {
      this.local.endLoad(startSequence);
    }
  }

  /** Joins the load of the same key already running in this process, unless an invalidation ran since it began. */
  private loadShared<T>(request: CacheRequest<T>, policy: CachePolicy): Promise<T> {
    const running = this.inflight.get(request.key);
    if (running && running.startSequence === this.local.sequence)
      return running.promise as Promise<T>;

    const startSequence = this.local.beginLoad();
    const promise = this.loadAndStore(request, policy, startSequence).finally(() => {
      this.local.endLoad(startSequence);
      if (this.inflight.get(request.key)?.promise === promise) this.inflight.delete(request.key);
    });
    this.inflight.set(request.key, { startSequence, promise });
    return promise;
  }

  private async loadAndStore<T>(
    request: CacheRequest<T>,
    policy: CachePolicy,
    startSequence: number,
  ): Promise<T> {
    if (policy.l2 && this.remote) return this.loadWithLock(request, policy, startSequence);

    const value = await this.timedLoad(request);
    const entry = createEntry(value, tagsOf(request, value), policy, this.now());
    if (policy.l1 && !this.local.set(request.key, entry, startSequence)) {
      this.metrics.recordRejectedWrite();
    }
    return value;
  }

  /** Loads under the key's Redis lock, or takes the value another process loaded while this one waited. */
  private async loadWithLock<T>(
    request: CacheRequest<T>,
    policy: CachePolicy,
    startSequence: number,
  ): Promise<T> {
    const remote = this.remote!;
    const remoteStart = await this.tryRedis('sequence', () => remote.sequence());
    if (remoteStart === REDIS_FAILED) return this.timedLoad(request);

    const lock = await this.lockOrWait(request.key, policy, startSequence);
    if ('entry' in lock) return lock.entry.value as T;

    try {
      const value = await this.timedLoad(request);
      const entry = createEntry(value, tagsOf(request, value), policy, this.now());
      await this.storeBoth(request.key, entry, policy, remoteStart, startSequence);
      return value;
    } finally {
      if (lock.token) await this.tryRedis('unlock', () => remote.unlock(request.key, lock.token!));
    }
  }

  private async storeBoth(
    key: string,
    entry: CacheEntry,
    policy: CachePolicy,
    remoteStart: number,
    startSequence: number,
  ): Promise<void> {
    const remote = this.remote!;
    const stored = await this.tryRedis('set', () =>
      remote.setIfCurrent(key, entry, remoteStart, this.now()),
    );
    if (stored !== true) {
      if (stored === false) this.metrics.recordRejectedWrite();
      return;
    }
    if (policy.l1 && !this.local.set(key, entry, startSequence)) this.metrics.recordRejectedWrite();
  }

  /**
   * Takes the key's loader lock, or polls Redis until the holder has stored
   * the value or the lock is free again. Gives up after `lockWaitMs` (the
   * caller then loads without the lock) and on any Redis error.
   */
  private async lockOrWait(
    key: string,
    policy: CachePolicy,
    startSequence: number,
  ): Promise<{ entry: CacheEntry } | { token: string | null }> {
    const remote = this.remote!;
    const deadline = performance.now() + (this.options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS);
    let pauseMs = 2;
    for (;;) {
      const token = await this.tryRedisQuietly('lock', () =>
        remote.lock(key, this.options.lockTtlMs ?? 5_000),
      );
      if (token === REDIS_FAILED || performance.now() >= deadline) return { token: null };
      if (token) return { token };

      await sleep(pauseMs);
      pauseMs = Math.min(pauseMs * 2, 50);
      const entry = await this.tryRedisQuietly('get', () => remote.get(key));
      if (entry === REDIS_FAILED) return { token: null };
      if (entry) {
        if (policy.l1) this.local.set(key, entry, startSequence);
        return { entry };
      }
    }
  }

  private async timedLoad<T>(request: CacheRequest<T>): Promise<T> {
    const started = performance.now();
    let failed = true;
    try {
      const value = await request.load();
      failed = false;
      return value;
    } finally {
      this.metrics.recordLoad(request.kind, performance.now() - started, failed);
    }
  }

  private async tryRedis<T>(
    operation: string,
    command: () => Promise<T>,
  ): Promise<T | typeof REDIS_FAILED> {
    try {
      return await command();
    } catch (error) {
      this.markRedisFailed(operation, error);
      return REDIS_FAILED;
    }
  }

  /**
   * Runs a command whose failure only costs this request its shared load:
   * the caller loads without the lock. It counts and logs the error but
   * leaves the cache on, because one slow reply from a busy but healthy
   * Redis should not bypass every request. The liveness PING and the other
   * commands detect a Redis that stays unreachable.
   */
  private async tryRedisQuietly<T>(
    operation: string,
    command: () => Promise<T>,
  ): Promise<T | typeof REDIS_FAILED> {
    try {
      return await command();
    } catch (error) {
      this.metrics.recordRedisError();
      this.redisWarning.warn({ err: error, operation });
      return REDIS_FAILED;
    }
  }

  private markRedisFailed(operation: string, error: unknown): void {
    this.needsRecovery = true;
    this.metrics.recordRedisError();
    this.redisWarning.warn({ err: error, operation });
  }

  /**
   * Runs once both connections are ready after a drop, or while
   * invalidations wait: subscribes again, replays the invalidations Redis
   * missed, and clears L1, which may have missed other processes'
   * invalidations. Until it succeeds the cache stays bypassed.
   */
  private async recover(): Promise<void> {
    const redis = this.options.redis!;
    if ((!this.needsRecovery && this.pending.isEmpty) || this.recovering) return;
    if (!redis.commands.isReady() || !redis.subscriber.isReady()) return;

    this.recovering = true;
    try {
      await this.bus!.subscribe();
      await this.pending.replay(this.remote!, this.bus!);
      this.local.clear();
      this.needsRecovery = false;
      const message = this.usedRedis ? 'cache using redis again' : 'cache using redis';
      this.usedRedis = true;
      this.options.log.info({ prefix: redis.prefix }, message);
    } catch (error) {
      this.redisWarning.warn({ err: error, operation: 'recover' });
    } finally {
      this.recovering = false;
    }
  }
}

function tagsOf<T>(request: CacheRequest<T>, value: T): readonly string[] {
  return typeof request.tags === 'function' ? request.tags(value) : request.tags;
}
