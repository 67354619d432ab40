import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/**
 * Every environment variable the platform reads, with its default and unit.
 * This module is the only place that reads `process.env`.
 */
/** Parses a whole number from `min` to `max` written in decimal digits. Hex, exponents and fractions are rejected. */
const integer = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z
    .string()
    .trim()
    .regex(min < 0 ? /^-?\d+$/ : /^\d+$/, message)
    .transform(Number)
    .pipe(z.number().int(message).min(min, message).max(max, message));
};

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

/** `<repository>/web/dist`, where `vite build` writes the web app. */
const defaultWebDistDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

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
    /** Connections opened at start and kept while idle, so that a burst of reads (with Redis down, for example) finds them ready. Unset means 2, or DATABASE_POOL_MAX when that is lower. */
    DATABASE_POOL_MIN: integer(0, 1000).optional(),
    DATABASE_IDLE_TIMEOUT_MS: integer(0, 3_600_000).default(10_000),
    DATABASE_CONNECTION_TIMEOUT_MS: integer(1, 600_000).default(5_000),
    DATABASE_STATEMENT_TIMEOUT_MS: integer(0, 3_600_000).default(30_000),
    /** Named prepared statements for hot queries; off by default because PgBouncer before 1.21 in transaction mode breaks them. */
    DATABASE_PREPARED_STATEMENTS: booleanFlag.default(false),
    /** Connections in pg's pipeline mode that carry fast single statements beside the pool; 0 turns them off. Tested on direct connections only. */
    DATABASE_PIPELINE_CONNECTIONS: integer(0, 64).default(0),
    /** Statements whose moving average duration is above this many milliseconds keep to the pool. */
    DATABASE_PIPELINE_MAX_STATEMENT_MS: integer(1, 60_000).default(5),
    /** Statements slower than this many milliseconds are logged at warn, without parameter values; 0 turns the log off. */
    DATABASE_SLOW_QUERY_MS: integer(0, 3_600_000).default(1_000),
    /** Directory of the built web app (index.html, assets/); not served when it does not exist. */
    WEB_DIST_DIR: z.string().min(1).default(defaultWebDistDir),
    /** Bearer token GET /metrics requires; when unset, /metrics is open (keep it off the public network). */
    METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
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
    /** Cache of list and detail reads and of API key lookups. With false, every read goes to the database. */
    CACHE_ENABLED: booleanFlag.default(true),
    /** Keep list and detail reads in process memory too. With false, Redis alone serves them, but API key lookups stay in memory. */
    CACHE_L1_ENABLED: booleanFlag.default(true),
    /** Entries the in-process cache keeps before it evicts the least recently used. */
    CACHE_L1_MAX_ITEMS: integer(0, 10_000_000).default(10_000),
    /** Memory for memoized API responses made of cached answers, in MiB. 0 turns the memo off. */
    CACHE_RESPONSE_MEMO_MB: integer(0, 65_536).default(32),
    /** Time to live of cached list and detail reads, in seconds. Writes invalidate them earlier. */
    CACHE_TTL_SECONDS: integer(1, 86_400).default(60),
    /** Time an expired list or detail is still served while one reload refreshes it, in seconds. 0 turns grace off. */
    CACHE_GRACE_SECONDS: integer(0, 86_400).default(30),
    /** Time to live of a cached API key lookup, in seconds. Revoking a key invalidates it at once. */
    CACHE_API_KEY_TTL_SECONDS: integer(1, 3_600).default(30),
    /** Interval of the PING that detects a hung Redis, in milliseconds. Another process may serve an invalidated entry for up to this plus REDIS_COMMAND_TIMEOUT_MS. */
    CACHE_REDIS_HEALTH_INTERVAL_MS: integer(10, 60_000).default(1_000),
    /** Maximum wait for another process's load of the same key before this one loads itself, in milliseconds. */
    CACHE_LOCK_WAIT_MS: integer(0, 60_000).default(500),
    /** Idle lifetime of a web session, in hours; each request renews it, up to SESSION_MAX_AGE_DAYS. */
    SESSION_TTL_HOURS: z.coerce
      .number()
      .positive()
      .max(24 * 365)
      .default(12),
    /** Absolute lifetime of a web session from sign-in, in days, however active it stays. */
    SESSION_MAX_AGE_DAYS: z.coerce.number().positive().max(365).default(30),
    /** Failed sign-ins per email address within LOGIN_THROTTLE_WINDOW_SECONDS before sign-in is refused. */
    LOGIN_MAX_FAILURES_PER_EMAIL: integer(1, 1_000).default(5),
    /** Failed sign-ins per client IP address within LOGIN_THROTTLE_WINDOW_SECONDS before sign-in is refused. */
    LOGIN_MAX_FAILURES_PER_IP: integer(1, 100_000).default(20),
    LOGIN_THROTTLE_WINDOW_SECONDS: integer(1, 86_400).default(900),
    /** VAPID key pair for Web Push (base64url, as `cleanroom vapid-keys` prints); all three VAPID variables or none. */
    VAPID_PUBLIC_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{87}$/, 'must be a base64url P-256 public key of 87 characters')
      .optional(),
    VAPID_PRIVATE_KEY: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key of 43 characters')
      .optional(),
    /** Contact the push services may use: a mailto: or https: URL. */
    VAPID_SUBJECT: z
      .string()
      .regex(/^(mailto:|https:\/\/)\S+$/, 'must start with mailto: or https://')
      .optional(),
    /** How long a push service keeps an undelivered notification, in seconds. */
    PUSH_TTL_SECONDS: integer(0, 2_419_200).default(86_400),
    /** Accepts push endpoints on http://127.0.0.1 and http://localhost; for tests and local development only. */
    PUSH_ALLOW_INSECURE_ENDPOINTS: booleanFlag.default(false),
    MCP_STATELESS: booleanFlag.default(false),
    MCP_SESSION_IDLE_SECONDS: integer(1, 86_400).default(1800),
    MCP_MAX_SESSIONS: integer(1, 1_000_000).default(1000),
    /** MCP sessions one organization may hold in one web process, so one caller cannot exhaust MCP_MAX_SESSIONS. */
    MCP_MAX_SESSIONS_PER_ORGANIZATION: integer(1, 1_000_000).default(100),
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
    /** Largest WebSocket frame a client may send, in bytes; a larger frame closes the socket with 1009. */
    WS_MAX_PAYLOAD_BYTES: integer(1024, 16 * 1024 ** 2).default(64 * 1024),
    /** Interval of WebSocket ping frames, in milliseconds; a socket that misses two pongs is terminated. */
    WS_HEARTBEAT_MS: integer(50, 600_000).default(15_000),
    /** Bytes queued on one socket above which its chat stream pauses until the queue drains to half. */
    WS_HIGH_WATER_BYTES: integer(1024, 1024 ** 3).default(256 * 1024),
    /** Bytes queued on one socket above which it is closed with 1013; the client resumes by reconnecting. */
    WS_MAX_BUFFERED_BYTES: integer(1024, 1024 ** 3).default(1024 ** 2),
    /** Milliseconds a paused socket may stay above the high-water mark before it is closed with 1013. */
    WS_STALL_TIMEOUT_MS: integer(10, 3_600_000).default(30_000),
    /** Serialized chat events kept per conversation for resume, in bytes; older events are evicted first. */
    WS_STREAM_LOG_CONVERSATION_BYTES: integer(1024, 1024 ** 3).default(1024 ** 2),
    /** Serialized chat events kept for resume across all conversations of the process, in bytes. */
    WS_STREAM_LOG_TOTAL_BYTES: integer(1024, 16 * 1024 ** 3).default(64 * 1024 ** 2),
    /** Seconds a finished conversation's events stay available for resume. */
    WS_STREAM_LOG_RETENTION_SECONDS: integer(1, 86_400).default(600),
    /** Client message ids remembered per process for idempotency, as a count; the oldest are forgotten first. */
    WS_CLIENT_MESSAGE_IDS_MAX: integer(10, 10_000_000).default(10_000),
    /** Invalid or oversize client messages one socket may send before it is closed with 1008. */
    WS_MAX_INVALID_MESSAGES: integer(1, 1000).default(5),
    /** Chat assistant model: `offline` is the built-in intent engine and needs no key. */
    LLM_PROVIDER: z
      .enum(['offline', 'openai-compatible', 'openai', 'anthropic'])
      .default('offline'),
    LLM_MODEL: z.string().trim().min(1).max(200).optional(),
    LLM_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    LLM_API_KEY: z.string().min(1).optional(),
    /** Model calls per answer, each possibly with tool calls. */
    LLM_MAX_STEPS: integer(1, 50).default(8),
    /** Tokens the model may write per step. */
    LLM_MAX_OUTPUT_TOKENS: integer(16, 200_000).default(2_048),
    /** Tokens of earlier conversation sent with each message, estimated at 4 characters per token. */
    LLM_HISTORY_TOKEN_BUDGET: integer(0, 2_000_000).default(8_000),
    /** Retries of a failed model call, with the AI SDK's exponential backoff from 2 s. */
    LLM_MAX_RETRIES: integer(0, 10).default(1),
    /** Seconds an answer waits for a run it started before saying that the run is still going. */
    LLM_RUN_WAIT_SECONDS: integer(0, 30).default(20),
  })
  .strict()
  .superRefine((config, context) => {
    for (const issue of llmSettingIssues(config)) context.addIssue({ code: 'custom', ...issue });

    const vapidVariables = ['VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY', 'VAPID_SUBJECT'] as const;
    const vapidSet = vapidVariables.filter((name) => config[name] !== undefined);
    if (vapidSet.length > 0 && vapidSet.length < vapidVariables.length) {
      for (const name of vapidVariables.filter((variable) => config[variable] === undefined)) {
        context.addIssue({
          code: 'custom',
          path: [name],
          message: `is required when ${vapidSet.join(', ')} is set (set all of ${vapidVariables.join(', ')} or none)`,
        });
      }
    }

    // Zod runs this check even when DATABASE_POOL_MAX itself is invalid, which is already reported.
    const poolMin = config.DATABASE_POOL_MIN;
    if (
      poolMin !== undefined &&
      config.DATABASE_POOL_MAX >= 1 &&
      poolMin > config.DATABASE_POOL_MAX
    ) {
      context.addIssue({
        code: 'custom',
        path: ['DATABASE_POOL_MIN'],
        message: `must be at most DATABASE_POOL_MAX (${config.DATABASE_POOL_MAX}); lower it or raise DATABASE_POOL_MAX`,
      });
    }

    if (config.WS_HIGH_WATER_BYTES >= config.WS_MAX_BUFFERED_BYTES) {
      context.addIssue({
        code: 'custom',
        path: ['WS_HIGH_WATER_BYTES'],
        message: `must be below WS_MAX_BUFFERED_BYTES (${config.WS_MAX_BUFFERED_BYTES}), or a slow socket is closed before its stream can pause`,
      });
    }

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

/** Settings a non-offline chat model needs: Ollama and vLLM take no key, hosted services do. */
function llmSettingIssues(config: {
  LLM_PROVIDER: string;
  LLM_MODEL?: string;
  LLM_BASE_URL?: string;
  LLM_API_KEY?: string;
}): { path: string[]; message: string }[] {
  const provider = config.LLM_PROVIDER;
  if (provider === 'offline') return [];

  const issues: { path: string[]; message: string }[] = [];
  if (config.LLM_MODEL === undefined)
    issues.push({ path: ['LLM_MODEL'], message: `is required when LLM_PROVIDER=${provider}` });
  if (provider === 'openai-compatible' && config.LLM_BASE_URL === undefined)
    issues.push({
      path: ['LLM_BASE_URL'],
      message:
        'is required when LLM_PROVIDER=openai-compatible (such as http://127.0.0.1:11434/v1)',
    });
  if (provider !== 'openai-compatible' && config.LLM_API_KEY === undefined)
    issues.push({ path: ['LLM_API_KEY'], message: `is required when LLM_PROVIDER=${provider}` });
  return issues;
}

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

/** Variables whose whole value is a secret, besides names ending in _TOKEN, _KEY, _SECRET or _PASSWORD. */
const SECRET_VARIABLES = new Set(['LLM_API_KEY', 'VAPID_PRIVATE_KEY', 'METRICS_TOKEN']);
const SECRET_NAME_SUFFIX = /_(TOKEN|KEY|SECRET|PASSWORD)$/;
/** The `user:password@` part of a URL; the password is what follows the first colon. */
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^@\s]*@/i;

/** Returns a rejected value as an error message may show it: secrets hidden, URL passwords masked. */
function displayedValue(name: string, value: string): string {
  if (SECRET_VARIABLES.has(name) || SECRET_NAME_SUFFIX.test(name)) {
    return `(secret of ${value.length} characters, not shown)`;
  }
  return JSON.stringify(value.replace(URL_PASSWORD, '$1***@'));
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
        return `${name}=${displayedValue(name, String(input[name]))} is invalid: ${issue.message}`;
      }),
    );
  }

  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
