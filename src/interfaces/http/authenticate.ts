import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { authenticateApiKey } from '../../services/auth/authenticate-api-key.ts';
import { authenticateSession } from '../../services/auth/authenticate-session.ts';
import { SESSION_COOKIE } from '../../services/auth/session-cookie.ts';
import type { ServiceContext } from '../../services/service-context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller | null;
  }
}

/**
 * Resolves `Authorization: Bearer <api key>` or, without that header, the
 * web app's session cookie (with its CSRF check) to the caller. Every
 * /api/v1 route but the OpenAPI document and sign-in needs it.
 */
export function createAuthenticationHook(context: ServiceContext) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    const sessionToken = request.cookies?.[SESSION_COOKIE];
    if (!header && sessionToken) {
      request.caller = await authenticateSession(context, {
        method: request.method,
        sessionToken,
        csrfToken: firstHeader(request.headers['x-csrf-token']),
      });
      return;
    }
    if (!header) {
      throw new AppError(
        'UNAUTHENTICATED',
        'Send an API key as "Authorization: Bearer crk_..." (create one with `cleanroom api-key create`) or sign in with POST /api/v1/auth/login.',
      );
    }

    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new AppError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <api key>".');
    }
    request.caller = await authenticateApiKey(context, match[1]);
  };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The caller of an authenticated route; the hook guarantees it is set. */
export function callerOf(request: FastifyRequest): Caller {
  if (!request.caller) throw new AppError('UNAUTHENTICATED', 'This route needs an API key.');
  return request.caller;
}
