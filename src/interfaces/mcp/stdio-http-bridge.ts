import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../adapters/logging/logger.ts';
import { answerUnparsableLines } from './stdio-parse-errors.ts';

export interface StdioHttpBridgeOptions {
  /** The running server's MCP endpoint, such as http://127.0.0.1:3000/mcp. */
  url: URL;
  apiKey: string;
  log: Logger;
}

/** Why the bridge stopped: null when either side closed normally, else the failure it reported. */
export interface StdioHttpBridgeOutcome {
  failure: string | null;
}

/** JSON-RPC code of the errors the bridge sends in place of the server's response (the implementation-defined range). */
const BRIDGE_ERROR_CODE = -32000;
/** HTTP statuses after which no further message can reach the server: rejected credentials, or a lost session. */
const FATAL_STATUSES = new Set([401, 403, 404]);

/**
 * Relays MCP messages between stdio and a running server's Streamable HTTP
 * endpoint, adding the API key, for clients that only speak stdio or cannot
 * send headers (the MCP Inspector CLI 0.15). A request that cannot be
 * delivered gets a JSON-RPC error naming the cause and the fix. When the
 * server is unreachable, rejects the key or lost the session, the bridge
 * stops and reports the failure. Resolves when either side closes.
 */
export async function bridgeStdioToHttp(
  options: StdioHttpBridgeOptions,
): Promise<StdioHttpBridgeOutcome> {
  const local = new StdioServerTransport();
  const remote = new StreamableHTTPClientTransport(options.url, {
    requestInit: { headers: { authorization: `Bearer ${options.apiKey}` } },
  });
  const outcome: StdioHttpBridgeOutcome = { failure: null };

  const closed = new Promise<void>((resolve) => {
    local.onclose = resolve;
    remote.onclose = resolve;
  });
  local.onmessage = (message) => {
    remote.send(message).catch(async (err: unknown) => {
      const failure = explainSendFailure(err, options.url);
      options.log.error({ err, url: options.url.href }, 'MCP message not relayed to the server');
      if (isJSONRPCRequest(message)) await local.send(errorResponse(message, failure.message));
      if (!failure.fatal) return;

      outcome.failure = failure.message;
      await local.close();
    });
  };
  remote.onmessage = (message) => void local.send(message);
  local.onerror = (err) => options.log.warn({ err }, 'stdio transport error');
  answerUnparsableLines(local);
  remote.onerror = (err) =>
    options.log.warn({ err, url: options.url.href }, 'HTTP transport error');

  await remote.start();
  await local.start();
  await closed;
  await Promise.allSettled([local.close(), remote.close()]);
  return outcome;
}

function errorResponse(request: { id: string | number }, message: string): JSONRPCMessage {
  return { jsonrpc: '2.0', id: request.id, error: { code: BRIDGE_ERROR_CODE, message } };
}

/** Names what went wrong with a POST to the server and what to do; `fatal` when no later message can succeed. */
function explainSendFailure(err: unknown, url: URL): { message: string; fatal: boolean } {
  if (err instanceof StreamableHTTPError) {
    const status = err.code ?? 0;
    const reason = serverErrorOf(err.message);
    if (status === 401 || status === 403) {
      return {
        message: `the server at ${url.href} rejected the API key. ${asSentence(reason)} Pass a valid key with --api-key or CLEANROOM_API_KEY.`,
        fatal: true,
      };
    }
    return {
      message: `the server at ${url.href} responded with HTTP ${status}: ${reason}`,
      fatal: FATAL_STATUSES.has(status),
    };
  }

  const cause = err instanceof Error ? (err.cause as NodeJS.ErrnoException | undefined) : undefined;
  const networkCode = cause?.code ?? (err instanceof Error ? err.message : String(err));
  const description = networkCode === 'ECONNREFUSED' ? 'connection refused' : networkCode;
  return {
    message: `could not reach ${url.href}: ${description}; start the server or fix --remote.`,
    fatal: true,
  };
}

/** Ends `text` with a period unless it ends with a sentence's punctuation already. */
function asSentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Reads `CODE: message` from the JSON-RPC error body the SDK puts in its error text, or returns that text. */
function serverErrorOf(text: string): string {
  const body = text.slice(text.indexOf('{'));
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; data?: { code?: string } } };
    const { message, data } = parsed.error ?? {};
    if (message !== undefined) return data?.code ? `${data.code}: ${message}` : message;
  } catch {
    // Not a JSON-RPC body (a proxy's HTML page, for example): the SDK's text is the best description.
  }
  return text;
}
