import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../service-context.ts';
import { resolveSession, type ResolveSessionOptions } from './resolve-session.ts';
import { tokensEqual } from './session-token.ts';

/** Methods that change state and so need the CSRF token when a cookie authenticates them. */
const STATE_CHANGING_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SessionRequest {
  method: string;
  sessionToken: string;
  /** Value of the X-CSRF-Token header, if sent. */
  csrfToken: string | undefined;
}

/**
 * Resolves a request authenticated by the session cookie. A state-changing
 * request must also carry the session's CSRF token, because the browser
 * attaches the cookie to requests that other sites trigger too.
 */
export async function authenticateSession(
  context: ServiceContext,
  request: SessionRequest,
  options: ResolveSessionOptions = {},
): Promise<Caller> {
  const { caller, session } = await resolveSession(context, request.sessionToken, options);
  if (!STATE_CHANGING_METHODS.has(request.method.toUpperCase())) return caller;

  if (!request.csrfToken || !tokensEqual(session.csrfToken, request.csrfToken)) {
    throw new AppError(
      'CSRF_TOKEN_INVALID',
      `${request.method} with the session cookie needs the X-CSRF-Token header from POST /api/v1/auth/login or GET /api/v1/auth/session.`,
    );
  }
  return caller;
}
