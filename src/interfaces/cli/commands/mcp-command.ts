import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../../../config/config.ts';
import { createPlatform, type Platform } from '../../../app/create-platform.ts';
import { createLogger, type Logger } from '../../../adapters/logging/logger.ts';
import { isAppError } from '../../../domain/errors/app-error.ts';
import { bridgeStdioToHttp } from '../../mcp/stdio-http-bridge.ts';
import { serveMcpOverStdio } from '../../mcp/stdio-server.ts';
import { answerFirstRequestWithError } from '../../mcp/stdio-startup-failure.ts';
import { CliError, loadConfigOrExit } from '../boot.ts';

interface McpOptions {
  apiKey?: string;
  worker: boolean;
  remote?: string;
}

export function registerMcpCommand(program: Command): void {
  program
    .command('mcp')
    .description(
      'Serve MCP over stdio for the organization of an API key, on the configured database (stdout carries the protocol, logs go to stderr)',
    )
    .option(
      '--api-key <key>',
      'API key whose organization the tools act for (default: CLEANROOM_API_KEY)',
    )
    .option(
      '--no-worker',
      'do not execute runs in this process; a `cleanroom worker` or `start` process does',
    )
    .option(
      '--remote <url>',
      "relay stdio to a running server's MCP endpoint (such as http://127.0.0.1:3000/mcp) instead of opening the database",
    )
    .action((options: McpOptions) =>
      options.remote ? relayToRemote(options) : serveStdio(options),
    );
}

function requireApiKey(options: McpOptions): string {
  const apiKey = options.apiKey ?? process.env.CLEANROOM_API_KEY;
  if (apiKey) return apiKey;

  throw new CliError(
    'No API key: pass --api-key crk_... or set CLEANROOM_API_KEY (print the demo keys with `cleanroom demo-keys`).',
  );
}

async function relayToRemote(options: McpOptions): Promise<void> {
  const apiKey = requireApiKey(options);
  let url: URL;
  try {
    url = new URL(options.remote ?? '');
  } catch {
    throw new CliError(
      `--remote "${options.remote}" is not a URL; pass the server's endpoint, such as http://127.0.0.1:3000/mcp.`,
    );
  }
  const config = loadConfigOrExit();
  const outcome = await bridgeStdioToHttp({ url, apiKey, log: createLogger(config.LOG_LEVEL, 2) });
  if (outcome.failure !== null) throw new CliError(`MCP relay stopped: ${outcome.failure}`);
}

async function serveStdio(options: McpOptions): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL, 2);
  let platform: Platform | null = null;
  let serving = false;
  try {
    const apiKey = requireApiKey(options);
    requireEmbeddedDatabase(config);
    platform = await openPlatform(config, log);
    await requireOrganizations(platform, config);
    if (options.worker && config.WORKER_ENABLED) await platform.startWorker();
    const server = await serveMcpOverStdio({ context: platform.context, apiKey, log });
    serving = true;
    process.once('SIGINT', () => void server.close());
    process.once('SIGTERM', () => void server.close());
    await server.closed;
  } catch (error) {
    if (!serving) await answerFirstRequestWithError(describeStartupFailure(error));
    throw error;
  } finally {
    await platform?.close();
  }
  log.info('stdio MCP server stopped');
}

/** Builds the error message an MCP client gets for its first request when the stdio server could not start. */
function describeStartupFailure(error: unknown): string {
  if (isAppError(error) && error.status === 401) {
    return `cleanroom mcp could not start: ${error.code}: ${error.message} Pass a valid key with --api-key or CLEANROOM_API_KEY.`;
  }
  if (isAppError(error)) return `cleanroom mcp could not start: ${error.code}: ${error.message}`;
  if (error instanceof CliError) return `cleanroom mcp could not start: ${error.message}`;
  return 'cleanroom mcp could not start because of an unexpected error; its stderr contains the details.';
}

/** Names the database for messages: the PGlite directory, or the PostgreSQL schema (never the URL, which may contain a password). */
function describeDatabase(config: Config): string {
  return config.DATABASE_URL
    ? `PostgreSQL schema "${config.DATABASE_SCHEMA}"`
    : `the embedded database in ${embeddedDatabasePath(config)}`;
}

function embeddedDatabasePath(config: Config): string {
  return path.resolve(config.dataDir, 'pglite');
}

/** Names the settings that point `cleanroom mcp` at the server's database, or the relay to the server itself. */
function databaseFix(config: Config): string {
  return `set DATA_DIR to the server's data directory (or DATABASE_URL and DATABASE_SCHEMA to its database), or relay to the running server with --remote ${mcpUrlOf(config)}`;
}

/** Returns the /mcp URL of a server started with this configuration: from PUBLIC_URL, else HOST and PORT. */
function mcpUrlOf(config: Config): string {
  if (config.PUBLIC_URL) return new URL('/mcp', config.PUBLIC_URL).href;
  // A wildcard address is where the server listens, not one a client can connect to.
  const host = ['0.0.0.0', '::', '[::]'].includes(config.HOST) ? '127.0.0.1' : config.HOST;
  const hostInUrl = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `http://${hostInUrl}:${config.PORT}/mcp`;
}

/**
 * Stops before PGlite creates an empty database: an MCP client such as
 * Claude Desktop starts `cleanroom mcp` in its own working directory, where
 * the default DATA_DIR (./data) contains no database.
 */
function requireEmbeddedDatabase(config: Config): void {
  if (config.DATABASE_URL || existsSync(embeddedDatabasePath(config))) return;

  throw new CliError(
    `No database at ${embeddedDatabasePath(config)}: DATA_DIR is "${config.dataDir}" relative to the working directory ${process.cwd()}. ${capitalize(databaseFix(config))}.`,
  );
}

/** Stops with the database's name and the fix when it has no organizations, because then every API key is rejected. */
async function requireOrganizations(platform: Platform, config: Config): Promise<void> {
  const rows = await platform.context.db.query<{ present: number }>(
    'SELECT 1 AS present FROM organizations LIMIT 1',
  );
  if (rows.length > 0) return;

  throw new CliError(
    `${capitalize(describeDatabase(config))} has no organizations, so no API key can match. ${capitalize(databaseFix(config))}; or seed it with \`cleanroom seed\`.`,
  );
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Opens the platform without seeding; explains the embedded database's one-process limit. */
async function openPlatform(config: Config, log: Logger): Promise<Platform> {
  try {
    return await createPlatform(config, log, { purpose: 'cleanroom mcp' });
  } catch (error) {
    if (config.DATABASE_URL || !isAppError(error) || error.code !== 'CONFLICT') throw error;
    throw new CliError(
      `${error.message}\n\`cleanroom mcp\` opens the database itself, and the embedded database (PGlite) serves one process, so it cannot run beside \`cleanroom start\` on the same DATA_DIR. Set DATABASE_URL to a PostgreSQL database both processes share, run \`cleanroom mcp --remote <the /mcp URL of the running server>\` to relay stdio to it, or point the MCP client at the server's /mcp endpoint (the URL \`cleanroom start\` printed) with an "Authorization: Bearer <API key>" header.`,
    );
  }
}
