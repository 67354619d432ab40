import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { getJson, sendJson } from '../support/api-helpers.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { COMMAND_TIMEOUT_MS, REDIS_URL, uniquePrefix, waitFor } from './support/cache-fixtures.ts';

interface CacheStatsBody {
  requests: { l1: number; l2: number; miss: number; bypass: number };
  health: { status: string; backend: string };
}

const REDIS_KEY_PREFIX = uniquePrefix().replaceAll(':', '_').slice(0, 60);

/** Two processes on one schema with CACHE_ENABLED=false and Redis configured. */
describe('CACHE_ENABLED=false', () => {
  let first: TestPlatform;
  let second: TestPlatform;

  beforeAll(async () => {
    const env = {
      CACHE_ENABLED: 'false',
      REDIS_URL,
      REDIS_KEY_PREFIX,
      REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
    };
    first = await startTestPlatform({ backend: 'postgres', env, startWorker: false });
    second = await startTestPlatform({
      backend: 'postgres',
      env,
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: first.dataDir, schema: first.schema },
    });
    await waitFor(() =>
      [first, second].every((test) => test.platform.context.cache.health().status === 'ok'),
    );
  });

  afterAll(async () => {
    await second?.stop();
    await first?.close();
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${REDIS_KEY_PREFIX}*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  async function cacheStats(test: TestPlatform): Promise<CacheStatsBody> {
    return (await getJson<CacheStatsBody>(test.app, test.keys.advertiser, '/api/v1/admin/cache'))
      .body;
  }

  async function roomList(test: TestPlatform) {
    return (
      await getJson<{ items: { id: string; name: string }[] }>(
        test.app,
        test.keys.advertiser,
        '/api/v1/cleanrooms',
      )
    ).body;
  }

  it('reports the cache as disabled', async () => {
    const stats = await cacheStats(first);

    expect(stats.health).toEqual(expect.objectContaining({ status: 'ok', backend: 'disabled' }));
  });

  it('serves a repeated API key lookup from memory', async () => {
    await getJson(first.app, first.keys.publisher, '/api/v1/me');
    const before = await cacheStats(first);
    await getJson(first.app, first.keys.publisher, '/api/v1/me');
    const after = await cacheStats(first);

    // The second /me and the second stats request each found their key in memory.
    expect(after.requests.l1 - before.requests.l1).toBe(2);
    expect(after.requests.miss).toBe(before.requests.miss);
  });

  it('reads every list from the database', async () => {
    const listed = await roomList(first);
    const room = listed.items[0]!;
    const before = await cacheStats(first);

    // A write that skips the service layer invalidates nothing, so only a database read returns it.
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      await client.query(`UPDATE "${first.schema}".clean_rooms SET name = $1 WHERE id = $2`, [
        `${room.name} (edited in SQL)`,
        room.id,
      ]);
    } finally {
      await client.end();
    }
    const relisted = await roomList(first);
    const after = await cacheStats(first);

    expect(relisted.items.find((item) => item.id === room.id)?.name).toBe(
      `${room.name} (edited in SQL)`,
    );
    expect(after.requests.bypass - before.requests.bypass).toBe(1);
  });

  it('rejects a key revoked in the other process', async () => {
    const created = await sendJson<{ id: string; key: string }>(
      first.app,
      first.keys.publisher,
      'POST',
      '/api/v1/api-keys',
      { name: 'disabled cache key' },
    );
    expect((await getJson(second.app, created.body.key, '/api/v1/me')).status).toBe(200);
    expect((await getJson(second.app, created.body.key, '/api/v1/me')).status).toBe(200);

    await sendJson(
      first.app,
      first.keys.publisher,
      'DELETE',
      `/api/v1/api-keys/${created.body.id}`,
    );

    let status = 200;
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && status === 200) {
      status = (await getJson(second.app, created.body.key, '/api/v1/me')).status;
    }
    expect(status).toBe(401);
  });
});
