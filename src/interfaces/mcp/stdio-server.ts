import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { Logger } from '../../adapters/logging/logger.ts';
import { isAppError } from '../../domain/errors/app-error.ts';
import { authenticateApiKey } from '../../services/auth/authenticate-api-key.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { createMcpServer } from './create-mcp-server.ts';
import { answerUnparsableLines } from './stdio-parse-errors.ts';

/** How often the API key of a running stdio server is checked again, so a revoked key stops it, in milliseconds. */
const KEY_RECHECK_INTERVAL_MS = 60_000;

export interface StdioMcpServerOptions {
  context: ServiceContext;
  apiKey: string;
  log: Logger;
  /** Defaults to process.stdin and process.stdout; stdout then carries only the protocol. */
  input?: Readable;
  output?: Writable;
}

export interface RunningStdioMcpServer {
  /** Settles once the server has closed: stdin ended, close() was called, or the key was revoked. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/**
 * Serves MCP over stdio for the organization of an API key: one session,
 * one caller, for as long as the client keeps stdin open.
 */
export async function serveMcpOverStdio(
  options: StdioMcpServerOptions,
): Promise<RunningStdioMcpServer> {
  const { context, apiKey, log } = options;
  const input = options.input ?? process.stdin;
  const caller = await authenticateApiKey(context, apiKey);
  const server = createMcpServer(context, caller);
  const transport = new StdioServerTransport(input, options.output ?? process.stdout);

  let markClosed: () => void = () => undefined;
  const closed = new Promise<void>((resolve) => (markClosed = resolve));
  let closing: Promise<void> | null = null;
  const close = () => (closing ??= server.close().finally(markClosed));
  transport.onclose = () => markClosed();
  answerUnparsableLines(transport);
  await server.connect(transport);

  input.once('end', () => void close());
  const recheck = setInterval(
    () => void closeIfKeyRejected(context, apiKey, log, close),
    KEY_RECHECK_INTERVAL_MS,
  );
  recheck.unref();
  void closed.then(() => clearInterval(recheck));

  log.info(
    { organizationId: caller.organizationId, userId: caller.userId },
    'MCP server ready on stdio',
  );
  return { closed, close };
}

async function closeIfKeyRejected(
  context: ServiceContext,
  apiKey: string,
  log: Logger,
  close: () => Promise<void>,
): Promise<void> {
  try {
    await authenticateApiKey(context, apiKey);
  } catch (err) {
    if (!isAppError(err) || err.status !== 401) {
      log.warn({ err }, 'checking the API key of the stdio MCP server failed; it keeps running');
      return;
    }
    log.warn({ code: err.code }, 'API key rejected; stopping the stdio MCP server');
    await close();
  }
}
