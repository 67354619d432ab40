import { brotliDecompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createHttpServer } from '../../src/interfaces/http/create-http-server.ts';
import { OwnRedisServer } from '../cache/support/own-redis-server.ts';
import {
  COMMAND_TIMEOUT_MS,
  REDIS_URL,
  uniquePrefix,
  waitFor,
} from '../cache/support/cache-fixtures.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { rawRequest, type RawResponse } from './raw-http.ts';

interface MemoStats {
  entries: number;
  bytes: number;
  maxBytes: number;
  replays: number;
  recorded: number;
}
interface RoomPage {
  items: { id: string; name: string }[];
}

const LIST = '/api/v1/cleanrooms';

function keyPrefix(prefix: string): string {
  return prefix.replaceAll(':', '_').slice(0, 60);
}

function redisEnv(prefix: string, redisUrl = REDIS_URL): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: keyPrefix(prefix),
    REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
  };
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${prefix}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
}

/** Starts the platform's own app listening, so requests pass the memo in its server factory, as in production. */
async function listen(test: TestPlatform): Promise<string> {
  return test.app.listen({ host: '127.0.0.1', port: 0 });
}

function get(baseUrl: string, key: string, path = LIST, headers: Record<string, string> = {}) {
  return rawRequest(`${baseUrl}${path}`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
  });
}

