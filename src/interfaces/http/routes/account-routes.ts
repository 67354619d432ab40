import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  ApiKeySchema,
  CreateApiKeyRequestSchema,
  CreatedApiKeySchema,
} from '../../../domain/organizations/organization.ts';
import { AuditEventPageSchema } from '../../../domain/audit/audit-event.ts';
import { pageInMemory, PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { createApiKey } from '../../../services/api-keys/create-api-key.ts';
import { listApiKeys } from '../../../services/api-keys/list-api-keys.ts';
import { revokeApiKey } from '../../../services/api-keys/revoke-api-key.ts';
import { listAuditEvents } from '../../../services/audit/list-audit-events.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { repositories } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const tags = ['Account'];

/** Registers the routes of the caller's identity, API keys and audit trail. */
export function accountRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/me', {
      schema: {
        tags,
        summary: 'Who the API key acts for',
        response: {
          200: z.object({
            organizationId: z.uuid(),
            organizationName: z.string(),
            userId: z.uuid(),
            role: z.string(),
          }),
          ...commonErrorResponses,
        },
      },
      handler: async (request) => {
        const caller = callerOf(request);
        const organization = await repositories(context.db).organizations.findOrganization(
          caller.organizationId,
        );
        return {
          organizationId: caller.organizationId,
          organizationName: organization?.name ?? '',
          userId: caller.userId,
          role: caller.role,
        };
      },
    });

    app.get('/api-keys', {
      schema: {
        tags,
        summary: "List your organization's API keys",
        querystring: PageQuerySchema,
        response: { 200: pageSchema(ApiKeySchema), ...commonErrorResponses },
      },
      handler: async (request) =>
        pageInMemory(
          await listApiKeys(context, callerOf(request)),
          request.query,
          context.settings.pageSizeMax,
        ),
    });

    app.post('/api-keys', {
      schema: {
        tags,
        summary: 'Create an API key; the key is shown in this answer only',
        body: CreateApiKeyRequestSchema,
        response: { 201: CreatedApiKeySchema, ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        reply.header('Cache-Control', 'no-store');
        return reply
          .status(201)
          .send(await createApiKey(context.db, callerOf(request), request.body.name));
      },
    });

    app.delete('/api-keys/:apiKeyId', {
      schema: {
        tags,
        summary: 'Revoke an API key',
        params: z.object({ apiKeyId: z.uuid() }),
        response: { 200: ApiKeySchema, ...commonErrorResponses },
      },
      handler: (request) => revokeApiKey(context, callerOf(request), request.params.apiKeyId),
    });

    app.get('/audit-events', {
      schema: {
        tags,
        summary: 'What your organization did, newest first',
        querystring: PageQuerySchema,
        response: {
          200: AuditEventPageSchema,
          ...commonErrorResponses,
        },
      },
      handler: (request) => listAuditEvents(context, callerOf(request), request.query),
    });
  };
}
