import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import type { Database } from '../../src/adapters/storage/database.ts';
import { migrate } from '../../src/adapters/storage/migrate.ts';
import { PgliteDatabase } from '../../src/adapters/storage/pglite-database.ts';
import { PostgresDatabase } from '../../src/adapters/storage/postgres-database.ts';
import { dropSchemas, TEST_DATABASE_URL } from '../support/postgres.ts';

const log = createLogger('silent');

interface Fixture {
  db: Database;
  cleanup(): Promise<void>;
}

const backends: Record<string, () => Promise<Fixture>> = {
  postgres: async () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const db = new PostgresDatabase({
      url: TEST_DATABASE_URL,
      schema,
      poolMax: 4,
      idleTimeoutMs: 1000,
      connectionTimeoutMs: 5000,
      statementTimeoutMs: 10_000,
      log,
    });
    await db.exec(`CREATE SCHEMA "${schema}"`);
    return {
      db,
      cleanup: async () => {
        await db.close();
        await dropSchemas(schema);
      },
    };
  },
  pglite: async () => {
    const directory = await mkdtemp(path.join(os.tmpdir(), 'cleanroom-pglite-'));
    const db = await PgliteDatabase.open(directory, `t_${randomBytes(6).toString('hex')}`);
    return {
      db,
      cleanup: async () => {
        await db.close();
        await rm(directory, { recursive: true, force: true });
      },
    };
  },
};

describe.each(Object.keys(backends))('storage on %s', (backend) => {
  let fixture: Fixture;

  beforeEach(async () => {
    fixture = await backends[backend]!();
  });

  afterEach(async () => {
    await fixture.cleanup();
  });

  it('applies each migration once and records it', async () => {
    const first = await migrate(fixture.db, log);
    const second = await migrate(fixture.db, log);

    expect(first).toContain('0001-initial-schema');
    expect(second).toEqual([]);
    const recorded = await fixture.db.query<{ id: string }>('SELECT id FROM schema_migrations');
    expect(recorded.map((row) => row.id)).toEqual(first);
  });

  it('creates the tables in its own schema', async () => {
    await migrate(fixture.db, log);

    const tables = await fixture.db.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [fixture.db.schema],
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'clean_rooms',
        'question_runs',
        'question_run_results',
        'audit_events',
      ]),
    );
  });

  it('returns int8 and counts as numbers', async () => {
    const [row] = await fixture.db.query<{ total: unknown; big: unknown; numeric: unknown }>(
      'SELECT count(*) AS total, 9007199254740991::int8 AS big, 2.5::numeric AS numeric FROM generate_series(1, 3)',
    );

    expect(row?.total).toBe(3);
    expect(row?.big).toBe(Number.MAX_SAFE_INTEGER);
    expect(row?.numeric).toBe('2.5');
  });

  it('rejects an int8 beyond the safe integer range', async () => {
    await expect(fixture.db.query('SELECT 9007199254740993::int8 AS big')).rejects.toThrow(
      /MAX_SAFE_INTEGER/,
    );
  });

  it('returns timestamps as Date and jsonb parsed', async () => {
    const [row] = await fixture.db.query<{ at: unknown; doc: unknown }>(
      `SELECT now() AS at, $1::jsonb AS doc`,
      [JSON.stringify({ crowdSize: 50 })],
    );

    expect(row?.at).toBeInstanceOf(Date);
    expect(row?.doc).toEqual({ crowdSize: 50 });
  });

  it('rolls back a transaction that throws', async () => {
    await migrate(fixture.db, log);

    await expect(
      fixture.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO organizations (id, name, kind) VALUES (gen_random_uuid(), 'Acme', 'ADVERTISER')`,
        );
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    const rows = await fixture.db.query('SELECT 1 FROM organizations');
    expect(rows).toHaveLength(0);
  });

  it('commits a transaction that succeeds', async () => {
    await migrate(fixture.db, log);

    await fixture.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO organizations (id, name, kind) VALUES (gen_random_uuid(), 'Acme', 'ADVERTISER')`,
      );
    });
    const rows = await fixture.db.query<{ name: string }>('SELECT name FROM organizations');
    expect(rows.map((row) => row.name)).toEqual(['Acme']);
  });
});

describe('postgres pool', () => {
  it('survives a server-side termination of an idle connection', async () => {
    const { db, cleanup } = await backends.postgres!();
    const pool = (db as PostgresDatabase).pool;
    try {
      const [own] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const dropped = new Promise((resolve) => pool.once('error', resolve));
      const killer = new PostgresDatabase({
        url: TEST_DATABASE_URL,
        schema: 'public',
        poolMax: 1,
        idleTimeoutMs: 1000,
        connectionTimeoutMs: 5000,
        statementTimeoutMs: 0,
        log,
      });
      await killer.query('SELECT pg_terminate_backend($1)', [own?.pid]);
      await killer.close();
      await dropped;

      await expect(db.ping()).resolves.toBeUndefined();
    } finally {
      await cleanup();
    }
  });
});
