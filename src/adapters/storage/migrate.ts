import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logging/logger.ts';
import type { Database } from './database.ts';

const migrationsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** Advisory lock key shared by every process that migrates this database ("crmigrat"). */
const MIGRATION_LOCK_KEY = 0x63726d69;

/**
 * Applies the SQL files in `migrations/` in name order, each in its own
 * transaction, and records them in `schema_migrations`. Forward-only: an
 * applied file is never run again, and editing one has no effect.
 */
export async function migrate(db: Database, log: Logger): Promise<string[]> {
  await db.exec(`CREATE SCHEMA IF NOT EXISTS "${db.schema}"`);
  await db.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const files = (await readdir(migrationsDir)).filter((name) => name.endsWith('.sql')).sort();
  const applied: string[] = [];

  for (const file of files) {
    const id = file.replace(/\.sql$/, '');
    const sql = await readFile(path.join(migrationsDir, file), 'utf8');
    const ran = await db.transaction(async (tx) => {
      // Serialises concurrent start-ups of several processes on one database.
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE id = $1', [id]);
      if (done.length > 0) return false;

      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migrations (id) VALUES ($1)', [id]);
      return true;
    });
    if (ran) {
      applied.push(id);
      log.info({ migration: id, schema: db.schema }, 'migration applied');
    }
  }
  return applied;
}

/**
 * Splits a migration file into statements so each runs through the
 * parameterised query path of both backends. Migrations must not contain
 * semicolons inside string literals or function bodies.
 */
function splitStatements(sql: string): string[] {
  return sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}
