import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ClientRequestSchema,
  ErrorCode,
  isJSONRPCRequest,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

/** The SDK's schema of each client request, by method, as its request handlers parse them. */
const requestSchemas = new Map<string, (typeof ClientRequestSchema.options)[number]>(
  ClientRequestSchema.options.map((schema) => [schema.shape.method.value, schema]),
);

/** A request whose params fail the SDK's schema of its method. */
export interface InvalidParams {
  method: string;
  /** Dotted path of the first invalid field, such as `params.arguments`. */
  field: string;
  /** Description of the problem and the fix, naming the field and the value received. */
  message: string;
}

/**
 * Checks a request's params against the SDK's own schema of its method and
 * returns the first problem. Returns null for a valid request, a
 * notification, a response, or a method the SDK does not know, which the SDK
 * rejects with -32601.
 */
export function findInvalidParams(message: unknown): InvalidParams | null {
  if (typeof message !== 'object' || message === null || !('id' in message)) return null;
  const method: unknown = (message as { method?: unknown }).method;
  if (typeof method !== 'string') return null;
  const schema = requestSchemas.get(method);
  if (schema === undefined) return null;

  const parsed = schema.safeParse(message);
  const issue = parsed.success ? undefined : parsed.error.issues[0];
  if (issue === undefined) return null;

  const field = issue.path.join('.');
  const received = valueAt(message, issue.path);
  const problem =
    issue.code === 'invalid_type'
      ? describeTypeProblem(issue.expected, received)
      : `is invalid (${issue.message})`;
  return {
    method,
    field,
    message: `Invalid params of ${method}: "${field}" ${problem}; fix it and send the request again.`,
  };
}

/**
 * Responds to a request with invalid params with -32602 Invalid params, the
 * field and the value received, and `data.code` VALIDATION_FAILED, on every
 * transport of `server`. The SDK (1.32) parses params inside each handler
 * and responds to a failure with -32603 Internal error and a raw zod dump, so
 * the check runs before the SDK receives the message.
 */
export function rejectInvalidParams(server: McpServer): void {
  const connect = server.server.connect.bind(server.server);
  server.server.connect = async (transport: Transport) => {
    await connect(transport);

    const receive = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const invalid = findInvalidParams(message);
      if (invalid === null || !isJSONRPCRequest(message)) receive?.(message, extra);
      else void transport.send(invalidParamsResponse(message.id, invalid));
    };
  };
}

function invalidParamsResponse(id: string | number, invalid: InvalidParams): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    id,
    error: {
      code: ErrorCode.InvalidParams,
      message: `VALIDATION_FAILED: ${invalid.message}`,
      data: { code: 'VALIDATION_FAILED', field: invalid.field },
    },
  };
}

const TYPE_NAMES: Record<string, string> = {
  record: 'an object',
  object: 'an object',
  array: 'an array',
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
};

function describeTypeProblem(expected: string, received: unknown): string {
  const expectedText = TYPE_NAMES[expected] ?? expected;
  if (received === undefined) return `is missing; send ${expectedText}`;
  return `must be ${expectedText}, received ${describeValue(received)}`;
}

function valueAt(message: object, path: readonly PropertyKey[]): unknown {
  let value: unknown = message;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
