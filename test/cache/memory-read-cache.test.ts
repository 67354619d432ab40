import { describe, expect, it } from 'vitest';
import { deferred, memoryCache, policies } from './support/cache-fixtures.ts';

describe('read cache in process memory', () => {
  it('serves a hit after a miss', async () => {
    const cache = memoryCache();
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: ['t'], load: async () => ++loads };

    expect(await cache.getOrSet(request)).toBe(1);
    expect(await cache.getOrSet(request)).toBe(1);
    expect(loads).toBe(1);
    expect(cache.stats().requests.miss).toBe(1);
    expect(cache.stats().requests.l1).toBe(1);
  });

  it('reloads after an invalidation of a tag', async () => {
    const cache = memoryCache();
    let loads = 0;
    const request = {
      key: 'k',
      kind: 'list' as const,
      tags: ['a', 'b'],
      load: async () => ++loads,
    };

    await cache.getOrSet(request);
    await cache.invalidateTags(['b']);

    expect(await cache.getOrSet(request)).toBe(2);
    await cache.invalidateTags(['unrelated']);
    expect(await cache.getOrSet(request)).toBe(2);
  });

  it('takes tags from the loaded value', async () => {
    const cache = memoryCache();
    let loads = 0;
    const request = {
      key: 'k',
      kind: 'detail' as const,
      tags: (value: { roomId: string }) => [value.roomId],
      load: async () => ({ roomId: 'room-1', version: ++loads }),
    };

    await cache.getOrSet(request);
    await cache.invalidateTags(['room-1']);

    expect((await cache.getOrSet(request)).version).toBe(2);
  });

  it('runs one loader for concurrent requests', async () => {
    const cache = memoryCache();
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

    const results = Array.from({ length: 20 }, () => cache.getOrSet(request));
    gate.resolve('value');

    expect(await Promise.all(results)).toEqual(Array(20).fill('value'));
    expect(loads).toBe(1);
  });

  it('never writes back a value loaded before an invalidation', async () => {
    const cache = memoryCache();
    const blockedLoad = deferred<string>();
    const first = cache.getOrSet({
      key: 'k',
      kind: 'list',
      tags: ['t'],
      load: () => blockedLoad.promise,
    });

    await cache.invalidateTags(['t']);
    blockedLoad.resolve('old');

    expect(await first).toBe('old');
    const after = await cache.getOrSet({
      key: 'k',
      kind: 'list',
      tags: ['t'],
      load: async () => 'new',
    });
    expect(after).toBe('new');
    expect(cache.stats().rejectedWrites).toBe(1);
  });

  it('does not join a load that began before an invalidation', async () => {
    const cache = memoryCache();
    const blockedLoad = deferred<string>();
    const first = cache.getOrSet({
      key: 'k',
      kind: 'list',
      tags: ['t'],
      load: () => blockedLoad.promise,
    });
    await cache.invalidateTags(['t']);

    const second = cache.getOrSet({ key: 'k', kind: 'list', tags: ['t'], load: async () => 'new' });
    blockedLoad.resolve('old');

    expect(await second).toBe('new');
    expect(await first).toBe('old');
  });

  it('serves a stale value in grace while one reload runs', async () => {
    let now = 1_000_000;
    const cache = memoryCache({
      policies: policies({ ttlMs: 1000, graceMs: 5000 }),
      now: () => now,
    });
    const reload = deferred<string>();
    let loads = 0;
    const request = {
      key: 'k',
      kind: 'list' as const,
      tags: [],
      load: () => (++loads === 1 ? Promise.resolve('first') : reload.promise),
    };
    await cache.getOrSet(request);

    now += 2000;
    expect(await cache.getOrSet(request)).toBe('first');
    expect(await cache.getOrSet(request)).toBe('first');
    expect(loads).toBe(2);

    reload.resolve('second');
    await reload.promise;
    await Promise.resolve();
    expect(await cache.getOrSet(request)).toBe('second');
    expect(cache.stats().requests.stale).toBe(2);
  });

  it('loads again once the grace period is over', async () => {
    let now = 1_000_000;
    const cache = memoryCache({
      policies: policies({ ttlMs: 1000, graceMs: 5000 }),
      now: () => now,
    });
    let loads = 0;
    const request = { key: 'k', kind: 'list' as const, tags: [], load: async () => ++loads };
    await cache.getOrSet(request);

    now += 6001;

    expect(await cache.getOrSet(request)).toBe(2);
    expect(cache.stats().requests.stale).toBe(0);
  });

  it('does not cache a failed load', async () => {
    const cache = memoryCache();
    const failing = {
      key: 'k',
      kind: 'detail' as const,
      tags: [],
      load: () => Promise.reject(new Error('not found')),
    };

    await expect(cache.getOrSet(failing)).rejects.toThrow('not found');
    expect(await cache.getOrSet({ ...failing, load: async () => 'found' })).toBe('found');
    expect(cache.stats().loads.errors).toBe(1);
  });

  it('evicts the least recently used entry', async () => {
    const cache = memoryCache({ l1MaxItems: 2 });
    let loads = 0;
    const get = (key: string) =>
      cache.getOrSet({ key, kind: 'list', tags: [], load: async () => ++loads });
    await get('a');
    await get('b');
    await get('a');
    await get('c');

    expect(await get('a')).toBe(1);
    expect(await get('b')).toBe(4);
  });

  it('reports outcomes as Prometheus metrics', async () => {
    const { Registry } = await import('prom-client');
    const registry = new Registry();
    const cache = memoryCache({ metrics: registry });
    await cache.getOrSet({ key: 'k', kind: 'list', tags: [], load: async () => 1 });
    await cache.getOrSet({ key: 'k', kind: 'list', tags: [], load: async () => 1 });

    const text = await registry.metrics();
    expect(text).toContain('cleanroom_cache_requests_total{kind="list",outcome="miss"} 1');
    expect(text).toContain('cleanroom_cache_requests_total{kind="list",outcome="l1"} 1');
    expect(text).toContain('cleanroom_cache_load_duration_seconds_count{kind="list"} 1');
  });
});
