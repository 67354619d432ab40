import {
  JSONRPCErrorResponseSchema,
  JSONRPCNotificationSchema,
  JSONRPCRequestSchema,
  JSONRPCResultResponseSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../domain/errors/app-error.ts';
import { parseEventId, type EventCursor } from './database-event-store.ts';
import { JsonRpcErrorCode, McpHttpError, unsupportedMediaType } from './json-rpc-error.ts';

/** Media types a POST must accept: the transport responds with either, a JSON body or an SSE stream. */
const POST_ACCEPT = ['application/json', 'text/event-stream'] as const;
const GET_ACCEPT = ['text/event-stream'] as const;
const MESSAGE_EXAMPLE = '{"jsonrpc": "2.0", "id": 1, "method": "tools/list"}';

/**
 * Checks a POST the way the SDK's Streamable HTTP transport (1.32) does, in
 * its order (Accept, Content-Type, body), before the request reaches the
 * transport. A
 * rejection here carries our error code in `error.data.code` and names the
 * value received, which the transport's own rejections do not.
 */
export function checkPostRequest(request: FastifyRequest): void {
  checkAccept(request, POST_ACCEPT);
  checkContentType(request.headers['content-type']);
  checkJsonRpcBody(request.body);
}

/** Checks the Accept header of a GET, which opens or resumes an SSE stream. */
export function checkGetRequest(request: FastifyRequest): void {
  checkAccept(request, GET_ACCEPT);
}

/** A GET's Last-Event-ID and the stream position it names. */
export interface StreamResume {
  lastEventId: string;
  cursor: EventCursor;
}

/** Returns the stream position a GET requests with Last-Event-ID, or null without one. An empty header counts as absent, as in the SDK. */
export function readLastEventId(request: FastifyRequest): StreamResume | null {
  const lastEventId = request.headers['last-event-id'];
  if (typeof lastEventId !== 'string' || lastEventId === '') return null;

  const cursor = parseEventId(lastEventId);
  if (cursor === null) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Bad Request: Last-Event-ID "${lastEventId}" is not an event id of this server, whose ids have the form "<stream id>:<number>"; send the id of the last SSE event received, unchanged, or reconnect without Last-Event-ID.`,
      { details: { lastEventId } },
    );
  }
  return { lastEventId, cursor };
}

/**
 * Requires every media type in `required`, matched as the SDK matches them
 * (a substring of the header), so nothing passes here that the transport
 * rejects. `*\/*` does not satisfy the transport.
 */
function checkAccept(request: FastifyRequest, required: readonly string[]): void {
  const accept = request.headers.accept ?? '';
  const missing = required.filter((type) => !accept.includes(type));
  if (missing.length === 0) return;

  const received = accept === '' ? 'is missing' : `is "${accept}"`;
  throw new McpHttpError(
    406,
    JsonRpcErrorCode.SERVER_ERROR,
    new AppError(
      'NOT_ACCEPTABLE',
      `Not Acceptable: the Accept header ${received} and lacks ${missing.join(' and ')}; send "Accept: ${required.join(', ')}" on ${request.method} /mcp.`,
      { details: { accept, required } },
    ),
  );
}

function checkContentType(contentType: string | undefined): void {
  if (!contentType?.includes('application/json')) throw unsupportedMediaType(contentType);
}

/**
 * Rejects a body that is not one JSON-RPC 2.0 message or a batch of them
 * with -32600 Invalid Request. The SDK (1.32) responds with -32700 Parse
 * error to an invalid message, and with 202 to an empty batch, which JSON-RPC 2.0 (section
 * 6) calls an invalid request. A non-empty batch passes: the SDK still
 * serves batches, which protocol 2025-06-18 removed, for older clients.
 */
function checkJsonRpcBody(body: unknown): void {
  if (!Array.isArray(body)) {
    const problem = describeInvalidMessage(body);
    if (problem !== null)
      throw invalidRequest(`the body is not a JSON-RPC 2.0 message: ${problem}`);
    return;
  }

  if (body.length === 0) {
    throw invalidRequest('the body is an empty batch ([]), which JSON-RPC 2.0 does not allow');
  }
  body.forEach((message: unknown, index) => {
    const problem = describeInvalidMessage(message);
    if (problem !== null) {
      throw invalidRequest(
        `message ${index} of the batch is not a JSON-RPC 2.0 message: ${problem}`,
      );
    }
  });
}

function invalidRequest(reason: string): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `Invalid Request: ${reason}. Send one JSON-RPC message per POST, such as ${MESSAGE_EXAMPLE}.`,
  );
}

/** Returns what makes `message` no JSON-RPC 2.0 message, or null for a valid one. */
function describeInvalidMessage(message: unknown): string | null {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return `expected an object, received ${describeValue(message)}`;
  }

  const fields = message as Record<string, unknown>;
  if (fields.jsonrpc !== '2.0') {
    return `"jsonrpc" must be "2.0", received ${describeValue(fields.jsonrpc)}`;
  }
  const schema = schemaOf(fields);
  if (schema === null) {
    return 'it has neither "method" (a request or notification) nor "result" or "error" (a response)';
  }

  const parsed = schema.safeParse(message);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0];
  if (issue === undefined) return 'it does not match the JSON-RPC 2.0 message schema';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => `"${key}"`).join(', ');
    return issue.keys.length === 1
      ? `${keys} is not a field of a JSON-RPC message`
      : `${keys} are not fields of a JSON-RPC message`;
  }
  const path = issue.path.join('.');
  return path === '' ? issue.message : `"${path}" is invalid (${issue.message})`;
}

/** Picks the SDK schema of the kind of message the fields make, so its first issue is the relevant one. */
function schemaOf(fields: Record<string, unknown>) {
  if ('method' in fields) return 'id' in fields ? JSONRPCRequestSchema : JSONRPCNotificationSchema;
  if ('result' in fields) return JSONRPCResultResponseSchema;
  if ('error' in fields) return JSONRPCErrorResponseSchema;
  return null;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
