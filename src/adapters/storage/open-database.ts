import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from '../../config/config.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Logger } from '../logging/logger.ts';
import type { Database } from './database.ts';
import { PgliteDatabase } from './pglite-database.ts';
import { PostgresDatabase } from './postgres-database.ts';

/** Connections kept open while idle when DATABASE_POOL_MIN is unset. */
const DEFAULT_POOL_MIN = 2;

/** Opens PostgreSQL when DATABASE_URL is set, otherwise PGlite under DATA_DIR/pglite. */
export async function openDatabase(
  config: Config,
  log: Logger,
  metrics?: Registry,
): Promise<Database> {
  if (!config.DATABASE_URL) {
    warnOfPostgresOnlySettings(config, log);
    return PgliteDatabase.open(path.join(config.dataDir, 'pglite'), config.DATABASE_SCHEMA, {
      log,
      slowQueryMs: config.DATABASE_SLOW_QUERY_MS,
    });
  }

  const db = new PostgresDatabase({
    url: config.DATABASE_URL,
    schema: config.DATABASE_SCHEMA,
    poolMax: config.DATABASE_POOL_MAX,
    poolMin: config.DATABASE_POOL_MIN ?? Math.min(DEFAULT_POOL_MIN, config.DATABASE_POOL_MAX),
    idleTimeoutMs: config.DATABASE_IDLE_TIMEOUT_MS,
    connectionTimeoutMs: config.DATABASE_CONNECTION_TIMEOUT_MS,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    pipelineConnections: config.DATABASE_PIPELINE_CONNECTIONS,
    pipelineMaxStatementMs: config.DATABASE_PIPELINE_MAX_STATEMENT_MS,
    slowQueryMs: config.DATABASE_SLOW_QUERY_MS,
    metrics,
    log,
  });
  try {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS "${config.DATABASE_SCHEMA}"`);
    await db.warm();
    if (config.DATABASE_PIPELINE_CONNECTIONS > 0) {
      log.info(
        { pipelineConnections: config.DATABASE_PIPELINE_CONNECTIONS },
        'pipelined database connections open',
      );
    }
  } catch (error) {
    await db.close().catch(() => undefined);
    throw explainConnectionFailure(error, config.DATABASE_URL);
  }
  return db;
}

/** Says which PostgreSQL settings were set but do nothing on embedded PGlite, which runs one statement at a time. */
function warnOfPostgresOnlySettings(config: Config, log: Logger): void {
  const ignored = [
    ...(config.DATABASE_PIPELINE_CONNECTIONS > 0 ? ['DATABASE_PIPELINE_CONNECTIONS'] : []),
    ...(config.DATABASE_PREPARED_STATEMENTS ? ['DATABASE_PREPARED_STATEMENTS'] : []),
  ];
  if (ignored.length === 0) return;
  log.warn(
    { ignored },
    'PostgreSQL settings ignored on the embedded database; set DATABASE_URL to use them',
  );
}

/** Network error codes of a PostgreSQL server that cannot be reached, as Node's net module reports them. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/**
 * Names the database host and port (never the password) and the fix when
 * PostgreSQL cannot be reached, so the CLI prints one line instead of a stack.
 * Other errors (a missing privilege, for example) pass unchanged.
 */
function explainConnectionFailure(error: unknown, databaseUrl: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code ?? '';
  const timedOut = error instanceof Error && /timeout.*connect/i.test(error.message);
  if (!UNREACHABLE_CODES.has(code) && !timedOut) return error;

  const url = new URL(databaseUrl);
  const address = `${url.hostname}:${url.port || '5432'}`;
  const reason = code === 'ECONNREFUSED' ? 'connection refused' : code || 'connection timed out';
  return new AppError(
    'DATABASE_UNAVAILABLE',
    `Cannot connect to PostgreSQL at ${address} (${reason}); start the database or fix DATABASE_URL, or unset DATABASE_URL to use the embedded database under DATA_DIR.`,
    { cause: error, retryable: true },
  );
}
