import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import type { Platform } from '../../../app/create-platform.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import {
  MCP_PATH,
  PROTECTED_RESOURCE_METADATA_PATH,
  type ProtectedResource,
} from '../auth/protected-resource.ts';
import { answerPreflight, setCorsHeaders } from './cors.ts';
import { describeMcpHttpError } from './json-rpc-error.ts';
import { McpHttpEndpoint } from './mcp-http-endpoint.ts';
import { methodNotAllowed } from './mcp-request-handler.ts';
import { checkPostRequest } from './transport-request-checks.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The MCP endpoint's state: its sessions, for health pages and tests. */
    mcp: McpHttpEndpoint;
  }
}

/**
 * Adds the MCP Streamable HTTP endpoint at /mcp and its OAuth protected
 * resource metadata under /.well-known/, and closes the endpoint's sessions
 * and streams before the server stops, so open SSE streams do not hold it.
 */
export async function registerMcpEndpoint(app: FastifyInstance, platform: Platform): Promise<void> {
  const endpoint = new McpHttpEndpoint(platform, platform.context.log);
  app.decorate('mcp', endpoint);
  app.addHook('preClose', () => endpoint.close());
  await app.register(mcpRoutes(endpoint));
  await app.register(protectedResourceMetadataRoutes(endpoint.protectedResource));
}

function mcpRoutes(endpoint: McpHttpEndpoint): FastifyPluginAsync {
  return async (app) => {
    const { handler } = endpoint;
    const hidden = { schema: { hide: true } };
    app.decorateRequest('mcpAuthentication', null);
    app.setErrorHandler((error: FastifyError, request, reply) =>
      sendMcpError(endpoint, error, request, reply),
    );
    app.addHook('onRequest', (request, reply) => guardRequest(endpoint, request, reply));

    app.post(
      MCP_PATH,
      {
        ...hidden,
        bodyLimit: endpoint.bodyLimitBytes,
        preHandler: async (request) => checkPostRequest(request),
      },
      (request, reply) => handler.post(request, reply),
    );
    app.get(MCP_PATH, { ...hidden, exposeHeadRoute: false }, (request, reply) =>
      handler.get(request, reply),
    );
    await app.register(async (bodyless) => {
      ignoreBodies(bodyless);
      bodyless.delete(MCP_PATH, hidden, (request, reply) => handler.delete(request, reply));
      bodyless.options(MCP_PATH, hidden, async (_request, reply) =>
        answerPreflight(reply, handler.allowedMethods),
      );
    });
    app.route({
      method: ['PUT', 'PATCH', 'HEAD'],
      url: MCP_PATH,
      ...hidden,
      handler: async (request, reply) => {
        throw methodNotAllowed(
          reply,
          request.method,
          handler.allowedMethods,
          'is not part of the Streamable HTTP transport',
        );
      },
    });
  };
}

/**
 * Makes the routes of `scope` ignore any request body. The transport defines
 * no body for DELETE (ends a session) or OPTIONS (a CORS preflight), but
 * Fastify parses one whenever Content-Type is set. SDK clients that put
 * `Content-Type: application/json` in their default headers send it with an
 * empty DELETE too, which would fail as an empty JSON body. Node discards
 * the unread body when the response ends.
 */
function ignoreBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
}

/**
 * Checks Host and Origin against the allow-lists (403 outside them), adds
 * CORS headers for an allowed Origin, and authenticates every request but a
 * preflight, before Fastify reads the body.
 */
async function guardRequest(
  endpoint: McpHttpEndpoint,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<void> {
  const localPort = request.raw.socket.localPort ?? 0;
  const { host, origin } = request.headers;
  if (!endpoint.originPolicy.allowsHost(host, localPort)) {
    throw new AppError(
      'MCP_HOST_NOT_ALLOWED',
      `Forbidden: Host "${host ?? ''}" is not allowed; the server operator can add it to MCP_ALLOWED_HOSTS.`,
    );
  }
  if (!endpoint.originPolicy.allowsOrigin(origin, localPort)) {
    throw new AppError(
      'MCP_ORIGIN_NOT_ALLOWED',
      `Forbidden: Origin "${origin ?? ''}" is not allowed; the server operator can add it to MCP_ALLOWED_ORIGINS.`,
    );
  }
  if (origin !== undefined) setCorsHeaders(reply.raw, origin);
  if (request.method === 'OPTIONS') return;

  request.mcpAuthentication = await endpoint.authenticator.authenticate(
    request.headers.authorization,
  );
}

function sendMcpError(
  endpoint: McpHttpEndpoint,
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const { status, body, appError } = describeMcpHttpError(error, {
    bodyLimitBytes: endpoint.bodyLimitBytes,
    contentType: request.headers['content-type'],
  });
  if (appError.code === 'MCP_SESSION_LIMIT') {
    // A full server is a load condition, not a fault of this process.
    const organizationId = request.mcpAuthentication?.caller.organizationId;
    request.log.warn({ code: appError.code, status, organizationId }, 'MCP session limit reached');
  } else if (status >= 500) request.log.error({ err: error }, 'MCP request failed');
  else request.log.info({ code: appError.code, status }, 'MCP request rejected');

  if (status === 401) {
    const resourceUrl = endpoint.protectedResource.resourceUrl(request.headers.host);
    void reply.header(
      'www-authenticate',
      endpoint.protectedResource.challenge(resourceUrl, appError),
    );
  }
  return reply.status(status).send(body);
}

/**
 * RFC 9728 metadata of the MCP endpoint, at the root well-known URL and at
 * the one with /mcp appended, the two URLs MCP clients try in turn.
 */
function protectedResourceMetadataRoutes(resource: ProtectedResource): FastifyPluginAsync {
  return async (app) => {
    const paths = [
      PROTECTED_RESOURCE_METADATA_PATH,
      `${PROTECTED_RESOURCE_METADATA_PATH}${MCP_PATH}`,
    ];
    for (const path of paths) {
      app.get(path, { schema: { hide: true } }, async (request, reply) => {
        void reply.header('access-control-allow-origin', '*');
        void reply.header('cache-control', 'public, max-age=300');
        return resource.metadataDocument(resource.resourceUrl(request.headers.host));
      });
    }
  };
}
