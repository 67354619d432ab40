import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { getCacheStats } from '../../src/services/cache/get-cache-stats.ts';
import { getJson, importFile, sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { COMMAND_TIMEOUT_MS, REDIS_URL, uniquePrefix, waitFor } from './support/cache-fixtures.ts';

interface RoomBody {
  id: string;
  name: string;
}
interface ListBody<Item> {
  items: Item[];
}
interface CacheStatsBody {
  requests: { l1: number; l2: number; miss: number };
  health: { status: string; backend: string };
}

const prefix = uniquePrefix();
const env = {
  REDIS_URL,
  REDIS_KEY_PREFIX: prefix.replaceAll(':', '_').slice(0, 60),
  REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
};
let test: TestPlatform;

beforeAll(async () => {
  test = await startTestPlatform({ backend: 'postgres', env, startWorker: false });
  await waitFor(() => test.platform.context.cache.health().status === 'ok');
});

afterAll(async () => {
  await test.close();
  const admin = new Redis(REDIS_URL);
  const keys = await admin.keys(`${env.REDIS_KEY_PREFIX}*`);
  if (keys.length > 0) await admin.del(...keys);
  await admin.quit();
});

async function cacheStats(key = test.keys.advertiser) {
  return (await getJson<CacheStatsBody>(test.app, key, '/api/v1/admin/cache')).body;
}

async function roomNames(key: string) {
  const { body } = await getJson<ListBody<RoomBody>>(test.app, key, '/api/v1/cleanrooms');
  return body.items.map((room) => room.name);
}

async function organizationId(key: string) {
  return (await getJson<{ organizationId: string }>(test.app, key, '/api/v1/me')).body
    .organizationId;
}

describe('cached reads through the API', () => {
  it('serves a repeated list from memory', async () => {
    await roomNames(test.keys.advertiser);
    const before = await cacheStats();
    await roomNames(test.keys.advertiser);
    const after = await cacheStats();

    expect(after.requests.l1).toBeGreaterThan(before.requests.l1);
    expect(after.requests.miss).toBe(before.requests.miss);
  });

  it('shows a room update to every partner', async () => {
    const before = await getJson<RoomBody>(
      test.app,
      test.keys.publisher,
      '/api/v1/cleanrooms/CR-000001',
    );
    await roomNames(test.keys.publisher);

    const patched = await sendJson(
      test.app,
      test.keys.advertiser,
      'PATCH',
      '/api/v1/cleanrooms/CR-000001',
      {
        name: `${before.body.name} renamed`,
      },
    );
    expect(patched.status).toBe(200);

    const detail = await getJson<RoomBody>(
      test.app,
      test.keys.publisher,
      '/api/v1/cleanrooms/CR-000001',
    );
    expect(detail.body.name).toBe(`${before.body.name} renamed`);
    expect(await roomNames(test.keys.publisher)).toContain(`${before.body.name} renamed`);
  });

  it('never serves another organization its entry', async () => {
    const owner = await getJson(test.app, test.keys.advertiser, '/api/v1/cleanrooms/CR-000001');
    const stranger = await getJson(test.app, test.keys.retailer, '/api/v1/cleanrooms/CR-000001');

    expect(owner.status).toBe(200);
    expect(stranger.status).toBe(404);
  });

  it('keeps each partner view of a room apart', async () => {
    const url = '/api/v1/cleanrooms/CR-000001';
    await getJson(test.app, test.keys.advertiser, url);
    await getJson(test.app, test.keys.publisher, url);

    const owner = await getJson<{ myRole: string }>(test.app, test.keys.advertiser, url);
    const partner = await getJson<{ myRole: string }>(test.app, test.keys.publisher, url);
    expect(owner.body.myRole).toBe('OWNER');
    expect(partner.body.myRole).toBe('ANALYST');
  });

  it('follows partners added and removed', async () => {
    const retailerId = await organizationId(test.keys.retailer);
    const partnersUrl = '/api/v1/cleanrooms/CR-000001/partners';
    const roomsBefore = await roomNames(test.keys.retailer);
    const partnersBefore = await getJson<ListBody<{ id: string }>>(
      test.app,
      test.keys.advertiser,
      partnersUrl,
    );

    const added = await sendJson<{ id: string }>(
      test.app,
      test.keys.advertiser,
      'POST',
      partnersUrl,
      {
        partnerOrganizationId: retailerId,
        role: 'VIEWER',
      },
    );
    expect(added.status).toBe(201);
    expect((await roomNames(test.keys.retailer)).length).toBe(roomsBefore.length + 1);
    const partnersAfter = await getJson<ListBody<{ id: string }>>(
      test.app,
      test.keys.advertiser,
      partnersUrl,
    );
    expect(partnersAfter.body.items.length).toBe(partnersBefore.body.items.length + 1);
    expect(
      (await getJson(test.app, test.keys.retailer, '/api/v1/cleanrooms/CR-000001')).status,
    ).toBe(200);

    const removed = await sendJson(
      test.app,
      test.keys.advertiser,
      'DELETE',
      `${partnersUrl}/${added.body.id}`,
    );
    expect(removed.status).toBe(204);
    expect((await roomNames(test.keys.retailer)).length).toBe(roomsBefore.length);
    expect(
      (await getJson(test.app, test.keys.retailer, '/api/v1/cleanrooms/CR-000001')).status,
    ).toBe(404);
  });

  it('follows datasets attached, detached and imported', async () => {
    const roomDatasets = '/api/v1/cleanrooms/CR-000002/datasets';
    const attachedBefore = await getJson<ListBody<unknown>>(
      test.app,
      test.keys.retailer,
      roomDatasets,
    );
    const ownBefore = await getJson<ListBody<{ id: string }>>(
      test.app,
      test.keys.advertiser,
      '/api/v1/datasets',
    );

    const imported = await importFile(
      test.app,
      test.keys.advertiser,
      { name: 'Cache test customers', dataType: 'CRM' },
      'customers.csv',
      'email,tier\n' + Array.from({ length: 20 }, (_, i) => `p${i}@example.com,gold`).join('\n'),
    );
    expect(imported.statusCode).toBe(201);
    const datasetId = (imported.json() as { dataset: { id: string } }).dataset.id;
    const ownAfter = await getJson<ListBody<{ id: string }>>(
      test.app,
      test.keys.advertiser,
      '/api/v1/datasets',
    );
    expect(ownAfter.body.items.length).toBe(ownBefore.body.items.length + 1);

    const attachUrl = `${roomDatasets}/${datasetId}`;
    expect((await sendJson(test.app, test.keys.advertiser, 'PUT', attachUrl)).status).toBe(200);
    const attached = await getJson<ListBody<unknown>>(test.app, test.keys.retailer, roomDatasets);
    expect(attached.body.items.length).toBe(attachedBefore.body.items.length + 1);

    expect((await sendJson(test.app, test.keys.advertiser, 'DELETE', attachUrl)).status).toBe(204);
    const detached = await getJson<ListBody<unknown>>(test.app, test.keys.retailer, roomDatasets);
    expect(detached.body.items.length).toBe(attachedBefore.body.items.length);
  });

  it('shows a new clean room in its owner list', async () => {
    const before = await roomNames(test.keys.retailer);
    const created = await sendJson(test.app, test.keys.retailer, 'POST', '/api/v1/cleanrooms', {
      name: 'Cache test room',
    });
    expect(created.status).toBe(201);

    expect(await roomNames(test.keys.retailer)).toEqual(['Cache test room', ...before]);
  });

  it('rejects a revoked API key at once', async () => {
    const created = await sendJson<{ id: string; key: string }>(
      test.app,
      test.keys.publisher,
      'POST',
      '/api/v1/api-keys',
      { name: 'cache test key' },
    );
    expect(created.status).toBe(201);
    const key = created.body.key;
    expect((await getJson(test.app, key, '/api/v1/me')).status).toBe(200);
    expect((await getJson(test.app, key, '/api/v1/me')).status).toBe(200);

    const revoked = await sendJson(
      test.app,
      test.keys.publisher,
      'DELETE',
      `/api/v1/api-keys/${created.body.id}`,
    );
    expect(revoked.status).toBe(200);

    const rejected = await getJson<{ error: { code: string } }>(test.app, key, '/api/v1/me');
    expect(rejected.status).toBe(401);
    expect(rejected.body.error.code).toBe('API_KEY_REVOKED');
  });
});

describe('cache administration', () => {
  it('returns statistics to an ADMIN', async () => {
    const stats = await cacheStats();

    expect(stats.health).toEqual(
      expect.objectContaining({ status: 'ok', backend: 'memory+redis' }),
    );
    expect(stats.requests.miss).toBeGreaterThan(0);
  });

  it('rejects a MEMBER', () => {
    const member = { organizationId: 'o', userId: 'u', apiKeyId: null, role: 'MEMBER' as const };

    expect(() => getCacheStats(test.platform.context, member)).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });

  it('clears the cache', async () => {
    await roomNames(test.keys.advertiser);
    const cleared = await test.app.inject({
      method: 'POST',
      url: '/api/v1/admin/cache/clear',
      headers: { authorization: `Bearer ${test.keys.advertiser}` },
    });
    expect(cleared.statusCode).toBe(204);

    const before = await cacheStats();
    await roomNames(test.keys.advertiser);
    expect((await cacheStats()).requests.miss).toBeGreaterThan(before.requests.miss);
  });

  it('reports the cache in readiness', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/health/ready' });
    const body = response.json() as { checks: { cache: { status: string } } };

    expect(response.statusCode).toBe(200);
    expect(body.checks.cache.status).toBe('ok');
  });
});
