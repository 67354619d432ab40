import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { getJson } from '../support/api-helpers.ts';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import type { TestPlatform } from '../support/test-platform.ts';
import {
  startPlatformPair,
  statusAfterRevocationElsewhere,
  type PlatformPair,
} from './support/platform-pair.ts';

interface CacheStatsBody {
  requests: { l1: number; l2: number; miss: number; bypass: number };
  health: { status: string; backend: string };
}

/** Two processes on one schema with CACHE_ENABLED=false and Redis configured. */
describe('CACHE_ENABLED=false', () => {
  let pair: PlatformPair;
  let first: TestPlatform;

  beforeAll(async () => {
    pair = await startPlatformPair({ CACHE_ENABLED: 'false' });
    first = pair.first;
  });

  afterAll(async () => {
    await pair?.stop();
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
    expect(await statusAfterRevocationElsewhere(pair)).toBe(401);
  });
});
