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

/** Sends any error as the error envelope. 5xx responses carry only the user-safe message. */
export function handleError(
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const appError = toAppError(error);
  if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
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

function fromValidation(error: FastifyError): AppError {
  const issues = (error.validation ?? []).map((issue) => ({
    field: issue.instancePath
      ? `${error.validationContext ?? 'body'}${issue.instancePath.replaceAll('/', '.')}`
      : (error.validationContext ?? 'body'),
    message: issue.message ?? 'invalid',
  }));
  const summary = issues
    .map((issue) => `${issue.field}: ${issue.message.replace(/\.$/, '')}`)
    .join('; ');
  return new AppError('VALIDATION_FAILED', `Invalid request: ${summary}.`, { details: { issues } });
}
