import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { OwnRedisServer } from './support/own-redis-server.ts';
import {
  startPlatformPair,
  statusAfterRevocationElsewhere,
  type PlatformPair,
} from './support/platform-pair.ts';
import { COMMAND_TIMEOUT_MS, uniquePrefix, waitFor } from './support/cache-fixtures.ts';

const REDIS_KEY_PREFIX = uniquePrefix().replaceAll(':', '_').slice(0, 60);

describe('cache shared by two processes', () => {
  let pair: PlatformPair;
  let first: TestPlatform;
  let second: TestPlatform;

  beforeAll(async () => {
    pair = await startPlatformPair();
    ({ first, second } = pair);
  });

  afterAll(async () => {
    await pair?.stop();
  });

  it('shows a write in one process to reads in the other', async () => {
    const url = '/api/v1/cleanrooms/CR-000002';
    const before = await getJson<{ name: string }>(second.app, first.keys.advertiser, url);
    expect(before.status).toBe(200);

    const renamed = `${before.body.name} (renamed)`;
    const patched = await sendJson(first.app, first.keys.retailer, 'PATCH', url, { name: renamed });
    expect(patched.status).toBe(200);

    const deadline = Date.now() + 2000;
    let name = '';
    while (Date.now() < deadline && name !== renamed) {
      name = (await getJson<{ name: string }>(second.app, first.keys.advertiser, url)).body.name;
    }
    expect(name).toBe(renamed);
  });

  it('rejects a key revoked in the other process', async () => {
    expect(await statusAfterRevocationElsewhere(pair)).toBe(401);
  });
});

describe('API while the cache Redis is down', () => {
  let server: OwnRedisServer;
  let test: TestPlatform;

  beforeAll(async () => {
    server = await OwnRedisServer.start();
    test = await startTestPlatform({
      backend: 'postgres',
      env: {
        REDIS_URL: server.url,
        REDIS_KEY_PREFIX,
        REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      },
      startWorker: false,
    });
    await waitFor(() => test.platform.context.cache.health().status === 'ok');
  });

  afterAll(async () => {
    await test?.close();
    await server?.stop();
  });

  it('serves from PostgreSQL, reports degraded, then recovers', async () => {
    expect((await getJson(test.app, test.keys.advertiser, '/api/v1/cleanrooms')).status).toBe(200);

    await server.stop();
    await waitFor(() => test.platform.context.cache.health().status === 'degraded');
    const during = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/cleanrooms',
    );
    expect(during.status).toBe(200);
    expect(during.body.items.length).toBeGreaterThan(0);
    const ready = await test.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect((ready.json() as { checks: { cache: { status: string } } }).checks.cache.status).toBe(
      'degraded',
    );
    const metrics = await test.platform.metrics.metrics();
    expect(metrics).toContain('cleanroom_cache_redis_up 0');

    await server.resume();
    await waitFor(() => test.platform.context.cache.health().status === 'ok');
    const before = test.platform.context.cache.stats().requests.bypass;
    expect((await getJson(test.app, test.keys.advertiser, '/api/v1/cleanrooms')).status).toBe(200);
    expect(test.platform.context.cache.stats().requests.bypass).toBe(before);
  });
});

describe('two processes while the cache Redis hangs', () => {
  let server: OwnRedisServer;
  let reader: TestPlatform;
  let writer: TestPlatform;

  beforeAll(async () => {
    server = await OwnRedisServer.start();
    const env = {
      REDIS_URL: server.url,
      REDIS_KEY_PREFIX,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
      CACHE_REDIS_HEALTH_INTERVAL_MS: '100',
    };
    reader = await startTestPlatform({ backend: 'postgres', env, startWorker: false });
    writer = await startTestPlatform({
      backend: 'postgres',
      env,
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: reader.dataDir, schema: reader.schema },
    });
    await waitFor(() =>
      [reader, writer].every((test) => test.platform.context.cache.health().status === 'ok'),
    );
  });

  afterAll(async () => {
    server?.thaw();
    await writer?.stop();
    await reader?.close();
    await server?.stop();
  });

  it('stops serving memory that missed an update', async () => {
    const url = '/api/v1/cleanrooms/CR-000001';
    const before = await getJson<{ name: string }>(reader.app, reader.keys.advertiser, url);
    expect(before.status).toBe(200);
    expect((await getJson(reader.app, reader.keys.advertiser, url)).status).toBe(200);

    server.freeze();
    const renamed = `${before.body.name} (renamed during a hang)`;
    const patched = await sendJson(writer.app, reader.keys.advertiser, 'PATCH', url, {
      name: renamed,
    });
    expect(patched.status).toBe(200);
    await waitFor(() => reader.platform.context.cache.health().status === 'degraded');

    const during = await getJson<{ name: string }>(reader.app, reader.keys.advertiser, url);
    expect(during.body.name).toBe(renamed);
    const ready = await reader.app.inject({ method: 'GET', url: '/health/ready' });
    expect((ready.json() as { checks: { cache: { status: string } } }).checks.cache.status).toBe(
      'degraded',
    );
    expect(await reader.platform.metrics.metrics()).toContain('cleanroom_cache_redis_up 0');

    server.thaw();
    await waitFor(() =>
      [reader, writer].every((test) => test.platform.context.cache.health().status === 'ok'),
    );
    const after = await getJson<{ name: string }>(reader.app, reader.keys.advertiser, url);
    expect(after.body.name).toBe(renamed);
  });
});
