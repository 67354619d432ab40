import type { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** JSON-RPC 2.0: invalid JSON, and JSON that is not a JSON-RPC message. */
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;

/**
 * Responds to a stdin line that is not a JSON-RPC message with an error whose id
 * is null, as JSON-RPC 2.0 section 5 requires. The SDK's stdio transport
 * (1.32) only reports such a line to `onerror`, so without this the client
 * waits for a response that never comes. Call before connecting the server,
 * whose protocol layer chains this handler.
 */
export function answerUnparsableLines(transport: StdioServerTransport): void {
  const previous = transport.onerror;
  transport.onerror = (error) => {
    previous?.(error);
    const response = parseErrorResponse(error);
    if (response !== null) void transport.send(response);
  };
}

function parseErrorResponse(error: Error): JSONRPCMessage | null {
  const invalidJson = error instanceof SyntaxError;
  // The SDK's zod copy may differ from ours, so the schema error is recognised by name.
  if (!invalidJson && error.name !== 'ZodError') return null;

  const message = invalidJson
    ? 'Parse error: the line is not valid JSON; send one JSON-RPC message per line.'
    : 'Invalid Request: the line is JSON but not a JSON-RPC 2.0 message.';
  // JSON-RPC requires id null when the request's id cannot be read; the SDK's type has no null id.
  return {
    jsonrpc: '2.0',
    id: null,
    error: { code: invalidJson ? PARSE_ERROR : INVALID_REQUEST, message },
  } as unknown as JSONRPCMessage;
}
