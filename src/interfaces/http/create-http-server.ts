import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from 'fastify';
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Platform } from '../../app/create-platform.ts';
import { LazyChildLogger } from '../../adapters/logging/lazy-child-logger.ts';
import type { Logger } from '../../adapters/logging/logger.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import { findUnpairedSurrogate, UNPAIRED_SURROGATE_TEXT } from '../tools/unpaired-surrogate.ts';
import { registerMcpEndpoint } from '../mcp/http/mcp-http-routes.ts';
import { registerWsEndpoint } from '../ws/register-ws-endpoint.ts';
import { createAuthenticationHook } from './authenticate.ts';
import { handleError } from './error-handler.ts';
import { accountRoutes } from './routes/account-routes.ts';
import { adminCacheRoutes } from './routes/admin-cache-routes.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { pushRoutes } from './routes/push-routes.ts';
import { systemRoutes } from './routes/system-routes.ts';
import { cleanRoomRoutes } from './routes/clean-room-routes.ts';
import { datasetRoutes } from './routes/dataset-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { questionRoutes } from './routes/question-routes.ts';
import { runRoutes } from './routes/run-routes.ts';
import { chatRoutes } from './routes/chat-routes.ts';
import { conversationRoutes } from './routes/conversation-routes.ts';
import { metricsRoutes } from './routes/metrics-routes.ts';
import { registerCachingHeaders } from './plugins/caching-headers.ts';
import { registerCompression } from './plugins/compression.ts';
import { registerRequestMetrics } from './plugins/request-metrics.ts';
import { registerResponseMemo, ResponseMemo } from './plugins/response-memo.ts';
import { registerSecurityHeaders } from './plugins/security-headers.ts';
import { registerStaticWebApp } from './plugins/static-web-app.ts';

export interface HttpServerOptions {
  /** Memory budget of the response memo in bytes, instead of CACHE_RESPONSE_MEMO_MB. Tests set small ones. */
  responseMemoMaxBytes?: number;
}

/** Largest JSON body the API accepts, in bytes; uploads go through multipart with their own limit. */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the HTTP server: REST API under /api/v1, its OpenAPI document, the
 * health checks, the MCP endpoint at /mcp and the WebSocket endpoint at /ws.
 */
export async function createHttpServer(
  platform: Platform,
  options: HttpServerOptions = {},
): Promise<FastifyInstance> {
  const memo = createResponseMemo(platform, options.responseMemoMaxBytes);
  const app = Fastify({
    loggerInstance: platform.context.log as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    // `/api/v1/cleanrooms/` is the list, as clients that append a slash expect.
    routerOptions: { ignoreTrailingSlash: true },
    genReqId: () => crypto.randomUUID(),
    childLoggerFactory: (logger, bindings, options) =>
      new LazyChildLogger(logger as Logger, bindings, options) as unknown as FastifyBaseLogger,
    serverFactory: memo?.serverFactory,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.decorateRequest('caller', null);
  app.setNotFoundHandler((request, reply) =>
    handleError(
      new AppError(
        'NOT_FOUND',
        `No route ${request.method} ${request.url.split('?')[0]}; see /api/v1/openapi.json.`,
      ),
      request,
      reply,
    ),
  );
  // Delivery plugins come before every route: compression hooks each route as it is added.
  await registerSecurityHeaders(app, { publicUrl: platform.config.PUBLIC_URL });
  await registerCachingHeaders(app);
  await registerCompression(app);
  registerResponseMemo(app, memo);
  registerRequestMetrics(app, platform.metrics);

  // Parses cookies for the web app's session; the session id is random, so the cookie needs no signature.
  await app.register(cookie);

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Cleanroom Copilot API',
        version: '1.0.0',
        description: 'Privacy-safe clean room collaboration.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'API key crk_...' },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: 'cr_session',
            description:
              'Web app session from POST /api/v1/auth/login; POST, PUT, PATCH and DELETE also need the X-CSRF-Token header',
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(healthRoutes(platform));
  await app.register(metricsRoutes(platform));
  await registerMcpEndpoint(app, platform);
  await registerWsEndpoint(app, platform);
  await app.register(
    async (api) => {
      api.addContentTypeParser(
        'application/json',
        { parseAs: 'string' },
        rejectUnpairedSurrogates(app.getDefaultJsonParser('error', 'error') as JsonBodyParser),
      );
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(authRoutes(platform));
      await api.register(async (secured) => {
        secured.addHook('onRequest', createAuthenticationHook(platform.context));
        await secured.register(cleanRoomRoutes(platform.context));
        await secured.register(datasetRoutes(platform.context));
        await secured.register(questionRoutes(platform.context));
        await secured.register(runRoutes(platform.context));
        await secured.register(accountRoutes(platform.context));
        await secured.register(conversationRoutes(platform.context));
        await secured.register(chatRoutes(platform.context));
        await secured.register(adminCacheRoutes(platform.context, memo));
        await secured.register(pushRoutes(platform.context));
        await secured.register(systemRoutes(platform));
      });
    },
    { prefix: '/api/v1' },
  );
  await registerStaticWebApp(app, {
    directory: platform.config.WEB_DIST_DIR,
    log: platform.context.log,
  });
  return app;
}

/**
 * Creates the response memo of this server, or returns null when its budget
 * is 0 or the read cache is off. The memo replays only responses whose
 * values the cache contains, so without the cache it would stay empty and
 * cost every request a lookup.
 */
function createResponseMemo(platform: Platform, maxBytes: number | undefined): ResponseMemo | null {
  const budget = maxBytes ?? platform.config.CACHE_RESPONSE_MEMO_MB * 1024 * 1024;
  if (budget === 0 || !platform.config.CACHE_ENABLED) return null;
  return new ResponseMemo({
    cache: platform.context.cache,
    metrics: platform.metrics,
    log: platform.context.log,
    maxBytes: budget,
  });
}

/** Fastify's default JSON parser, which reports through its callback (Fastify 5 lib/content-type-parser.js). */
type JsonBodyParser = (
  request: FastifyRequest,
  body: string,
  done: (error: Error | null, parsed?: unknown) => void,
) => void;

/**
 * Wraps the default JSON parser of the REST API (its proto-poisoning checks
 * stay) so a string containing an unpaired UTF-16 surrogate, such as one sent
 * as "\ud800", is rejected as VALIDATION_FAILED naming the field. Such a
 * string breaks encodeURIComponent and PostgreSQL json input further on.
 * /mcp keeps the default parser: the tool input schemas reject the same
 * strings there with a tool error result.
 */
function rejectUnpairedSurrogates(parse: JsonBodyParser): JsonBodyParser {
  return (request, body, done) =>
    parse(request, body, (error, parsed) => {
      if (error) return done(error);

      const path = findUnpairedSurrogate(parsed);
      if (path === undefined) return done(null, parsed);
      const field = path.length === 0 ? 'body' : path.join('.');
      done(
        new AppError(
          'VALIDATION_FAILED',
          `The JSON body field ${field} ${UNPAIRED_SURROGATE_TEXT}.`,
          { details: { field } },
        ),
      );
    });
}
