import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TwoTierReadCache } from '../../src/adapters/cache/two-tier-read-cache.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import {
  deferred,
  policies,
  REDIS_URL,
  redisCache,
  uniquePrefix,
  waitFor,
} from './support/cache-fixtures.ts';

const admin = new Redis(REDIS_URL, { lazyConnect: true });
const opened: TwoTierReadCache[] = [];
const prefixes: string[] = [];

async function open(prefix: string, options: Parameters<typeof redisCache>[1] = {}) {
  const cache = await redisCache(prefix, options);
  opened.push(cache);
  await waitFor(() => cache.health().status === 'ok');
  return cache;
}

function newPrefix(): string {
  const prefix = uniquePrefix();
  prefixes.push(prefix);
  return prefix;
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
  for (const prefix of prefixes.splice(0)) {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
  }
});

afterAll(() => admin.quit());

describe('read cache on Redis', () => {
  it('serves another process from Redis', async () => {
    const prefix = newPrefix();
    const first = await open(prefix);
    const second = await open(prefix);
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: ['t'], load: async () => ++loads };

    await first.getOrSet(request);

    expect(await second.getOrSet(request)).toBe(1);
    expect(second.stats().requests.l2).toBe(1);
    expect(await second.getOrSet(request)).toBe(1);
    expect(second.stats().requests.l1).toBe(1);
    expect(loads).toBe(1);
  });

  it('invalidates the other process memory through the bus', async () => {
    const prefix = newPrefix();
    const first = await open(prefix);
    const second = await open(prefix);
    let version = 1;
    const request = { key: 'k', kind: 'list' as const, tags: ['room'], load: async () => version };
    await first.getOrSet(request);
    await second.getOrSet(request);

    version = 2;
    await first.invalidateTags(['room']);

    expect(await first.getOrSet(request)).toBe(2);
    await waitFor(() => second.stats().l1Items === 0);
    expect(await second.getOrSet(request)).toBe(2);
  });

  it('runs one loader across processes', async () => {
    const prefix = newPrefix();
    // A wait far past the default 500 ms, so a busy CI machine cannot make the second process give up and load.
    const first = await open(prefix, { lockWaitMs: 30_000 });
    const second = await open(prefix, { lockWaitMs: 30_000 });
    const gate = deferred<string>();
    let loads = 0;
    const request = {
      key: 'k',
      kind: 'list' as const,
      tags: [],
      load: () => {
        loads += 1;
        return gate.promise;
      },
    };

    const pending = [first, second, first, second].flatMap((cache) =>
      Array.from({ length: 5 }, () => cache.getOrSet(request)),
    );
    await waitFor(() => loads === 1);
    gate.resolve('value');

    expect(await Promise.all(pending)).toEqual(Array(20).fill('value'));
    expect(loads).toBe(1);
  });

  it('rejects a write-back across processes after an invalidation', async () => {
    const prefix = newPrefix();
    const first = await open(prefix);
    const second = await open(prefix);
    const blockedLoad = deferred<string>();
    const slow = first.getOrSet({
      key: 'k',
      kind: 'list',
      tags: ['t'],
      load: () => blockedLoad.promise,
    });
    await waitFor(() => first.stats().requests.miss === 1);

    await second.invalidateTags(['t']);
    blockedLoad.resolve('old');
    expect(await slow).toBe('old');

    const value = await second.getOrSet({
      key: 'k',
      kind: 'list',
      tags: ['t'],
      load: async () => 'new',
    });
    expect(value).toBe('new');
    expect(first.stats().rejectedWrites).toBe(1);
  });

  it('clears every tier and process', async () => {
    const prefix = newPrefix();
    const first = await open(prefix);
    const second = await open(prefix);
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: [], load: async () => ++loads };
    await first.getOrSet(request);
    await second.getOrSet(request);

    await first.clear();
    await waitFor(() => second.stats().l1Items === 0);

    expect(await second.getOrSet(request)).toBe(2);
  });

  it('keeps API key lookups out of Redis', async () => {
    const prefix = newPrefix();
    const cache = await open(prefix);
    await cache.getOrSet({
      key: 'key-hash',
      kind: 'apiKey',
      tags: ['api-key:1'],
      load: async () => 'caller',
    });

    expect(await admin.keys(`${prefix}e:*`)).toEqual([]);
  });

  it('serves from Redis alone when memory is off', async () => {
    const prefix = newPrefix();
    const cache = await open(prefix, { policies: policies({ l1: false }) });
    const request = { key: 'k', kind: 'list' as const, tags: [], load: async () => 'value' };
    await cache.getOrSet(request);
    await cache.getOrSet(request);

    expect(cache.stats().requests.l2).toBe(1);
    expect(cache.stats().l1Items).toBe(0);
  });

  it('returns one decoded object while the Redis entry is unchanged', async () => {
    const prefix = newPrefix();
    const writer = await open(prefix);
    const reader = await open(prefix, { policies: policies({ l1: false }) });
    let version = 0;
    const request = {
      key: 'k',
      kind: 'list' as const,
      tags: ['t'],
      load: async () => ({ version: ++version }),
    };
    await writer.getOrSet(request);

    const first = await reader.getOrSet(request);
    const second = await reader.getOrSet(request);
    await writer.invalidateTags(['t']);
    await writer.getOrSet(request);
    const third = await reader.getOrSet(request);

    expect(reader.stats().requests.l2).toBe(3);
    expect(second).toBe(first);
    expect(first).toEqual({ version: 1 });
    expect(third).toEqual({ version: 2 });
  });
});

