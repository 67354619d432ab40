import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  StreamableHTTPClientTransport,
  StreamableHTTPError,
} from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../../adapters/logging/logger.ts';
import { StdioOrderedWriter } from './stdio-ordered-writer.ts';
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
 * send headers (the MCP Inspector CLI 0.15). Messages reach each side in the
 * order they were sent, and those that follow an initialize request wait
 * until its response has given the session id. Notifications reach the
 * client before the response that follows them (see StdioOrderedWriter). A
 * request that cannot be delivered gets a JSON-RPC error naming the cause
 * and the fix, and any other undelivered message is logged. When the server
 * is unreachable, rejects the key or lost the session, the bridge stops and
 * reports the failure. Resolves when either side closes.
 */
export function bridgeStdioToHttp(
  options: StdioHttpBridgeOptions,
): Promise<StdioHttpBridgeOutcome> {
  return new StdioHttpBridge(options).run();
}

/** One relay between this process's stdio and the server's MCP endpoint. */
class StdioHttpBridge {
  private readonly local = new StdioServerTransport();
  private readonly toClient = new StdioOrderedWriter(this.local);
  private readonly remote: StreamableHTTPClientTransport;
  private readonly outcome: StdioHttpBridgeOutcome = { failure: null };
  /** Settles once the server has responded to the last initialize request, which later messages wait for. */
  private sessionReady: Promise<void> = Promise.resolve();
  private initializeId: RequestId | undefined;

  constructor(private readonly options: StdioHttpBridgeOptions) {
    this.remote = new StreamableHTTPClientTransport(options.url, {
      requestInit: { headers: { authorization: `Bearer ${options.apiKey}` } },
    });
  }

  async run(): Promise<StdioHttpBridgeOutcome> {
    const { local, remote, options } = this;
    const closed = new Promise<void>((resolve) => {
      local.onclose = resolve;
      remote.onclose = resolve;
    });
    local.onmessage = (message) => this.relayFromClient(message);
    remote.onmessage = (message) => {
      adoptProtocolVersion(remote, message, this.initializeId);
      void this.toClient.push(message);
    };
    local.onerror = (err) => options.log.warn({ err }, 'stdio transport error');
    answerUnparsableLines(local);
    remote.onerror = (err) =>
      options.log.warn({ err, url: options.url.href }, 'HTTP transport error');

    await remote.start();
    await local.start();
    // The SDK's stdio transport (1.32) does not notice that stdin ended, which is how a client disconnects.
    process.stdin.once('end', () => void local.close());
    await closed;
    await Promise.allSettled([local.close(), remote.close()]);
    return this.outcome;
  }

  /** Sends a client message on to the server once any pending initialize request has its response. */
  private relayFromClient(message: JSONRPCMessage): void {
    if (this.toClient.acceptPingResponse(message)) return;
    if (isJSONRPCRequest(message) && message.method === 'initialize') {
      this.initializeId = message.id;
      this.sessionReady = this.sessionReady.then(() => this.relayToServer(message));
      return;
    }
    void this.sessionReady.then(() => this.relayToServer(message));
  }

  private async relayToServer(message: JSONRPCMessage): Promise<void> {
    try {
      await this.remote.send(message);
    } catch (err) {
      await this.reportUndelivered(message, err);
    }
  }

  /** Logs an undelivered message, responds to a request with the reason, and stops the bridge after a fatal failure. */
  private async reportUndelivered(message: JSONRPCMessage, err: unknown): Promise<void> {
    const { url, log } = this.options;
    // Once the relay stops, requests still in flight fail for the reason it stops.
    const failure =
      this.outcome.failure === null
        ? explainSendFailure(err, url)
        : { message: this.outcome.failure, fatal: true };
    log.error(
      { err, url: url.href, ...describeMessage(message) },
      'MCP message not relayed to the server',
    );
    if (isJSONRPCRequest(message)) {
      await this.toClient.push(errorResponse(message, failure.message));
    }
    if (!failure.fatal) return;

    this.outcome.failure = failure.message;
    await this.local.close();
  }
}

/**
 * Sends the negotiated protocol version as MCP-Protocol-Version on every
 * later request, as the SDK client does. Without it the server assumes
 * 2025-03-26 and, for example, sends no priming events, so a dropped
 * stream cannot be resumed.
 */
function adoptProtocolVersion(
  remote: StreamableHTTPClientTransport,
  message: JSONRPCMessage,
  initializeId: RequestId | undefined,
): void {
  if (!isJSONRPCResultResponse(message) || message.id !== initializeId) return;
  const version = message.result.protocolVersion;
  if (typeof version === 'string') remote.setProtocolVersion(version);
}

/** The method and id of a message, for logs; never its params, which may contain personal data. */
function describeMessage(message: JSONRPCMessage): { method?: string; id?: RequestId } {
  return {
    ...('method' in message ? { method: message.method } : {}),
    ...('id' in message && message.id !== undefined ? { id: message.id } : {}),
  };
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
    if (reason.startsWith('MCP_SESSION_NOT_FOUND:')) {
      // The server's message instructs the client to send a new initialize request, but this relay has stopped.
      return {
        message: `the server at ${url.href} no longer has this relay's MCP session (MCP_SESSION_NOT_FOUND: the server restarted or the session expired), so the relay has stopped. Restart it: reconnect the MCP client, which starts \`cleanroom mcp --remote\` again and opens a new session.`,
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
