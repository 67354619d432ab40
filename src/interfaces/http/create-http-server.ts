import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Platform } from '../../app/create-platform.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import { registerMcpEndpoint } from '../mcp/http/mcp-http-routes.ts';
import { createAuthenticationHook } from './authenticate.ts';
import { handleError } from './error-handler.ts';
import { accountRoutes } from './routes/account-routes.ts';
import { cleanRoomRoutes } from './routes/clean-room-routes.ts';
import { datasetRoutes } from './routes/dataset-routes.ts';
import { healthRoutes } from './routes/health-routes.ts';
import { questionRoutes } from './routes/question-routes.ts';
import { runRoutes } from './routes/run-routes.ts';

/** Largest JSON body the API accepts, in bytes; uploads go through multipart with their own limit. */
const JSON_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Builds the HTTP server: REST API under /api/v1, its OpenAPI document, the
 * health checks, and the MCP endpoint at /mcp.
 */
export async function createHttpServer(platform: Platform): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: platform.context.log as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    genReqId: () => crypto.randomUUID(),
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
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(healthRoutes(platform));
  await registerMcpEndpoint(app, platform);
  await app.register(
    async (api) => {
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(async (secured) => {
        secured.addHook('onRequest', createAuthenticationHook(platform.context));
        await secured.register(multipart, {
          limits: {
            fileSize: platform.context.settings.uploadMaxBytes + 1,
            files: 1,
            fields: 20,
            fieldSize: 10_000,
          },
        });
        await secured.register(cleanRoomRoutes(platform.context));
        await secured.register(datasetRoutes(platform.context));
        await secured.register(questionRoutes(platform.context));
        await secured.register(runRoutes(platform.context));
        await secured.register(accountRoutes(platform.context));
      });
    },
    { prefix: '/api/v1' },
  );
  return app;
}
