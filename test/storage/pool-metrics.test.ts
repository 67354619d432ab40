import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { PgliteDatabase } from '../../src/adapters/storage/pglite-database.ts';
import {
  PostgresDatabase,
  type PostgresOptions,
} from '../../src/adapters/storage/postgres-database.ts';
import { captureLog, sampleOf } from '../support/metrics-and-logs.ts';
import { dropSchemas, TEST_DATABASE_URL } from '../support/postgres.ts';

const opened: { db: PostgresDatabase; schema: string }[] = [];

async function openDatabase(options: Partial<PostgresOptions> = {}): Promise<PostgresDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const db = new PostgresDatabase({
    url: TEST_DATABASE_URL,
    schema,
    poolMax: 2,
    idleTimeoutMs: 10_000,
    connectionTimeoutMs: 5000,
    statementTimeoutMs: 10_000,
    log: createLogger('silent'),
    ...options,
  });
  opened.push({ db, schema });
  await db.exec(`CREATE SCHEMA "${schema}"`);
  return db;
}

afterEach(async () => {
  for (const { db, schema } of opened.splice(0)) {
    await db.close();
    await dropSchemas(schema);
  }
});

describe('pool metrics', () => {
  it('reports connections in use, idle and waiting queries', async () => {
    const metrics = new Registry();
    const db = await openDatabase({ poolMax: 2, metrics });
    const slow = Array.from({ length: 3 }, () => db.query('SELECT pg_sleep(0.3)'));

    await expect.poll(() => sampleOf(metrics, 'cleanroom_db_pool_waiting_queries')).toBe(1);
    expect(await sampleOf(metrics, 'cleanroom_db_pool_connections', { state: 'in_use' })).toBe(2);
    expect(await sampleOf(metrics, 'cleanroom_db_pool_max_connections')).toBe(2);

    await Promise.all(slow);
    expect(await sampleOf(metrics, 'cleanroom_db_pool_waiting_queries')).toBe(0);
    expect(await sampleOf(metrics, 'cleanroom_db_pool_connections', { state: 'in_use' })).toBe(0);
    expect(await sampleOf(metrics, 'cleanroom_db_pool_connections', { state: 'idle' })).toBe(2);
  });

  it('records the wait for a connection in a histogram', async () => {
    const metrics = new Registry();
    const db = await openDatabase({ poolMax: 1, metrics });

    await Promise.all([db.query('SELECT pg_sleep(0.2)'), db.query('SELECT 1')]);
    await db.transaction((tx) => tx.query('SELECT 1'));

    const count = await sampleOf(metrics, 'cleanroom_db_pool_wait_seconds_count');
    const total = await sampleOf(metrics, 'cleanroom_db_pool_wait_seconds_sum');
    expect(count).toBe(3);
    // The second query waited for the first one's 200 ms sleep.
    expect(total).toBeGreaterThan(0.1);
  });
});

