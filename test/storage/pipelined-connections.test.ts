import { randomBytes } from 'node:crypto';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import {
  PostgresDatabase,
  type PostgresOptions,
} from '../../src/adapters/storage/postgres-database.ts';
import { captureLog, sampleOf } from '../support/metrics-and-logs.ts';
import { dropSchemas, TEST_DATABASE_URL } from '../support/postgres.ts';

/** Executions a statement needs on the pool before it may be pipelined (MIN_TIMED_EXECUTIONS). */
const EXECUTIONS_BEFORE_PIPELINE = 20;

const opened: { db: PostgresDatabase; schema: string }[] = [];

async function openDatabase(
  options: Partial<PostgresOptions> = {},
): Promise<{ db: PostgresDatabase; metrics: Registry }> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const metrics = new Registry();
  const db = new PostgresDatabase({
    url: TEST_DATABASE_URL,
    schema,
    poolMax: 2,
    idleTimeoutMs: 10_000,
    connectionTimeoutMs: 5000,
    statementTimeoutMs: 10_000,
    pipelineConnections: 2,
    metrics,
    log: createLogger('silent'),
    ...options,
  });
  opened.push({ db, schema });
  await db.exec(`CREATE SCHEMA "${schema}"`);
  await db.warm();
  return { db, metrics };
}

afterEach(async () => {
  for (const { db, schema } of opened.splice(0)) {
    await db.close();
    await dropSchemas(schema);
  }
});

function pipelinedCount(metrics: Registry): Promise<number | undefined> {
  return sampleOf(metrics, 'cleanroom_db_statements_total', { connection: 'pipeline' });
}

/** Runs `sql` one execution at a time, so it gets timed on the pool. */
async function makeKnown(db: PostgresDatabase, sql: string, params: unknown[]): Promise<void> {
  for (let index = 0; index < EXECUTIONS_BEFORE_PIPELINE; index += 1) await db.query(sql, params);
}

