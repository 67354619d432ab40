import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config/config.ts';
import { WS_BEARER_SUBPROTOCOL_PREFIX, WS_SUBPROTOCOL } from '../../domain/chat/ws-protocol.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import { authenticateApiKey } from '../../services/auth/authenticate-api-key.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { createAuthenticationHook } from '../http/authenticate.ts';
import { RequestOriginPolicy } from '../mcp/http/request-origin-policy.ts';

/**
 * The onRequest hook of the upgrade request, run before the socket is
 * accepted so a rejected client gets a plain HTTP 401 or 403.
 *
 * The Origin header of a browser upgrade must be on the MCP allow-list
 * (MCP_ALLOWED_ORIGINS, else loopback and PUBLIC_URL): browsers send cookies
 * with cross-site WebSocket upgrades, so this check stops cross-site
 * WebSocket hijacking. Credentials come from the API's own hook (an
 * Authorization header, or what else that hook accepts), or, for browsers
 * that cannot set headers on a WebSocket, from the subprotocol
 * `cleanroom.bearer.<api key>` offered beside `cleanroom.v1`.
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

    const subprotocolKey = bearerKeyOf(request.headers['sec-websocket-protocol']);
    if (subprotocolKey !== null && request.headers.authorization === undefined) {
      request.caller = await authenticateApiKey(context, subprotocolKey);
      return;
    }
    await authenticate(request);
  };
}

/** Extracts the API key of an offered `cleanroom.bearer.<key>` subprotocol; null when none is offered. */
function bearerKeyOf(header: string | undefined): string | null {
  if (header === undefined) return null;

  const offered = header.split(',').map((protocol) => protocol.trim());
  const bearer = offered.find((protocol) => protocol.startsWith(WS_BEARER_SUBPROTOCOL_PREFIX));
  return bearer ? bearer.slice(WS_BEARER_SUBPROTOCOL_PREFIX.length) : null;
}

/** Picks `cleanroom.v1` from the offered subprotocols; never echoes the bearer one, which carries the key. */
export function selectSubprotocol(offered: Set<string>): string | false {
  return offered.has(WS_SUBPROTOCOL) ? WS_SUBPROTOCOL : false;
}
