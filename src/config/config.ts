import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable the platform reads, with its default and unit.
 * This module is the only place that reads `process.env`.
 */
const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const booleanFlag = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

export const configSchema = z
  .object({
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: integer(0, 65_535).default(3000),
    PUBLIC_URL: z.url().optional(),
    LOG_LEVEL: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    DATA_DIR: z.string().min(1).default('./data'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
    DATABASE_SCHEMA: z
      .string()
      .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
      .default('public'),
    DATABASE_POOL_MAX: integer(1, 1000).default(10),
    DATABASE_IDLE_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
    DATABASE_CONNECTION_TIMEOUT_MS: integer(1, 600_000).default(5_000),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(0, 3_600_000).default(30_000),
    SEED: z.enum(['full', 'small', 'none']).default('full'),
    WORKER_CONCURRENCY: integer(1, 64).default(2),
    RUN_RETRY_LIMIT: integer(0, 20).default(3),
    RUN_RETRY_DELAY_SECONDS: integer(1, 3600).default(2),
    RUN_EXPIRE_SECONDS: integer(2, 86_400).default(900),
    QUEUE_POLL_INTERVAL_SECONDS: z.coerce.number().min(0.5).max(60).default(2),
    QUEUE_MAINTENANCE_INTERVAL_SECONDS: integer(1, 3600).default(30),
    UPLOAD_MAX_BYTES: integer(1, 1024 ** 4).default(2 * 1024 ** 3),
    IMPORT_MAX_INVALID_ROWS: integer(0, 1_000_000_000).default(10_000),
    ENGINE_THREADS: integer(1, 256).optional(),
    ENGINE_MEMORY_LIMIT: z
      .string()
      .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'must look like 2GB or 512MiB')
      .optional(),
    RESULT_ROWS_MAX: integer(1, 10_000_000).default(100_000),
    PAGE_SIZE_MAX: integer(1, 10_000).default(500),
    WORKER_ENABLED: booleanFlag.default(true),
  })
  .strict();

export type Config = z.infer<typeof configSchema> & {
  /** Absolute path of DATA_DIR. */
  dataDir: string;
};

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates the environment once at boot. Only variables this module knows are
 * taken from `env`, so unrelated variables of the host never fail start-up.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const known = Object.keys(configSchema.shape);
  const input = Object.fromEntries(
    known
      .filter((name) => env[name] !== undefined && env[name] !== '')
      .map((name) => [name, env[name]]),
  );
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? '');
        return `${name}=${JSON.stringify(input[name])} is invalid: ${issue.message}`;
      }),
    );
  }

  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
