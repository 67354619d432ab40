import { mkdir } from 'node:fs/promises';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { parseInt8, type Database, type Queryable } from './database.ts';

/**
 * PostgreSQL in WebAssembly, the embedded default. It has one connection, so
 * queries run one at a time and `transaction` keeps that connection until it ends.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  readonly schema: string;
  readonly client: PGlite;

  private constructor(client: PGlite, schema: string) {
    this.client = client;
    this.schema = schema;
  }

  /** Opens the database in `directory`, or in memory when `directory` is undefined. */
  static async open(directory: string | undefined, schema: string): Promise<PgliteDatabase> {
    if (directory) await mkdir(directory, { recursive: true });
    const client = await PGlite.create(directory, {
      parsers: { [types.INT8]: (value: string) => parseInt8(value) },
    });
    await client.exec(
      `CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}", public;`,
    );
    return new PgliteDatabase(client, schema);
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.client.query<Row>(sql, params as unknown[]);
    return result.rows;
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.client.transaction(async (transaction: Transaction) => {
      const tx: Queryable = {
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await transaction.query<Row>(sql, params as unknown[])).rows,
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
