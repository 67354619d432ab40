import type { FastifyError } from 'fastify';
import { AppError, isAppError } from '../../../domain/errors/app-error.ts';
import type { ErrorCode } from '../../../domain/errors/error-codes.ts';

/**
 * JSON-RPC 2.0 error codes this endpoint sends: the standard ones, and in the
 * server range the SDK's convention of -32001 for an unknown session.
 */
export const JsonRpcErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  SERVER_ERROR: -32000,
  SESSION_NOT_FOUND: -32001,
} as const;

/**
 * The body of an HTTP error on the MCP endpoint: a JSON-RPC error response
 * without an id, as the Streamable HTTP transport allows. Its `data.code` is
 * our stable error code, the same one the REST error envelope carries.
 */
export interface JsonRpcErrorBody {
  jsonrpc: '2.0';
  id: null;
  error: { code: number; message: string; data: { code: ErrorCode } & Record<string, unknown> };
}

const jsonRpcCodes: Partial<Record<ErrorCode, number>> = {
  MCP_SESSION_NOT_FOUND: JsonRpcErrorCode.SESSION_NOT_FOUND,
  VALIDATION_FAILED: JsonRpcErrorCode.INVALID_REQUEST,
  INTERNAL: JsonRpcErrorCode.INTERNAL_ERROR,
};

export function toJsonRpcErrorBody(error: AppError): JsonRpcErrorBody {
  const details = error.details && error.status < 500 ? error.details : {};
  return {
    jsonrpc: '2.0',
    id: null,
    error: {
      code: jsonRpcCodes[error.code] ?? JsonRpcErrorCode.SERVER_ERROR,
      message: error.userMessage,
      data: { ...details, code: error.code },
    },
  };
}

/** Fastify's body errors on this endpoint, with the JSON-RPC code the transport spec expects. */
const fastifyBodyErrors: Record<string, { code: ErrorCode; jsonRpcCode: number; message: string }> =
  {
    FST_ERR_CTP_INVALID_JSON_BODY: {
      code: 'VALIDATION_FAILED',
      jsonRpcCode: JsonRpcErrorCode.PARSE_ERROR,
      message: 'Parse error: the body is not valid JSON.',
    },
    FST_ERR_CTP_EMPTY_JSON_BODY: {
      code: 'VALIDATION_FAILED',
      jsonRpcCode: JsonRpcErrorCode.PARSE_ERROR,
      message: 'Parse error: the body is empty; send a JSON-RPC message.',
    },
  };

/**
 * An error sent with an HTTP status and JSON-RPC code other than those of its
 * error code, where the Streamable HTTP transport fixes them.
 */
export class McpHttpError extends Error {
  constructor(
    readonly status: number,
    readonly jsonRpcCode: number,
    readonly appError: AppError,
  ) {
    super(appError.message, { cause: appError });
    this.name = 'McpHttpError';
  }
}

/** Rejects a POST whose body is not sent as JSON, naming the Content-Type received. */
export function unsupportedMediaType(contentType: string | undefined): AppError {
  const received = contentType === undefined ? 'is missing' : `"${contentType}" is not supported`;
  return new AppError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Unsupported Media Type: Content-Type ${received}; send the JSON-RPC message as "Content-Type: application/json".`,
    { details: { contentType: contentType ?? null } },
  );
}

/** Request facts that describeMcpHttpError names in its messages. */
export interface McpHttpErrorContext {
  bodyLimitBytes: number;
  contentType: string | undefined;
}

/**
 * Converts any error thrown while handling an MCP request to its HTTP status
 * and JSON-RPC body. 5xx bodies carry only the user-safe message.
 */
export function describeMcpHttpError(
  error: FastifyError | Error,
  { bodyLimitBytes, contentType }: McpHttpErrorContext,
): { status: number; body: JsonRpcErrorBody; appError: AppError } {
  if (isAppError(error))
    return { status: error.status, body: toJsonRpcErrorBody(error), appError: error };
  if (error instanceof McpHttpError) {
    const { status, appError } = error;
    const body = toJsonRpcErrorBody(appError);
    body.error.code = error.jsonRpcCode;
    return { status, body, appError };
  }

  const code = 'code' in error ? String(error.code) : undefined;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const appError = new AppError(
      'REQUEST_TOO_LARGE',
      `Payload Too Large: the body exceeds ${bodyLimitBytes} bytes (MCP_BODY_LIMIT_BYTES).`,
    );
    return { status: 413, body: toJsonRpcErrorBody(appError), appError };
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const appError = unsupportedMediaType(contentType);
    return { status: 415, body: toJsonRpcErrorBody(appError), appError };
  }

  const known = code === undefined ? undefined : fastifyBodyErrors[code];
  if (known) {
    const appError = new AppError(known.code, known.message);
    const status = 'statusCode' in error && error.statusCode ? error.statusCode : 400;
    const body = toJsonRpcErrorBody(appError);
    body.error.code = known.jsonRpcCode;
    return { status, body, appError };
  }

  const appError = new AppError('INTERNAL', error.message, { cause: error });
  return { status: 500, body: toJsonRpcErrorBody(appError), appError };
}

/**
 * Stable codes of the JSON-RPC errors that the SDK's transport (1.32) writes
 * itself, by HTTP status: an unsupported MCP-Protocol-Version (400), a
 * second GET stream of a session (409), a batch over 100 messages (400).
 */
const transportErrorCodes: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_FAILED',
  404: 'MCP_SESSION_NOT_FOUND',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'REQUEST_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/**
 * Adds our error code as `error.data.code` to a JSON-RPC error response of
 * the SDK's transport, so every error of the endpoint carries one. Other
 * responses pass unchanged. The SDK's own `data`, a string in its parse
 * errors, moves to `data.detail`.
 */
export async function withStableErrorCode(response: Response): Promise<Response> {
  const isJson = response.headers.get('content-type')?.includes('application/json') ?? false;
  if (response.status < 400 || !isJson) return response;

  const body = (await response.json()) as { error?: { data?: unknown } };
  if (body.error !== undefined) {
    const code =
      transportErrorCodes[response.status] ??
      (response.status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
    const data = body.error.data;
    body.error.data = isRecord(data)
      ? { ...data, code }
      : { code, ...(data === undefined ? {} : { detail: data }) };
  }

  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status: response.status, headers });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
