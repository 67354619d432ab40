import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/adapters/logging/logger.ts';
import type { CachePolicy } from '../../../src/adapters/cache/cache-entry.ts';
import type { CacheKind } from '../../../src/adapters/cache/read-cache.ts';
import { RedisConnection } from '../../../src/adapters/redis/redis-connection.ts';
import {
  TwoTierReadCache,
  type TwoTierReadCacheOptions,
} from '../../../src/adapters/cache/two-tier-read-cache.ts';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Long enough that a busy test machine never times a command out; timeouts belong to the benchmarks. */
export const COMMAND_TIMEOUT_MS = 2000;

export const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent', 2);

export const policy: CachePolicy = { ttlMs: 60_000, graceMs: 30_000, l1: true, l2: true };

export function policies(overrides: Partial<CachePolicy> = {}): Record<CacheKind, CachePolicy> {
  const data = { ...policy, ...overrides };
  return { list: data, detail: data, apiKey: { ...data, graceMs: 0, l2: false } };
}

/** Returns a key prefix no other test uses. */
export function uniquePrefix(): string {
  return `cleanroom-test:${randomBytes(6).toString('hex')}:cache:`;
}

export function memoryCache(options: Partial<TwoTierReadCacheOptions> = {}): TwoTierReadCache {
  return new TwoTierReadCache({
    policies: policies(),
    l1MaxItems: 1000,
    metrics: new Registry(),
    log,
    ...options,
  });
}

/** Builds a cache on Redis as one process would: two connections and the shared prefix. */
export async function redisCache(
  prefix: string,
  options: Partial<TwoTierReadCacheOptions> & { url?: string } = {},
): Promise<TwoTierReadCache> {
  const connection = (name: string) =>
    new RedisConnection({
      url: options.url ?? REDIS_URL,
      name,
      commandTimeoutMs: COMMAND_TIMEOUT_MS,
      connectTimeoutMs: 1000,
      log,
    });
  const cache = new TwoTierReadCache({
    policies: policies(),
    l1MaxItems: 1000,
    metrics: new Registry(),
    log,
    redis: {
      commands: connection('cache'),
      subscriber: connection('cache-bus'),
      prefix,
      // Short, so a test notices a frozen redis-server soon after the command timeout.
      livenessIntervalMs: 100,
    },
    ...options,
  });
  return cache;
}

/** Waits until `condition` holds, checking every 10 ms, up to `timeoutMs`. */
export async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A promise with its resolve function, to hold a loader open until the test lets it finish. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => (resolve = settle));
  return { promise, resolve };
}
