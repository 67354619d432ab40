import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { authenticateApiKey } from '../../services/auth/authenticate-api-key.ts';
import type { ServiceContext } from '../../services/service-context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/** Resolves `Authorization: Bearer <api key>` to the caller; every /api/v1 route but the OpenAPI document needs it. */
export function createAuthenticationHook(context: ServiceContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) {
      throw new AppError(
        'UNAUTHENTICATED',
        'Send an API key as "Authorization: Bearer crk_..."; create one with `cleanroom api-key create`.',
      );
    }

    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <api key>".');
    }
    request.caller = await authenticateApiKey(context, match[1]);
  };
}

/** The caller of an authenticated route; the hook guarantees it is set. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new AppError('UNAUTHENTICATED', 'This route needs an API key.');
  return request.caller;
}
