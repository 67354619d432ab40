import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Platform } from '../../../app/create-platform.ts';
import { SessionViewSchema } from '../../../domain/auth/session-view.ts';
import { AppError, isAppError } from '../../../domain/errors/app-error.ts';
import { resolveSession } from '../../../services/auth/resolve-session.ts';
import { SESSION_COOKIE, sessionCookieSecure } from '../../../services/auth/session-cookie.ts';
import { LoginRequestSchema } from '../../../services/auth/session-view.ts';
import { signIn } from '../../../services/auth/sign-in.ts';
import { signOut } from '../../../services/auth/sign-out.ts';
import { authenticateSession } from '../../../services/auth/authenticate-session.ts';
import { commonErrorResponses, ErrorEnvelopeSchema } from '../error-envelope.ts';

const tags = ['Sign-in'];

/**
 * Registers sign-in, the current session and sign-out for the web app. The
 * session id travels in an HttpOnly, SameSite=Lax cookie, Secure unless the
 * server is plain http on a host other than loopback.
 */
export function authRoutes(platform: Platform): FastifyPluginAsyncZod {
  const context = platform.context;
  const cookieOptions = {
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: sessionCookieSecure(platform.config),
    path: '/',
  };
  if (!cookieOptions.secure) {
    context.log.warn(
      { publicUrl: platform.config.PUBLIC_URL, host: platform.config.HOST },
      'session cookie sent without Secure because the server is plain http on a non-loopback host',
    );
  }

  return async (app) => {
    app.post('/auth/login', {
      schema: {
        tags,
        summary: 'Sign in with email and password; sets the session cookie',
        security: [],
        body: LoginRequestSchema,
        response: { 200: SessionViewSchema, 429: ErrorEnvelopeSchema, ...commonErrorResponses },
      },
      onRequest: async (request) => checkLoginRequest(request, platform.config.PUBLIC_URL),
      handler: async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        const signedIn = await signIn(context, {
          email: request.body.email,
          password: request.body.password,
          clientIp: request.ip,
        }).catch((error: unknown) => {
          if (isAppError(error) && error.code === 'LOGIN_THROTTLED') {
            reply.header('Retry-After', String(error.details?.retryAfterSeconds ?? 60));
          }
          throw error;
        });
        const maxAge = Math.floor((signedIn.absoluteExpiresAt.getTime() - Date.now()) / 1000);
        reply.setCookie(SESSION_COOKIE, signedIn.sessionToken, { ...cookieOptions, maxAge });
        return signedIn.session;
      },
    });

    app.get('/auth/session', {
      schema: {
        tags,
        summary: 'The signed-in user, organization and CSRF token of the session cookie',
        security: [{ session: [] }],
        response: { 200: SessionViewSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        const token = request.cookies[SESSION_COOKIE];
        if (!token)
          throw new AppError(
            'UNAUTHENTICATED',
            'Not signed in; sign in with POST /api/v1/auth/login.',
          );
        return (await resolveSession(context, token)).session;
      },
    });

    app.post('/auth/logout', {
      schema: {
        tags,
        summary: 'Sign out: deletes the session and clears the cookie',
        security: [{ session: [] }],
        response: { 204: z.null(), ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        await endSession(request, reply);
        reply.clearCookie(SESSION_COOKIE, cookieOptions);
        return reply.status(204).send(null);
      },
    });
  };

  /** Deletes the session after the CSRF check; an expired or unknown session is already signed out. */
  async function endSession(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;

    const csrfHeader = request.headers['x-csrf-token'];
    try {
      await authenticateSession(context, {
        method: request.method,
        sessionToken: token,
        csrfToken: Array.isArray(csrfHeader) ? csrfHeader[0] : csrfHeader,
      });
    } catch (error) {
      if (isAppError(error) && error.code === 'CSRF_TOKEN_INVALID') throw error;
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
      return;
    }
    await signOut(context, token);
  }
}

/**
 * Sign-in accepts JSON only, which a cross-site HTML form cannot send without
 * a CORS preflight, and rejects an Origin other than this server's.
 */
function checkLoginRequest(request: FastifyRequest, publicUrl: string | undefined): void {
  const contentType = request.headers['content-type'] ?? '';
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    throw new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `Sign-in needs Content-Type: application/json, not "${contentType}".`,
    );
  }

  const origin = request.headers.origin;
  if (!origin || isOwnOrigin(origin, request.headers.host, publicUrl)) return;
  throw new AppError(
    'LOGIN_ORIGIN_NOT_ALLOWED',
    `Sign-in from origin ${origin} is not allowed; sign in from this server's own pages${publicUrl ? ` (${new URL(publicUrl).origin})` : ''}.`,
  );
}

function isOwnOrigin(
  origin: string,
  host: string | undefined,
  publicUrl: string | undefined,
): boolean {
  if (publicUrl && new URL(publicUrl).origin === origin) return true;
  if (!host) return false;
  try {
    // Parsing the Host header with the origin's scheme drops a default port, as the origin does.
    const originUrl = new URL(origin);
    return originUrl.host === new URL(`${originUrl.protocol}//${host}`).host;
  } catch {
    return false;
  }
}
