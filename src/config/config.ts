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

/** A comma-separated list; blanks around items and empty items are dropped. */
const commaList = <Item extends z.ZodType<string, string>>(item: Item) =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry.length > 0),
    )
    .pipe(z.array(item).min(1, 'must list at least one value'));

/** `host` or `host:port` as a Host header carries it, or `*` for any host. */
const hostPattern = z
  .string()
  .regex(
    /^(\*|\[[0-9a-f:.]+\](:\d{1,5})?|[a-z0-9.-]+(:\d{1,5})?)$/i,
    'must be host or host:port, such as mcp.example.com or localhost:3000, or *',
  );

/** An origin as browsers send it (scheme://host[:port], no path), or `*` for any origin. */
const originPattern = z
  .string()
  .regex(
    /^(\*|https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?)$/i,
    'must be an origin such as https://app.example.com or http://localhost:5173, or *',
  );

/** JWS algorithms an access token may be signed with: asymmetric only, because keys come from a JWKS. */
export const accessTokenAlgorithms = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

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
    PRIVACY_MIN_CROWD_SIZE: integer(2, 100_000).default(10),
    WORKER_ENABLED: booleanFlag.default(true),
    REDIS_URL: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    REDIS_COMMAND_TIMEOUT_MS: integer(1, 60_000).default(100),
    REDIS_CONNECT_TIMEOUT_MS: integer(1, 60_000).default(2_000),
    REDIS_KEY_PREFIX: z
      .string()
      .regex(
        /^[A-Za-z0-9:_-]{1,64}$/,
        'must be 1-64 letters, digits, colons, dashes or underscores',
      )
      .default('cleanroom:'),
    MCP_STATELESS: booleanFlag.default(false),
    MCP_SESSION_IDLE_SECONDS: integer(1, 86_400).default(1800),
    MCP_MAX_SESSIONS: integer(1, 1_000_000).default(1000),
    MCP_ALLOWED_HOSTS: commaList(hostPattern).optional(),
    MCP_ALLOWED_ORIGINS: commaList(originPattern).optional(),
    MCP_BODY_LIMIT_BYTES: integer(1, 64 * 1024 ** 2).default(1024 ** 2),
    MCP_EVENT_RETENTION_SECONDS: integer(10, 7 * 86_400).default(600),
    MCP_RESOURCE_URL: z.url({ protocol: /^https?$/ }).optional(),
    MCP_OAUTH_ISSUER: z.url().optional(),
    MCP_OAUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
    MCP_OAUTH_AUDIENCE: z.string().min(1).optional(),
    MCP_OAUTH_ALGORITHMS: commaList(z.enum(accessTokenAlgorithms)).default(['RS256', 'ES256']),
    MCP_OAUTH_CLOCK_TOLERANCE_SECONDS: integer(0, 300).default(30),
    MCP_OAUTH_ORGANIZATION_CLAIM: z.string().min(1).default('org_id'),
  })
  .strict()
  .superRefine((config, context) => {
    const oauthVariables = ['MCP_OAUTH_ISSUER', 'MCP_OAUTH_JWKS_URL', 'MCP_RESOURCE_URL'] as const;
    if (config.MCP_OAUTH_ISSUER === undefined && config.MCP_OAUTH_JWKS_URL === undefined) return;

    for (const name of oauthVariables) {
      if (config[name] !== undefined) continue;
      context.addIssue({
        code: 'custom',
        path: [name],
        message: `is required when OAuth access tokens are enabled (set ${oauthVariables.join(', ')} together)`,
      });
    }
  });

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
 * Validates the environment once at boot. Only variables this module defines are
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
        if (input[name] === undefined) return `${name} is missing: it ${issue.message}`;
        return `${name}=${JSON.stringify(input[name])} is invalid: ${issue.message}`;
      }),
    );
  }

  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
