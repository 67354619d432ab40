import { AsyncLocalStorage } from 'node:async_hooks';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';

/**
 * Chooses, for each POST, between one JSON response and an SSE stream, as
 * the Streamable HTTP transport lets a server do. A request with a progress
 * token, or a tool call that waits for a run (start_run with `waitSeconds`
 * above 0), gets an SSE stream that can be resumed from the event store.
 * Any other POST gets a plain `application/json` response, so the server
 * stores no events and the client parses no stream, which cut a cached tool
 * call's round trip by about a third in the benchmark (see docs/mcp.md).
 * Such a call returns at once from the cache or the database, so a dropped
 * connection costs a retry, not a long wait.
 *
 * The SDK's transport reads its private `_enableJsonResponse` flag when a
 * POST arrives and again when it sends each response, and has no option per
 * request. The flag becomes a getter that reads the current POST's choice
 * from AsyncLocalStorage, which follows the request into its handler and on
 * to `send()`. A message sent outside any POST, such as a resource update on
 * the GET stream, finds no choice and takes the SSE path.
 */
const jsonResponses = new AsyncLocalStorage<boolean>();
const installed = new WeakSet<object>();

/** Makes the transport's response mode follow `inResponseModeOf`; safe to call more than once. */
export function followResponseMode(transport: WebStandardStreamableHTTPServerTransport): void {
  if (installed.has(transport)) return;
  if (!('_enableJsonResponse' in transport)) {
    throw new Error(
      'The MCP SDK transport has no _enableJsonResponse field any more; update src/interfaces/mcp/http/response-mode.ts for this SDK version.',
    );
  }
  Object.defineProperty(transport, '_enableJsonResponse', {
    get: () => jsonResponses.getStore() ?? false,
    set: () => undefined,
    configurable: true,
  });
  installed.add(transport);
}

/** Runs `handle` (the transport's handling of one POST) with the response mode its body calls for. */
export function inResponseModeOf<T>(body: unknown, handle: () => Promise<T>): Promise<T> {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  return jsonResponses.run(!messages.some(needsStream), handle);
}

/** Returns true for a request with a progress token, or a tool call with `waitSeconds` above 0. */
function needsStream(message: unknown): boolean {
  const params = fieldOf(message, 'params');
  const progressToken = fieldOf(fieldOf(params, '_meta'), 'progressToken');
  if (progressToken !== undefined && progressToken !== null) return true;
  if (fieldOf(message, 'method') !== 'tools/call') return false;
  // Models send numbers as strings too; the tool's own input check rejects what is not a number.
  const waitSeconds = Number(fieldOf(fieldOf(params, 'arguments'), 'waitSeconds') ?? 0);
  return !(waitSeconds <= 0);
}

function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null
    ? (value as Record<string, unknown>)[name]
    : undefined;
}
