import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { WS_BEARER_SUBPROTOCOL_PREFIX, WS_SUBPROTOCOL } from '../../domain/chat/ws-protocol.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { authenticateApiKey } from '../../services/auth/authenticate-api-key.ts';
import { authenticateSession } from '../../services/auth/authenticate-session.ts';
import { SESSION_COOKIE } from '../../services/auth/session-cookie.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { createAuthenticationHook } from '../http/authenticate.ts';
import { RequestOriginPolicy } from '../mcp/http/request-origin-policy.ts';

/** The credential an upgrade was authenticated with, kept so the open socket can check it again. */
export type WsCredentials =
  { kind: 'apiKey'; key: string } | { kind: 'session'; sessionToken: string };

/** Credentials of each accepted upgrade request, read once by the route handler. */
const credentialsByRequest = new WeakMap<FastifyRequest, WsCredentials>();

/**
 * The onRequest hook of the upgrade request, run before the socket is
 * accepted so a rejected client gets a plain HTTP 400, 401 or 403.
 *
 * The Origin header of a browser upgrade must be on the MCP allow-list
 * (MCP_ALLOWED_ORIGINS, else loopback and PUBLIC_URL): browsers send cookies
 * with cross-site WebSocket upgrades, so this check stops cross-site
 * WebSocket hijacking. A client that offers subprotocols must offer
 * `cleanroom.v1`, because a client whose offer the server cannot select
 * fails the handshake itself. Credentials come from the API's own hook (an
 * Authorization header or the session cookie), or, for browsers that cannot
 * set headers on a WebSocket, from the subprotocol `cleanroom.bearer.<api key>`
 * offered beside `cleanroom.v1`.
 */
export function createWsAuthenticationHook(context: ServiceContext, config: Config) {
  const origins = new RequestOriginPolicy(config);
  const authenticate = createAuthenticationHook(context);

  return async (request: FastifyRequest): Promise<void> => {
    const origin = request.headers.origin;
    if (!origins.allowsOrigin(origin, request.socket.localPort ?? 0)) {
      throw new AppError(
        'WS_ORIGIN_NOT_ALLOWED',
        `Origin ${origin} may not open a WebSocket here; add it to MCP_ALLOWED_ORIGINS.`,
        { details: { origin } },
      );
    }
    const offered = offeredSubprotocols(request.headers['sec-websocket-protocol']);
    if (offered.length > 0 && !offered.includes(WS_SUBPROTOCOL))
      throw unsupportedSubprotocol(offered);

    const subprotocolKey = bearerKeyOf(offered);
    if (subprotocolKey !== null && request.headers.authorization === undefined) {
      request.caller = await authenticateApiKey(context, subprotocolKey);
      credentialsByRequest.set(request, { kind: 'apiKey', key: subprotocolKey });
      return;
    }
    await authenticate(request);
    const credentials = headerCredentialsOf(request);
    if (credentials) credentialsByRequest.set(request, credentials);
  };
}

/** Returns the credentials the upgrade hook accepted for this request. */
export function wsCredentialsOf(request: FastifyRequest): WsCredentials {
  const credentials = credentialsByRequest.get(request);
  if (!credentials)
    throw new AppError('UNAUTHENTICATED', 'The WebSocket upgrade carried no credentials.');
  return credentials;
}

/**
 * Checks credentials of an open socket again, the way the upgrade checked
 * them, and returns the caller they authenticate. Throws the REST API's 401
 * error (UNAUTHENTICATED, SESSION_EXPIRED, API_KEY_INVALID, API_KEY_REVOKED)
 * when they are no longer valid. An API key is read through the key cache,
 * which revoking a key invalidates in every process. A session is read from
 * the database, where sign-out and a password change delete it. Only a check
 * for a client message (`renew`) renews the session's idle expiry, so an idle
 * browser session still expires while its socket stays open.
 */
export function checkWsCredentials(
  context: ServiceContext,
  credentials: WsCredentials,
  { renew }: { renew: boolean },
): Promise<Caller> {
  if (credentials.kind === 'apiKey') return authenticateApiKey(context, credentials.key);
  // A WebSocket message is no cross-site form post, so the session is checked as a read (no CSRF token).
  return authenticateSession(
    context,
    { method: 'GET', sessionToken: credentials.sessionToken, csrfToken: undefined },
    { renew },
  );
}

/** Picks `cleanroom.v1` from the offered subprotocols; never echoes the bearer one, which carries the key. */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}

function offeredSubprotocols(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((protocol) => protocol.trim())
    .filter((protocol) => protocol.length > 0);
}

/** Extracts the API key of an offered `cleanroom.bearer.<key>` subprotocol; null when none is offered. */
function bearerKeyOf(offered: string[]): string | null {
  const bearer = offered.find((protocol) => protocol.startsWith(WS_BEARER_SUBPROTOCOL_PREFIX));
  return bearer ? bearer.slice(WS_BEARER_SUBPROTOCOL_PREFIX.length) : null;
}

function unsupportedSubprotocol(offered: string[]): AppError {
  // The bearer subprotocol carries an API key, so it is never echoed in the error.
  const versions = offered.filter((protocol) => !protocol.startsWith(WS_BEARER_SUBPROTOCOL_PREFIX));
  const listed = versions.length > 0 ? versions.join(', ') : 'only the bearer subprotocol';
  return new AppError(
    'WS_SUBPROTOCOL_UNSUPPORTED',
    `The offered subprotocols (${listed}) do not include a version this server supports; offer "${WS_SUBPROTOCOL}" (protocol version 1).`,
    { details: { offered: versions, supported: [WS_SUBPROTOCOL] } },
  );
}

/** Mirrors the choice of createAuthenticationHook: the Authorization header first, else the session cookie. */
function headerCredentialsOf(request: FastifyRequest): WsCredentials | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const key = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    return key ? { kind: 'apiKey', key } : null;
  }
  const sessionToken = request.cookies?.[SESSION_COOKIE];
  return sessionToken ? { kind: 'session', sessionToken } : null;
}