function send(baseUrl: string, key: string, method: string, path: string, body?: unknown) {
  return rawRequest(`${baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function memoStats(baseUrl: string, key: string): Promise<MemoStats> {
  const response = await get(baseUrl, key, '/api/v1/admin/cache');
  expect(response.status).toBe(200);
  return (JSON.parse(response.body.toString()) as { responseMemo: MemoStats }).responseMemo;
}

function roomNames(response: RawResponse): string[] {
  return (JSON.parse(response.body.toString()) as RoomPage).items.map((room) => room.name);
}

/** Returns the headers of a response without those that change per response. */
function stableHeaders(response: RawResponse): Record<string, unknown> {
  const headers = { ...response.headers };
  delete headers.date;
  return headers;
}

describe('response memo of cached API reads', () => {
  const prefix = uniquePrefix();
  let test: TestPlatform;
  let baseUrl: string;

  beforeAll(async () => {
    test = await startTestPlatform({
      backend: 'postgres',
      env: redisEnv(prefix),
      startWorker: false,
    });
    await waitFor(() => test.platform.context.cache.health().status === 'ok');
    baseUrl = await listen(test);
  });

  afterAll(async () => {
    await test.close();
    await deleteRedisKeys(keyPrefix(prefix));
  });

  it('replays identity and brotli responses', async () => {
    for (const encoding of [undefined, 'gzip, deflate, br']) {
      const headers: Record<string, string> = encoding ? { 'accept-encoding': encoding } : {};
      // A load, then an in-process hit that the memo records, then replays.
      const responses = [];
      for (let index = 0; index < 4; index += 1)
        responses.push(await get(baseUrl, test.keys.advertiser, LIST, headers));
      const before = await memoStats(baseUrl, test.keys.advertiser);
      responses.push(await get(baseUrl, test.keys.advertiser, LIST, headers));
      const after = await memoStats(baseUrl, test.keys.advertiser);

      expect(after.replays).toBeGreaterThan(before.replays);
      for (const response of responses) {
        expect(response.status).toBe(200);
        expect(stableHeaders(response)).toEqual(stableHeaders(responses[1]!));
        expect(response.body.equals(responses[1]!.body)).toBe(true);
      }
      const last = responses.at(-1)!;
      expect(last.headers['content-security-policy']).toContain("default-src 'self'");
      expect(last.headers['cache-control']).toBe('private, no-cache');
      expect(last.headers.vary).toBe('Authorization, Cookie, Accept-Encoding');
      expect(Number(last.headers['content-length'])).toBe(last.body.length);
      if (encoding) {
        expect(last.headers['content-encoding']).toBe('br');
        expect(roomNames({ ...last, body: brotliDecompressSync(last.body) })).not.toHaveLength(0);
      } else {
        expect(last.headers['content-encoding']).toBeUndefined();
      }
    }
  });

  it('shows a write at once', async () => {
    for (let index = 0; index < 3; index += 1) await get(baseUrl, test.keys.advertiser);
    const created = await send(baseUrl, test.keys.advertiser, 'POST', LIST, {
      name: 'Memo check room',
      description: 'created by the response memo test',
      type: 'Hybrid',
    });
    expect(created.status).toBe(201);

    expect(roomNames(await get(baseUrl, test.keys.advertiser))).toContain('Memo check room');
  });

  it('keeps organizations apart per URL', async () => {
    for (let index = 0; index < 3; index += 1) {
      await get(baseUrl, test.keys.advertiser);
      await get(baseUrl, test.keys.publisher);
    }
    const advertiser = roomNames(await get(baseUrl, test.keys.advertiser));
    const publisher = roomNames(await get(baseUrl, test.keys.publisher));

    expect(advertiser).toContain('Memo check room');
    expect(publisher).not.toContain('Memo check room');
  });

  it('rejects a revoked key at once', async () => {
    const created = await send(baseUrl, test.keys.advertiser, 'POST', '/api/v1/api-keys', {
      name: 'memo revocation check',
    });
    expect(created.status).toBe(201);
    const { id, key } = JSON.parse(created.body.toString()) as { id: string; key: string };
    for (let index = 0; index < 4; index += 1) expect((await get(baseUrl, key)).status).toBe(200);

    const revoked = await send(baseUrl, test.keys.advertiser, 'DELETE', `/api/v1/api-keys/${id}`);
    expect(revoked.status).toBe(200);

    const after = await get(baseUrl, key);
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body.toString())).toMatchObject({
      error: { code: 'API_KEY_REVOKED' },
    });
  });

  it('answers 304 and rejects invalid keys', async () => {
    const first = await get(baseUrl, test.keys.advertiser);
    const etag = String(first.headers.etag);
    const notModified = await get(baseUrl, test.keys.advertiser, LIST, {
      'if-none-match': `W/${etag}`,
    });
    expect(notModified.status).toBe(304);
    expect(notModified.body).toHaveLength(0);

    const invalidKey = `crk_${'x'.repeat(32)}`;
    for (let index = 0; index < 3; index += 1)
      expect((await get(baseUrl, invalidKey)).status).toBe(401);
  });
});

describe('response memo across processes and outages', () => {
  it("shows another process's write", async () => {
    const prefix = uniquePrefix();
    const first = await startTestPlatform({
      backend: 'postgres',
      env: redisEnv(prefix),
      startWorker: false,
    });
    const second = await startTestPlatform({
      backend: 'postgres',
      env: redisEnv(prefix),
      startWorker: false,
      seed: 'none',
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    try {
      await waitFor(() => first.platform.context.cache.health().status === 'ok');
      await waitFor(() => second.platform.context.cache.health().status === 'ok');
      const firstUrl = await listen(first);
      const secondUrl = await listen(second);
      for (let index = 0; index < 4; index += 1) await get(firstUrl, first.keys.advertiser);
      expect((await memoStats(firstUrl, first.keys.advertiser)).entries).toBeGreaterThan(0);

      const created = await send(secondUrl, first.keys.advertiser, 'POST', LIST, {
        name: 'Room from the other process',
        description: 'created through the second process',
        type: 'Hybrid',
      });
      expect(created.status).toBe(201);

      const deadline = Date.now() + 5000;
      let names = roomNames(await get(firstUrl, first.keys.advertiser));
      while (!names.includes('Room from the other process') && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        names = roomNames(await get(firstUrl, first.keys.advertiser));
      }
      expect(names).toContain('Room from the other process');
    } finally {
      await second.stop();
      await first.close();
      await deleteRedisKeys(keyPrefix(prefix));
    }
  });

  it('stops replaying while Redis is down', async () => {
    const redis = await OwnRedisServer.start();
    const prefix = uniquePrefix();
    const test = await startTestPlatform({
      backend: 'postgres',
      env: { ...redisEnv(prefix, redis.url), REDIS_COMMAND_TIMEOUT_MS: '200' },
      startWorker: false,
    });
    try {
      await waitFor(() => test.platform.context.cache.health().status === 'ok');
      const baseUrl = await listen(test);
      for (let index = 0; index < 4; index += 1) await get(baseUrl, test.keys.advertiser);
      const replaysBefore = (await memoStats(baseUrl, test.keys.advertiser)).replays;
      expect(replaysBefore).toBeGreaterThan(0);

      await redis.stop();
      await waitFor(() => test.platform.context.cache.health().status === 'degraded');
      const duringOutage = test.platform.context.cache.stats().requests.bypass;
      for (let index = 0; index < 3; index += 1)
        expect((await get(baseUrl, test.keys.advertiser)).status).toBe(200);

      expect(test.platform.context.cache.stats().requests.bypass).toBeGreaterThan(duringOutage);
      expect((await memoStats(baseUrl, test.keys.advertiser)).replays).toBe(replaysBefore);
    } finally {
      await test.close();
      await redis.stop();
    }
  });

  it('replays Redis-only answers after a GET', async () => {
    const prefix = uniquePrefix();
    const test = await startTestPlatform({
      backend: 'postgres',
      env: { ...redisEnv(prefix), CACHE_L1_ENABLED: 'false' },
      startWorker: false,
    });
    try {
      await waitFor(() => test.platform.context.cache.health().status === 'ok');
      const baseUrl = await listen(test);
      const first = await get(baseUrl, test.keys.advertiser);
      for (let index = 0; index < 3; index += 1) await get(baseUrl, test.keys.advertiser);
      const statsBefore = test.platform.context.cache.stats().requests;
      const memoBefore = await memoStats(baseUrl, test.keys.advertiser);
      const replayed = await get(baseUrl, test.keys.advertiser);
      const memoAfter = await memoStats(baseUrl, test.keys.advertiser);

      expect(memoAfter.replays).toBeGreaterThan(memoBefore.replays);
      expect(test.platform.context.cache.stats().requests.l2).toBeGreaterThan(statsBefore.l2);
      expect(replayed.body.equals(first.body)).toBe(true);

      const created = await send(baseUrl, test.keys.advertiser, 'POST', LIST, {
        name: 'Room behind the Redis tier',
        description: 'created by the response memo test',
        type: 'Hybrid',
      });
      expect(created.status).toBe(201);
      expect(roomNames(await get(baseUrl, test.keys.advertiser))).toContain(
        'Room behind the Redis tier',
      );
    } finally {
      await test.close();
      await deleteRedisKeys(keyPrefix(prefix));
    }
  });

  it('drops the oldest over budget', async () => {
    const test = await startTestPlatform({ backend: 'postgres', startWorker: false });
    const app = await createHttpServer(test.platform, { responseMemoMaxBytes: 12_000 });
    try {
      const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
      for (let limit = 1; limit <= 20; limit += 1) {
        for (let index = 0; index < 2; index += 1)
          await get(baseUrl, test.keys.advertiser, `${LIST}?limit=${limit}`);
      }
      const stats = await memoStats(baseUrl, test.keys.advertiser);

      expect(stats.recorded).toBeGreaterThanOrEqual(20);
      expect(stats.entries).toBeLessThan(20);
      expect(stats.bytes).toBeLessThanOrEqual(12_000);
      expect(stats.maxBytes).toBe(12_000);
    } finally {
      await app.close();
      await test.close();
    }
  });
});
