import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Platform } from '../../../app/create-platform.ts';
import { SystemStatusSchema } from '../../../domain/system/system-status.ts';
import { getSystemStatus } from '../../../services/system/get-system-status.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

/** Registers the system status page's data: every part, its real backend and a live check. */
export function systemRoutes(platform: Platform): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/system/status', {
      schema: {
        tags: ['System'],
        summary: 'Health and backend of each part; details for ADMIN users only',
        response: { 200: SystemStatusSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return getSystemStatus(
          { context: platform.context, backends: { ...platform.backends } },
          callerOf(request),
        );
      },
    });
  };
}
