import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../support/postgres.ts';
import { bearer, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/**
 * A second process on the seeded schema with a short statement timeout and a
 * pool of one connection, so a lock held by another connection makes its
 * reads time out and a second request wait for the pool.
 */
describe('busy PostgreSQL', () => {
  let seeded: TestPlatform;
  let busy: TestPlatform;
  let locker: pg.Client;

  beforeAll(async () => {
    seeded = await startTestPlatform({ backend: 'postgres', startWorker: false });
    busy = await startTestPlatform({
      backend: 'postgres',
      seed: 'none',
      startWorker: false,
      reuse: { dataDir: seeded.dataDir, schema: seeded.schema },
      env: {
        DATABASE_STATEMENT_TIMEOUT_MS: '500',
        DATABASE_POOL_MAX: '1',
        DATABASE_CONNECTION_TIMEOUT_MS: '200',
        CACHE_ENABLED: 'false',
      },
    });
  });

  beforeAll(async () => {
    locker = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await locker.connect();
  });

  afterEach(async () => {
    await locker.query('ROLLBACK');
  });

  afterAll(async () => {
    await locker?.end();
    await busy?.stop();
    await seeded?.close();
  });

  async function lockCleanRooms(): Promise<void> {
    await locker.query('BEGIN');
    await locker.query(`LOCK TABLE "${seeded.schema}".clean_rooms IN ACCESS EXCLUSIVE MODE`);
  }

  function getCleanRoom() {
    return busy.app.inject({
      method: 'GET',
      url: '/api/v1/cleanrooms/CR-000001',
      headers: bearer(seeded.keys.advertiser),
    });
  }

  it('answers a statement timeout with 503 DATABASE_TIMEOUT', async () => {
    await lockCleanRooms();

    const response = await getCleanRoom();

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ error: { code: 'DATABASE_TIMEOUT', status: 503 } });
    expect(response.json().error.message).toMatch(/retry/i);
    expect(response.headers['retry-after']).toBe('2');
  });

  it('answers a pool timeout with 503 DATABASE_UNAVAILABLE', async () => {
    await lockCleanRooms();

    const responses = await Promise.all([getCleanRoom(), getCleanRoom()]);

    const codes = responses.map((response) => response.json().error?.code).sort();
    expect(codes).toEqual(['DATABASE_TIMEOUT', 'DATABASE_UNAVAILABLE']);
    for (const response of responses) {
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('2');
    }
  });

  it('answers a lost connection with 503', async () => {
    await lockCleanRooms();
    const pending = getCleanRoom();
    // The busy process's statement is the one waiting for the lock on this schema's table.
    const waiting = async () =>
      (
        await locker.query<{ pid: number }>(
          `SELECT pid FROM pg_locks WHERE relation = $1::regclass AND NOT granted`,
          [`"${seeded.schema}".clean_rooms`],
        )
      ).rows;
    await expect.poll(waiting).toHaveLength(1);
    const [{ pid }] = (await waiting()) as [{ pid: number }];

    await locker.query('SELECT pg_terminate_backend($1)', [pid]);
    const response = await pending;

    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      error: {
        code: 'DATABASE_UNAVAILABLE',
        message: expect.stringMatching(/connection.*lost.*retry/i),
      },
    });
    expect(response.headers['retry-after']).toBe('2');
  });

  it('serves the room again once the lock is gone', async () => {
    const response = await getCleanRoom();

    expect(response.statusCode).toBe(200);
  });
});
