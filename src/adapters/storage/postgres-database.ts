import pg from 'pg';
import type { Logger } from '../logging/logger.ts';
import { parseInt8, type Database, type Queryable } from './database.ts';

const INT8_OID = 20;

export interface PostgresOptions {
  url: string;
  schema: string;
  poolMax: number;
  idleTimeoutMs: number;
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  log: Logger;
}

const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID) return parseInt8;
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

/** PostgreSQL through a `pg` Pool; the production backend. */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  readonly schema: string;
  readonly pool: pg.Pool;

  constructor(options: PostgresOptions) {
    this.schema = options.schema;
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolMax,
      idleTimeoutMillis: options.idleTimeoutMs,
      connectionTimeoutMillis: options.connectionTimeoutMs,
      statement_timeout: options.statementTimeoutMs || undefined,
      application_name: 'cleanroom',
      options: `-c search_path=${options.schema},public`,
      types: typeParsers,
    });
    // Without a listener, an idle client dropped by the server (restart,
    // idle timeout on a proxy) emits 'error' and crashes the process.
    this.pool.on('error', (err) => {
      options.log.warn({ err }, 'idle database connection dropped');
    });
  }

  async query<Row>(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    const result = await this.pool.query(sql, params as unknown[]);
    return result.rows as Row[];
  }

  async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: Queryable = {
        query: async <Row>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as Row[],
      };
      const result = await work(tx);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async exec(script: string): Promise<Record<string, unknown>[]> {
    // A script of several statements returns one result per statement.
    const result = (await this.pool.query(script)) as pg.QueryResult | pg.QueryResult[];
    return Array.isArray(result) ? (result.at(-1)?.rows ?? []) : result.rows;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