describe('pool settings', () => {
  it('applies the statement timeout to every connection', async () => {
    const db = await openDatabase({ statementTimeoutMs: 1500 });

    const [setting] = await db.query<{ statement_timeout: string }>('SHOW statement_timeout');
    const insideTransaction = await db.transaction((tx) =>
      tx.query<{ statement_timeout: string }>('SHOW statement_timeout'),
    );

    expect(setting?.statement_timeout).toBe('1500ms');
    expect(insideTransaction[0]?.statement_timeout).toBe('1500ms');
  });

  it('cancels a statement that runs past the timeout', async () => {
    const db = await openDatabase({ statementTimeoutMs: 100 });

    await expect(db.query('SELECT pg_sleep(2)')).rejects.toThrow(/statement timeout/);
    expect(await db.query('SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
  });

  it('passes size and timeouts to the pool', async () => {
    const db = await openDatabase({ poolMax: 7, idleTimeoutMs: 1234, connectionTimeoutMs: 4321 });

    expect(db.pool.options.max).toBe(7);
    expect(db.pool.options.idleTimeoutMillis).toBe(1234);
    expect(db.pool.options.connectionTimeoutMillis).toBe(4321);
  });

  it('gives up on a server that never answers after the connection timeout', async () => {
    // A TCP server on loopback that accepts and stays silent, as a hung proxy would.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const db = new PostgresDatabase({
      url: `postgres://postgres@127.0.0.1:${port}/silent`,
      schema: 'public',
      poolMax: 1,
      idleTimeoutMs: 1000,
      connectionTimeoutMs: 200,
      statementTimeoutMs: 0,
      log: createLogger('silent'),
    });

    try {
      await expect(db.query('SELECT 1')).rejects.toThrow(/timeout/i);
    } finally {
      await db.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('closes connections idle longer than the idle timeout', async () => {
    const db = await openDatabase({ idleTimeoutMs: 100 });
    await Promise.all([db.query('SELECT 1'), db.query('SELECT 1')]);
    expect(db.pool.totalCount).toBeGreaterThan(0);

    await expect.poll(() => db.pool.totalCount, { timeout: 3000 }).toBe(0);
  });

  it('keeps the warmed pool minimum open', async () => {
    const db = await openDatabase({ poolMax: 4, poolMin: 3, idleTimeoutMs: 100 });

    await db.warm();
    expect(db.pool.totalCount).toBe(3);
    await Promise.all(Array.from({ length: 4 }, () => db.query('SELECT pg_sleep(0.05)')));
    expect(db.pool.totalCount).toBe(4);

    await expect.poll(() => db.pool.totalCount, { timeout: 3000 }).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(db.pool.totalCount).toBe(3);
  });
});

describe('prepared statements', () => {
  const hotQuery = 'SELECT $1::int + 1 AS next';

  async function preparedOnConnection(db: PostgresDatabase): Promise<string[]> {
    const rows = await db.query<{ name: string }>(
      "SELECT name FROM pg_prepared_statements WHERE name LIKE 'cr\\_%'",
    );
    return rows.map((row) => row.name);
  }

  it('prepares a hot parameterised statement when enabled', async () => {
    const db = await openDatabase({ poolMax: 1, preparedStatements: true });

    for (let value = 0; value < 30; value += 1) {
      expect(await db.query(hotQuery, [value])).toEqual([{ next: value + 1 }]);
    }

    expect(await preparedOnConnection(db)).toHaveLength(1);
  });

  it('leaves cold statements unnamed', async () => {
    const db = await openDatabase({ poolMax: 1, preparedStatements: true });

    await db.query(hotQuery, [1]);

    expect(await preparedOnConnection(db)).toEqual([]);
  });

  it('names nothing when disabled', async () => {
    const db = await openDatabase({ poolMax: 1, preparedStatements: false });

    for (let value = 0; value < 30; value += 1) await db.query(hotQuery, [value]);

    expect(await preparedOnConnection(db)).toEqual([]);
  });
});

describe('slow-query log', () => {
  it('logs a slow statement without its parameter values', async () => {
    const { log, lines } = captureLog();
    const db = await openDatabase({ log, slowQueryMs: 100 });

    await db.query('SELECT pg_sleep(0.3), $1::text AS email', ['person@example.com']);

    expect(lines).toHaveLength(1);
    expect(lines[0]?.msg).toBe('slow database query');
    expect(lines[0]?.statement).toBe('SELECT pg_sleep(0.3), $1::text AS email');
    expect(lines[0]?.durationMs).toBeGreaterThanOrEqual(100);
    expect(lines[0]?.connection).toBe('pool');
    expect(JSON.stringify(lines[0])).not.toContain('person@example.com');
  });

  it('logs slow statements inside transactions', async () => {
    const { log, lines } = captureLog();
    const db = await openDatabase({ log, slowQueryMs: 100 });

    await db.transaction((tx) => tx.query('SELECT pg_sleep(0.3)'));

    expect(lines.map((line) => line.statement)).toEqual(['SELECT pg_sleep(0.3)']);
  });

  it('stays silent for fast statements and when off', async () => {
    const { log, lines } = captureLog();
    const fast = await openDatabase({ log, slowQueryMs: 5000 });
    const off = await openDatabase({ log, slowQueryMs: 0 });

    await fast.query('SELECT 1');
    await off.query('SELECT pg_sleep(0.2)');

    expect(lines).toEqual([]);
  });
});

describe('slow-query log on PGlite', () => {
  it('logs a slow statement without its parameter values', async () => {
    const lines: string[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const db = await PgliteDatabase.open(undefined, 'slow_log', { log, slowQueryMs: 100 });

    try {
      await db.query('SELECT pg_sleep(0.3), $1::text AS email', ['person@example.com']);
    } finally {
      await db.close();
    }

    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('SELECT pg_sleep(0.3), $1::text AS email');
    expect(lines[0]).not.toContain('person@example.com');
  });
});
