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
    FST_ERR_CTP_INVALID_MEDIA_TYPE: {
      code: 'VALIDATION_FAILED',
      jsonRpcCode: JsonRpcErrorCode.SERVER_ERROR,
      message: 'Unsupported Media Type: Content-Type must be application/json.',
    },
  };

/**
 * Converts any error thrown while handling an MCP request to its HTTP status
 * and JSON-RPC body. 5xx bodies carry only the user-safe message.
 */
export function describeMcpHttpError(
  error: FastifyError | Error,
  bodyLimitBytes: number,
): { status: number; body: JsonRpcErrorBody; appError: AppError } {
  if (isAppError(error))
    return { status: error.status, body: toJsonRpcErrorBody(error), appError: error };

  const code = 'code' in error ? String(error.code) : undefined;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const appError = new AppError(
      'REQUEST_TOO_LARGE',
      `Payload Too Large: the body exceeds ${bodyLimitBytes} bytes (MCP_BODY_LIMIT_BYTES).`,
    );
    return { status: 413, body: toJsonRpcErrorBody(appError), appError };
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
