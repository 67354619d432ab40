import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/config.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from './database.ts';
import { PgliteDatabase } from './pglite-database.ts';
import { PostgresDatabase } from './postgres-database.ts';

/** Opens PostgreSQL when DATABASE_URL is set, otherwise PGlite under DATA_DIR/pglite. */
export async function openDatabase(
  config: Config,
  log: Logger,
  metrics?: Registry,
): Promise<Database> {
  if (!config.DATABASE_URL) {
    return PgliteDatabase.open(path.join(config.dataDir, 'pglite'), config.DATABASE_SCHEMA, {
      log,
      slowQueryMs: config.DATABASE_SLOW_QUERY_MS,
    });
  }

  const db = new PostgresDatabase({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolMax: config.DATABASE_POOL_MAX,
    idleTimeoutMs: config.DATABASE_IDLE_TIMEOUT_MS,
    connectionTimeoutMs: config.DATABASE_CONNECTION_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    slowQueryMs: config.DATABASE_SLOW_QUERY_MS,
    metrics,
    log,
  });
  await db.exec(`CREATE SCHEMA IF NOT EXISTS "${config.DATABASE_SCHEMA}"`);
  return db;
}