describe('read cache when the loader lock fails', () => {
  it('loads itself and stays on Redis after a lock error', async () => {
    // PX 0 makes Redis reject the SET of the lock, while every other command works.
    const cache = await open(newPrefix(), { lockTtlMs: 0 });
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: [], load: async () => ++loads };

    expect(await cache.getOrSet(request)).toBe(1);

    expect(cache.stats().redisErrors).toBe(1);
    expect(cache.health().status).toBe('ok');
    expect(await cache.getOrSet(request)).toBe(1);
  });

  it('loads itself after waiting for a lock held elsewhere', async () => {
    const prefix = newPrefix();
    const cache = await open(prefix, { lockWaitMs: 50 });
    await admin.set(`${prefix}l:k`, 'held by another process', 'PX', 60_000);
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: [], load: async () => ++loads };

    expect(await cache.getOrSet(request)).toBe(1);

    expect(loads).toBe(1);
    expect(cache.health().status).toBe('ok');
  });
});

describe('read cache while Redis is unreachable', () => {
  it('bypasses to the loader and reports degraded', async () => {
    const cache = await redisCache(newPrefix(), { url: 'redis://127.0.0.1:1' });
    opened.push(cache);
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: [], load: async () => ++loads };

    expect(await cache.getOrSet(request)).toBe(1);
    expect(await cache.getOrSet(request)).toBe(2);
    expect(cache.stats().requests.bypass).toBe(2);
    expect(cache.health().status).toBe('degraded');
    expect(cache.health().redis?.status).not.toBe('ready');
  });

  it('shares bypassed loads until an invalidation', async () => {
    const cache = await redisCache(newPrefix(), { url: 'redis://127.0.0.1:1' });
    opened.push(cache);
    const first = deferred<string>();
    const second = deferred<string>();
    const loads = [first, second];
    let started = 0;
    const request = {
      key: 'k',
      kind: 'list' as const,
      tags: ['t'],
      load: () => loads[started++]!.promise,
    };

    const joined = [cache.getOrSet(request), cache.getOrSet(request), cache.getOrSet(request)];
    await cache.invalidateTags(['t']);
    const afterWrite = cache.getOrSet(request);
    first.resolve('before the write');
    second.resolve('after the write');

    expect(await Promise.all(joined)).toEqual(Array(3).fill('before the write'));
    expect(await afterWrite).toBe('after the write');
    expect(started).toBe(2);
    expect(cache.stats().requests.bypass).toBe(4);
  });

  it('recovers and replays invalidations made during the outage', async () => {
    const server = await OwnRedisServer.start();
    try {
      const prefix = newPrefix();
      const writer = await open(prefix, { url: server.url });
      const reader = await open(prefix, { url: server.url });
      let version = 1;
      const request = { key: 'k', kind: 'list' as const, tags: ['t'], load: async () => version };
      await writer.getOrSet(request);
      expect(await reader.getOrSet(request)).toBe(1);

      await server.stop();
      await waitFor(() => writer.health().status === 'degraded');
      version = 2;
      await writer.invalidateTags(['t']);
      expect(await reader.getOrSet(request)).toBe(2);
      expect(reader.stats().requests.bypass).toBe(1);

      await server.resume();
      await waitFor(() => writer.health().status === 'ok' && reader.health().status === 'ok');
      expect(await reader.getOrSet(request)).toBe(2);
      expect(await writer.getOrSet(request)).toBe(2);
      const direct = new Redis(server.url);
      expect(await direct.get(`${prefix}v:t`)).not.toBeNull();
      await direct.quit();
    } finally {
      await server.stop();
    }
  });
});

describe('read cache while Redis hangs', () => {
  it('stops serving memory and recovers', async () => {
    const server = await OwnRedisServer.start();
    try {
      const prefix = newPrefix();
      const metrics = new Registry();
      const writer = await open(prefix, { url: server.url });
      const reader = await open(prefix, { url: server.url, metrics });
      let version = 1;
      const request = { key: 'k', kind: 'list' as const, tags: ['t'], load: async () => version };
      expect(await reader.getOrSet(request)).toBe(1);
      expect(await reader.getOrSet(request)).toBe(1);
      expect(reader.stats().requests.l1).toBe(1);

      server.freeze();
      version = 2;
      await writer.invalidateTags(['t']);
      await waitFor(() => reader.health().status === 'degraded');

      expect(await reader.getOrSet(request)).toBe(2);
      expect(reader.stats().requests.bypass).toBe(1);
      const up = await metrics.getSingleMetric('cleanroom_cache_redis_up')?.get();
      expect(up?.values[0]?.value).toBe(0);

      server.thaw();
      await waitFor(() => writer.health().status === 'ok' && reader.health().status === 'ok');
      expect(await reader.getOrSet(request)).toBe(2);
    } finally {
      server.thaw();
      await server.stop();
    }
  });
});
