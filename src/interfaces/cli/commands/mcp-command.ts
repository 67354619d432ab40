import type { Command } from 'commander';
import type { Config } from '../../../config/config.ts';
import { createPlatform, type Platform } from '../../../app/create-platform.ts';
import { createLogger, type Logger } from '../../../adapters/logging/logger.ts';
import { isAppError } from '../../../domain/errors/app-error.ts';
import { bridgeStdioToHttp } from '../../mcp/stdio-http-bridge.ts';
import { serveMcpOverStdio } from '../../mcp/stdio-server.ts';
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
  const apiKey = requireApiKey(options);
  const config = loadConfigOrExit();
  const log = createLogger(config.LOG_LEVEL, 2);

  const platform = await openPlatform(config, log);
  try {
    if (options.worker && config.WORKER_ENABLED) await platform.startWorker();
    const server = await serveMcpOverStdio({ context: platform.context, apiKey, log });
    process.once('SIGINT', () => void server.close());
    process.once('SIGTERM', () => void server.close());
    await server.closed;
  } finally {
    await platform.close();
  }
  log.info('stdio MCP server stopped');
}

/** Opens the platform without seeding; explains the embedded database's one-process limit. */
async function openPlatform(config: Config, log: Logger): Promise<Platform> {
  try {
    return await createPlatform(config, log, { purpose: 'cleanroom mcp' });
  } catch (error) {
    if (config.DATABASE_URL || !isAppError(error) || error.code !== 'CONFLICT') throw error;
    throw new CliError(
      `${error.message}\n\`cleanroom mcp\` opens the database itself, and the embedded database (PGlite) serves one process, so it cannot run beside \`cleanroom start\` on the same DATA_DIR. Set DATABASE_URL to a PostgreSQL database both processes share, or point the MCP client at the running server's endpoint http://127.0.0.1:${config.PORT}/mcp with an "Authorization: Bearer <API key>" header.`,
    );
  }
}
