import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, isAppError } from '../../domain/errors/app-error.ts';
import type { ErrorEnvelope } from './error-envelope.ts';

/** Fastify's own error codes mapped to ours, so clients see one registry. */
const fastifyErrors: Record<string, { code: AppError['code']; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'IMPORT_TOO_LARGE',
    message: 'The request body is larger than the limit.',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'Unsupported Content-Type; send application/json.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'VALIDATION_FAILED',
    message: 'The JSON body is empty; send a JSON object.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'VALIDATION_FAILED',
    message: 'The body is not valid JSON.',
  },
  FST_INVALID_MULTIPART_CONTENT_TYPE: {
    code: 'VALIDATION_FAILED',
    message: 'Send the file as multipart/form-data.',
  },
  FST_REQ_FILE_TOO_LARGE: {
    code: 'IMPORT_TOO_LARGE',
    message: 'The file is larger than the upload limit.',
  },
};

/** PostgreSQL's SQLSTATE for a statement cancelled by statement_timeout (query_canceled). */
const STATEMENT_TIMEOUT_SQLSTATE = '57014';
/** Messages pg-pool and pg raise when no connection could be taken or opened within connectionTimeoutMillis. */
const CONNECTION_TIMEOUT_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
];
/**
 * Signs of a database connection lost while a statement ran: a server that
 * shut down or ended the backend (SQLSTATE class 57P), a reset or closed
 * socket, and the message pg raises when the server closes the connection.
 */
const CONNECTION_LOST_SQLSTATES = new Set(['57P01', '57P02', '57P03']);
const CONNECTION_LOST_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);
const CONNECTION_LOST_MESSAGES = ['Connection terminated unexpectedly', 'Connection terminated'];
/** Retry-After of a 503 caused by a busy or unreachable database, in seconds. */
const DATABASE_RETRY_AFTER_SECONDS = 2;
/** Causes followed to find a database error wrapped by another error. */
const MAX_CAUSE_DEPTH = 5;

/** Sends any error as the error envelope. 5xx responses carry only the user-safe message. */
export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const appError = databaseOverload(error) ?? toAppError(error);
  if (appError.code === 'DATABASE_TIMEOUT' || appError.code === 'DATABASE_UNAVAILABLE') {
    request.log.warn(
      { err: error, code: appError.code },
      'request failed on a busy or lost database connection',
    );
    void reply.header('Retry-After', String(DATABASE_RETRY_AFTER_SECONDS));
  } else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: appError.code, status: appError.status }, 'request rejected');

  if (appError.code === 'UNAUTHENTICATED' || appError.code.startsWith('API_KEY_')) {
    void reply.header('WWW-Authenticate', 'Bearer realm="cleanroom"');
  }
  const envelope: ErrorEnvelope = {
    error: {
      code: appError.code,
      status: appError.status,
      message: appError.userMessage,
      ...(appError.details && appError.status < 500 ? { details: appError.details } : {}),
      requestId: request.id,
    },
  };
  return reply.status(appError.status).send(envelope);
}

/**
 * Maps a statement timeout, a pool connection timeout or a lost connection,
 * also when wrapped in an INTERNAL error, to a 503 the client may retry. Errors with another
 * code of ours stay as raised.
 */
function databaseOverload(error: Error): AppError | undefined {
  if (isAppError(error) && error.code !== 'INTERNAL') return undefined;

  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current instanceof Error; depth += 1) {
    if ('code' in current && current.code === STATEMENT_TIMEOUT_SQLSTATE) {
      return new AppError('DATABASE_TIMEOUT', `Database statement timed out: ${current.message}`, {
        userMessage: `The database did not answer in time. Retry the request in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
        retryable: true,
        cause: error,
      });
    }
    if (CONNECTION_TIMEOUT_MESSAGES.includes(current.message)) {
      return new AppError('DATABASE_UNAVAILABLE', `No database connection: ${current.message}`, {
        userMessage: `The database has no free connection. Retry the request in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
        retryable: true,
        cause: error,
      });
    }
    if (isConnectionLost(current)) {
      return new AppError('DATABASE_UNAVAILABLE', `Database connection lost: ${current.message}`, {
        userMessage: `The connection to the database was lost. Retry the request in ${DATABASE_RETRY_AFTER_SECONDS} seconds.`,
        retryable: true,
        cause: error,
      });
    }
    current = current.cause;
  }
  return undefined;
}

function isConnectionLost(error: Error): boolean {
  const code = 'code' in error ? String(error.code) : '';
  return (
    CONNECTION_LOST_SQLSTATES.has(code) ||
    CONNECTION_LOST_SOCKET_CODES.has(code) ||
    CONNECTION_LOST_MESSAGES.includes(error.message)
  );
}

function toAppError(error: FastifyError | Error): AppError {
  if (isAppError(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) return fromValidation(error as FastifyError);

  const code = 'code' in error ? error.code : undefined;
  const known = code ? fastifyErrors[code] : undefined;
  if (known) return new AppError(known.code, known.message);

  const status = 'statusCode' in error ? error.statusCode : undefined;
  if (status && status >= 400 && status < 500)
    return new AppError('VALIDATION_FAILED', error.message);
  return new AppError('INTERNAL', error.message, { cause: error });
}

/**
 * Names the field of a validation issue as `body.a.b`. An unknown key is
 * reported at its object's path, so the key itself (from zod's
 * `unrecognized_keys` issue) is appended when there is exactly one.
 */
function fieldOf(issue: NonNullable<FastifyError['validation']>[number], context: string): string {
  const path = issue.instancePath.split('/').filter(Boolean);
  const keys = (issue.params as { keys?: unknown } | undefined)?.keys;
  if (Array.isArray(keys) && keys.length === 1) path.push(String(keys[0]));
  return [context, ...path].join('.');
}

function fromValidation(error: FastifyError): AppError {
  const issues = (error.validation ?? []).map((issue) => ({
    field: fieldOf(issue, error.validationContext ?? 'body'),
    message: issue.message ?? 'invalid',
  }));
  const summary = issues
    .map((issue) => `${issue.field}: ${issue.message.replace(/\.$/, '')}`)
    .join('; ');
  return new AppError('VALIDATION_FAILED', `Invalid request: ${summary}.`, { details: { issues } });
}
