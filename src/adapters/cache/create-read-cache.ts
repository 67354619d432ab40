import type { Registry } from 'prom-client';
import type { Config } from '../../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import { RedisConnection } from '../redis/redis-connection.ts';
import type { CachePolicy } from './cache-entry.ts';
import { DisabledReadCache } from './disabled-read-cache.ts';
import type { CacheKind, ReadCache } from './read-cache.ts';
import { TwoTierReadCache, type TwoTierRedisOptions } from './two-tier-read-cache.ts';

/**
 * Builds the read cache from the configuration: disabled, process memory
 * only (no REDIS_URL), or process memory in front of Redis. A disabled cache
 * still keeps API key lookups in process memory, with the invalidation
 * channel in Redis when REDIS_URL is set, so a revoked key stops working in
 * every process at once.
 */
export function createReadCache(config: Config, metrics: Registry, log: Logger): ReadCache {
  const cache = createTwoTierReadCache(config, metrics, log);
  return config.CACHE_ENABLED ? cache : new DisabledReadCache(cache);
}

function createTwoTierReadCache(config: Config, metrics: Registry, log: Logger): TwoTierReadCache {
  return new TwoTierReadCache({
    policies: cachePolicies(config),
    l1MaxItems: config.CACHE_L1_MAX_ITEMS,
    redis: config.REDIS_URL ? redisOptions(config, config.REDIS_URL, log) : undefined,
    metrics,
    log: log.child({ component: 'cache' }),
    lockWaitMs: config.CACHE_LOCK_WAIT_MS,
  });
}

function cachePolicies(config: Config): Record<CacheKind, CachePolicy> {
  const data: CachePolicy = {
    ttlMs: config.CACHE_TTL_SECONDS * 1000,
    graceMs: config.CACHE_GRACE_SECONDS * 1000,
    l1: config.CACHE_L1_ENABLED,
    l2: true,
  };
  return {
    list: data,
    detail: data,
    // API key lookups stay in process memory only and without grace, so a revoked key is never served from a slower tier.
    apiKey: { ttlMs: config.CACHE_API_KEY_TTL_SECONDS * 1000, graceMs: 0, l1: true, l2: false },
  };
}

function redisOptions(config: Config, url: string, log: Logger): TwoTierRedisOptions {
  const connection = (name: string) =>
    new RedisConnection({
      url,
      name,
      commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
      connectTimeoutMs: config.REDIS_CONNECT_TIMEOUT_MS,
      log,
    });
  return {
    commands: connection('cache'),
    subscriber: connection('cache-bus-subscriber'),
    // The schema keeps the caches of platforms that share a Redis server (parallel tests, staging) apart.
    prefix: `${config.REDIS_KEY_PREFIX}${config.DATABASE_SCHEMA}:cache:`,
    livenessIntervalMs: config.CACHE_REDIS_HEALTH_INTERVAL_MS,
  };
}
