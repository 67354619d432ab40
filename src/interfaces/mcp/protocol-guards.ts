import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  LoggingLevelSchema,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

/** The prefix McpError adds to its message (SDK 1.32), which the SDK client adds a second time. */
const MCP_ERROR_PREFIX = /^(MCP error -?\d+: )+/;

/**
 * Adjusts what the SDK's protocol layer sends and receives on every
 * transport of `server`:
 * - An error response carries its message without the `MCP error -32602: `
 *   prefix of McpError, because the SDK client adds that prefix itself, and
 *   users otherwise read it twice.
 * - logging/setLevel with an unknown level is rejected with -32602 naming
 *   the valid levels. The SDK (1.32) responds with -32603 and a raw zod dump.
 * - `"arguments": null` in tools/call and prompts/get means no arguments, as
 *   null means absent for every optional argument. The SDK (1.32) rejects it
 *   with -32603 and a raw zod dump.
 */
export function applyProtocolGuards(server: McpServer): void {
  const connect = server.server.connect.bind(server.server);
  server.server.connect = async (transport: Transport) => {
    const send = transport.send.bind(transport);
    transport.send = (message, options) => send(withPlainErrorMessage(message), options);
    await connect(transport);

    const receive = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const rejection = rejectInvalidRequest(message);
      if (rejection === null) receive?.(withoutNullArguments(message), extra);
      else void send(rejection);
    };
  };
}

function withPlainErrorMessage(message: JSONRPCMessage): JSONRPCMessage {
  if (!('error' in message) || !MCP_ERROR_PREFIX.test(message.error.message)) return message;
  return {
    ...message,
    error: { ...message.error, message: message.error.message.replace(MCP_ERROR_PREFIX, '') },
  };
}

function withoutNullArguments(message: JSONRPCMessage): JSONRPCMessage {
  if (
    !('method' in message) ||
    (message.method !== 'tools/call' && message.method !== 'prompts/get')
  )
    return message;
  if (message.params?.arguments !== null) return message;

  const params = { ...message.params };
  delete params.arguments;
  return { ...message, params };
}

function rejectInvalidRequest(message: JSONRPCMessage): JSONRPCMessage | null {
  if (!('method' in message) || !('id' in message) || message.method !== 'logging/setLevel') {
    return null;
  }

  const level: unknown = message.params?.level;
  if (LoggingLevelSchema.safeParse(level).success) return null;
  return {
    jsonrpc: '2.0',
    id: message.id,
    error: {
      code: ErrorCode.InvalidParams,
      message: `VALIDATION_FAILED: logging level ${JSON.stringify(level) ?? 'undefined'} is invalid; use one of ${LoggingLevelSchema.options.join(', ')}.`,
    },
  };
}
