import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  findRoom,
  getJson,
  sendJson,
  waitForRun,
  type CleanRoomView,
} from '../support/api-helpers.ts';

describe('organization scoping', () => {
  let test: TestPlatform;
  let holidayRoom: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    holidayRoom = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await test?.close();
  });

  it('lists only rooms the organization is a partner of', async () => {
    const retailer = await getJson<{ items: CleanRoomView[] }>(
      test.app,
      test.keys.retailer,
      '/api/v1/cleanrooms',
    );
    const publisher = await getJson<{ items: CleanRoomView[] }>(
      test.app,
      test.keys.publisher,
      '/api/v1/cleanrooms',
    );

    expect(retailer.body.items.map((room) => room.name)).toEqual([
      'Cornerstone Retail Media Insights',
    ]);
    expect(publisher.body.items.map((room) => room.name)).toEqual([
      'Northwind x Daily Ledger Holiday Campaign',
    ]);
  });

  it("answers 404 for another organization's clean room", async () => {
    for (const reference of [holidayRoom.id, holidayRoom.displayId]) {
      const response = await getJson<{ error: { code: string } }>(
        test.app,
        test.keys.retailer,
        `/api/v1/cleanrooms/${reference}`,
      );
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('CLEAN_ROOM_NOT_FOUND');
    }
  });

  it("answers 404 for another organization's partners, datasets and runs", async () => {
    const started = await sendJson<{ id: string }>(
      test.app,
      test.keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${holidayRoom.id}/runs`,
      {
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
      },
    );
    expect(started.status).toBe(202);
    await waitForRun(test.app, test.keys.advertiser, started.body.id);

    const paths = [
      `/api/v1/cleanrooms/${holidayRoom.id}/partners`,
      `/api/v1/cleanrooms/${holidayRoom.id}/datasets`,
      `/api/v1/runs/${started.body.id}`,
      `/api/v1/runs/${started.body.id}/results`,
    ];
    for (const path of paths) {
      const response = await getJson<{ error: { code: string } }>(
        test.app,
        test.keys.retailer,
        path,
      );
      expect(response.status, path).toBe(404);
    }
    const cancel = await sendJson(
      test.app,
      test.keys.retailer,
      'POST',
      `/api/v1/runs/${started.body.id}/cancel`,
    );
    expect(cancel.status).toBe(404);
  });

  it("hides another organization's datasets", async () => {
    const own = await getJson<{ items: { id: string }[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/datasets',
    );
    const datasetId = own.body.items[0]!.id;

    const response = await getJson<{ error: { code: string } }>(
      test.app,
      test.keys.retailer,
      `/api/v1/datasets/${datasetId}`,
    );
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('DATASET_NOT_FOUND');
  });

  it('does not list runs of rooms the organization is not in', async () => {
    const runs = await getJson<{ items: unknown[] }>(test.app, test.keys.retailer, '/api/v1/runs');
    expect(runs.body.items).toEqual([]);
  });
});

describe('API keys', () => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite' });
  });

  afterAll(async () => {
    await test?.close();
  });

  it('rejects a request without a key with 401 and a Bearer challenge', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/cleanrooms' });

    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect(response.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('rejects an unknown key', async () => {
    const response = await test.app.inject({
      method: 'GET',
      url: '/api/v1/cleanrooms',
      headers: bearer(`crk_${'x'.repeat(32)}`),
    });

    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('API_KEY_INVALID');
  });

  it('shows a new key once and rejects it after revocation', async () => {
    const created = await sendJson<{ id: string; key: string }>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/api-keys',
      { name: 'ci' },
    );
    expect(created.status).toBe(201);
    expect((await getJson(test.app, created.body.key, '/api/v1/me')).status).toBe(200);

    const listed = await getJson<{ items: Record<string, unknown>[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/api-keys',
    );
    expect(JSON.stringify(listed.body)).not.toContain(created.body.key);

    const revoked = await sendJson(
      test.app,
      test.keys.advertiser,
      'DELETE',
      `/api/v1/api-keys/${created.body.id}`,
    );
    expect(revoked.status).toBe(200);
    const rejected = await getJson<{ error: { code: string } }>(
      test.app,
      created.body.key,
      '/api/v1/cleanrooms',
    );
    expect(rejected.status).toBe(401);
    expect(rejected.body.error.code).toBe('API_KEY_REVOKED');
  });

  it("cannot revoke another organization's key", async () => {
    const created = await sendJson<{ id: string }>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/api-keys',
      { name: 'mine' },
    );

    const response = await sendJson(
      test.app,
      test.keys.retailer,
      'DELETE',
      `/api/v1/api-keys/${created.body.id}`,
    );
    expect(response.status).toBe(404);
  });
});