describe('pipelined connections', () => {
  it('pipelines concurrent fast queries', async () => {
    const { db, metrics } = await openDatabase();
    await db.exec('CREATE TABLE numbers (n int PRIMARY KEY)');
    await db.exec('INSERT INTO numbers SELECT generate_series(1, 500)');
    const sql = 'SELECT n, n * 2 AS twice FROM numbers WHERE n = $1';
    await makeKnown(db, sql, [1]);
    expect(await pipelinedCount(metrics)).toBe(0);

    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, index) => db.query<{ n: number }>(sql, [index + 1])),
    );

    // Unqualified table name: the pipelined connections have the schema's search_path.
    expect(answers.map((rows) => rows[0]?.n)).toEqual(
      Array.from({ length: 500 }, (_, index) => index + 1),
    );
    // Each of the 2 connections takes up to 32 queries in flight (PIPELINE_DEPTH_MAX); the rest take the pool.
    expect(await pipelinedCount(metrics)).toBe(64);
    expect(await sampleOf(metrics, 'cleanroom_db_statements_total', { connection: 'pool' })).toBe(
      EXECUTIONS_BEFORE_PIPELINE + 500 - 64,
    );
    expect(await sampleOf(metrics, 'cleanroom_db_pipeline_connections')).toBe(2);
    expect(await sampleOf(metrics, 'cleanroom_db_pipeline_queries_in_flight')).toBe(0);
  });

  it('keeps slow statements on the pool', async () => {
    const { db, metrics } = await openDatabase({ pipelineMaxStatementMs: 5 });
    const slow = 'SELECT pg_sleep(0.02), $1::int AS n';
    await makeKnown(db, slow, [1]);

    await Promise.all(Array.from({ length: 10 }, (_, index) => db.query(slow, [index])));

    expect(await pipelinedCount(metrics)).toBe(0);
    expect(await sampleOf(metrics, 'cleanroom_db_statements_total', { connection: 'pool' })).toBe(
      EXECUTIONS_BEFORE_PIPELINE + 10,
    );
  });

  it('isolates a failing statement', async () => {
    const { db, metrics } = await openDatabase();
    const sql = 'SELECT 100 / $1::int AS quotient';
    await makeKnown(db, sql, [1]);

    const settled = await Promise.allSettled(
      [5, 0, 4, 0, 2].map((divisor) => db.query<{ quotient: number }>(sql, [divisor])),
    );

    expect(settled.map((result) => result.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(settled[1]).toMatchObject({ reason: { code: '22012' } });
    expect(settled[4]).toMatchObject({ value: [{ quotient: 50 }] });
    expect(await pipelinedCount(metrics)).toBe(5);
    expect(await sampleOf(metrics, 'cleanroom_db_pipeline_connections')).toBe(2);
  });

  it('applies the connection settings', async () => {
    const { db } = await openDatabase({ statementTimeoutMs: 1500 });
    const sql = 'SELECT current_setting($1) AS value';
    await makeKnown(db, sql, ['statement_timeout']);

    const rows = await Promise.all([
      db.query<{ value: string }>(sql, ['statement_timeout']),
      db.query<{ value: string }>(sql, ['application_name']),
    ]);

    expect(rows.map((result) => result[0]?.value)).toEqual(['1500ms', 'cleanroom']);
  });

  it('reopens a dropped connection', async () => {
    const { db, metrics } = await openDatabase();
    const sql = 'SELECT pg_backend_pid() AS pid, $1::int AS n';
    await makeKnown(db, sql, [0]);
    const pipelined = await Promise.all(
      Array.from({ length: 20 }, (_, index) => db.query<{ pid: number }>(sql, [index])),
    );
    const pipelinePids = [...new Set(pipelined.map((rows) => rows[0]?.pid))];
    expect(pipelinePids.length).toBeGreaterThan(0);

    await db.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [
      pipelinePids,
    ]);
    // Each terminated backend's client sees its socket close; only then is it dropped.
    await expect
      .poll(() => sampleOf(metrics, 'cleanroom_db_pipeline_connections'))
      .toBe(2 - pipelinePids.length);

    // Every query succeeds meanwhile, because the pool takes them until the connections are back.
    for (let index = 0; index < 20; index += 1) {
      expect(await db.query<{ n: number }>(sql, [index])).toMatchObject([{ n: index }]);
    }
    await expect
      .poll(
        async () => {
          await db.query(sql, [1]);
          return sampleOf(metrics, 'cleanroom_db_pipeline_connections');
        },
        { timeout: 5000, interval: 200 },
      )
      .toBe(2);
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, index) => db.query<{ pid: number }>(sql, [index])),
    );
    expect(after.every((rows) => !pipelinePids.includes(rows[0]?.pid))).toBe(true);
  });

  it('skips a connection stalled on a lock', async () => {
    const { log, lines } = captureLog();
    const { db, metrics } = await openDatabase({ pipelineConnections: 1, slowQueryMs: 40, log });
    await db.exec('CREATE TABLE locked (n int); CREATE TABLE free (n int)');
    const readLocked = 'SELECT count(*)::int AS count FROM locked WHERE n <> $1';
    const readFree = 'SELECT count(*)::int AS count FROM free WHERE n <> $1';
    await makeKnown(db, readLocked, [0]);
    await makeKnown(db, readFree, [0]);
    const locker = await db.pool.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE locked IN ACCESS EXCLUSIVE MODE');

    const blocked = db.query(readLocked, [0]);
    let free: unknown;
    try {
      expect(await pipelinedCount(metrics)).toBe(1);
      // No result for 4 times the 5 ms statement limit marks the connection as stalled.
      await new Promise((resolve) => setTimeout(resolve, 50));
      const timeout = new Promise((resolve) => setTimeout(resolve, 2000, 'still waiting'));
      free = await Promise.race([db.query(readFree, [0]), timeout]);
    } finally {
      await locker.query('COMMIT');
      locker.release();
    }

    expect(free).toEqual([{ count: 0 }]);
    expect(await pipelinedCount(metrics)).toBe(1);
    expect(await blocked).toEqual([{ count: 0 }]);
    const slow = lines.filter((line) => line.msg === 'slow database query');
    expect(slow).toMatchObject([{ statement: readLocked, connection: 'pipeline' }]);
  });

  it('keeps transactions on their connection', async () => {
    const { db, metrics } = await openDatabase();
    await db.exec('CREATE TABLE notes (id int PRIMARY KEY)');
    const insert = 'INSERT INTO notes (id) VALUES ($1)';
    // Thirty executions make the INSERT known to be fast.
    await db.transaction(async (tx) => {
      for (let id = 1; id <= 30; id += 1) await tx.query(insert, [id]);
    });

    const rolledBack = db.transaction(async (tx) => {
      await tx.query(insert, [31]);
      throw new Error('abandon the transaction');
    });

    await expect(rolledBack).rejects.toThrow('abandon the transaction');
    expect(await pipelinedCount(metrics)).toBe(0);
    expect(await db.query('SELECT count(*)::int AS count FROM notes')).toEqual([{ count: 30 }]);
  });
});
