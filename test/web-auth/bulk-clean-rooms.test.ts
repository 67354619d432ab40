import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  startTestPlatform,
  type Backend,
  type TestPlatform,
} from '../support/test-platform.ts';
import { seedBulkCleanRooms } from '../../src/services/clean-rooms/seed-bulk-clean-rooms.ts';

const BULK_COUNT = 100_000;

interface RoomPage {
  items: Array<{ id: string; name: string; status: string; displayId: string }>;
  nextCursor: string | null;
}

describe.each<Backend>(['postgres', 'pglite'])('100,000 bulk clean rooms on %s', (backend) => {
  let test: TestPlatform;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, seed: 'small', startWorker: false });
  }, 300_000);
  afterAll(async () => {
    await test.close();
  });

  async function listPage(query: string): Promise<RoomPage> {
    const response = await test.app.inject({
      method: 'GET',
      url: `/api/v1/cleanrooms?${query}`,
      headers: bearer(test.keys.retailer),
    });
    expect(response.statusCode).toBe(200);
    return response.json<RoomPage>();
  }

  it('inserts every room with its owner', async () => {
    const outcome = await seedBulkCleanRooms(test.platform.context.db, {
      organizationName: 'Cornerstone Market',
      count: BULK_COUNT,
    });
    const owners = await test.platform.context.db.query<{ count: number }>(
      `SELECT count(*) AS count FROM clean_room_partners
        WHERE organization_id = $1 AND role = 'OWNER'`,
      [outcome.organizationId],
    );

    expect(outcome.inserted).toBe(BULK_COUNT);
    expect(owners[0]?.count).toBeGreaterThanOrEqual(BULK_COUNT);
  }, 300_000);

  it('pages through a search to its last match', async () => {
    // Names cycle through eight words, so "Winter" names every eighth room; every tenth room is INACTIVE.
    const expected = Array.from({ length: BULK_COUNT }, (_, index) => index + 1).filter(
      (g) => g % 8 === 3 && g % 10 !== 0,
    ).length;
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: RoomPage = await listPage(
        `search=winter&status=ACTIVE&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      for (const room of page.items) {
        expect(room.name).toMatch(/^Winter campaign/);
        expect(room.status).toBe('ACTIVE');
        seen.add(room.id);
      }
      cursor = page.nextCursor;
    } while (cursor);

    expect(seen.size).toBe(expected);
  }, 300_000);

  it('finds one room by its number', async () => {
    const page = await listPage('search=campaign%200054321&limit=10');

    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.name).toBe('Summer campaign 0054321');
  });

  it('serves the newest rooms first', async () => {
    const page = await listPage('limit=3');

    expect(page.items.map((room) => room.name)).toEqual([
      'Summer campaign 0000001',
      'Autumn campaign 0000002',
      'Winter campaign 0000003',
    ]);
  });

  it('adds the questions when asked', async () => {
    const outcome = await seedBulkCleanRooms(test.platform.context.db, {
      organizationName: 'Daily Ledger Media',
      count: 10,
      withQuestions: true,
    });
    const rows = await test.platform.context.db.query<{ count: number }>(
      `SELECT count(*) AS count FROM clean_room_questions q
         JOIN clean_room_partners p ON p.clean_room_id = q.clean_room_id
        WHERE p.organization_id = $1 AND p.role = 'OWNER'`,
      [outcome.organizationId],
    );

    expect(rows[0]?.count).toBeGreaterThanOrEqual(40);
  });

  it('keeps the rooms from other organizations', async () => {
    const response = await test.app.inject({
      method: 'GET',
      url: '/api/v1/cleanrooms?search=campaign%200000001&limit=10',
      headers: bearer(test.keys.advertiser),
    });

    expect(response.json<RoomPage>().items).toHaveLength(0);
  });
});
