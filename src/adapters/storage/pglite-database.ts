import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import type { Logger } from '../logging/logger.ts';
import { SlowQueryLog } from '../metrics/slow-query-log.ts';
import { parseInt8, type Database, type Queryable } from './database.ts';

export interface PgliteOptions {
  /** Logger of the slow-query log; without it the log is off. */
  log?: Logger;
  /** Statements slower than this many milliseconds are logged at warn; 0 or absent turns the log off. */
  slowQueryMs?: number;
}

/**
 * PostgreSQL in WebAssembly, the embedded default. It has one connection, so
 * queries run one at a time and `transaction` keeps that connection until it ends.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  readonly schema: string;
  readonly client: PGlite;
  private readonly slowQueries: SlowQueryLog | null;

  private constructor(client: PGlite, schema: string, options: PgliteOptions) {
    this.client = client;
    this.schema = schema;
    this.slowQueries = options.log
      ? new SlowQueryLog(options.slowQueryMs ?? 0, options.log, 'pglite')
      : null;
  }

  /** Opens the database in `directory`, or in memory when `directory` is undefined. */
  static async open(
    directory: string | undefined,
    schema: string,
    options: PgliteOptions = {},
  ): Promise<PgliteDatabase> {
    if (directory) await mkdir(directory, { recursive: true });
    const client = await PGlite.create(directory, {
      parsers: { [types.INT8]: (value: string) => parseInt8(value) },
    });
    await client.exec(
      `CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}", public;`,
    );
    return new PgliteDatabase(client, schema, options);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    // NOTE: PGlite runs one statement at a time, so a slow-query duration here
    // includes the time the statement queued behind others.
    const run = () => this.client.query<Row>(sql, params as unknown[]);
    const result = await (this.slowQueries ? this.slowQueries.time(sql, run) : run());
    return result.rows;
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.client.transaction(async (transaction: Transaction) => {
      const tx: Queryable = {
        query: async <Row>(sql: string, params: readonly unknown[] = []) => {
          const run = () => transaction.query<Row>(sql, params as unknown[]);
          return (await (this.slowQueries ? this.slowQueries.time(sql, run) : run())).rows;
        },
      };
      return work(tx);
    });
  }

  async exec(script: string): Promise<Record<string, unknown>[]> {
    const results = await this.client.exec(script);
    return (results.at(-1)?.rows ?? []) as Record<string, unknown>[];
  }

  async ping(): Promise<void> {
    await this.client.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
