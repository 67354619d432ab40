import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { deletePushSubscription } from '../../../services/push/delete-push-subscription.ts';
import { getPushPublicKey } from '../../../services/push/get-push-public-key.ts';
import {
  DeletePushSubscriptionRequestSchema,
  PushSubscriptionRequestSchema,
  PushSubscriptionViewSchema,
} from '../../../services/push/push-subscription-request.ts';
import { savePushSubscription } from '../../../services/push/save-push-subscription.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const tags = ['Web Push'];

/** Registers the VAPID public key and the caller's browser push subscriptions. */
export function pushRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/push/public-key', {
      schema: {
        tags,
        summary: 'VAPID public key for PushManager.subscribe (applicationServerKey)',
        response: { 200: z.object({ publicKey: z.string() }), ...commonErrorResponses },
      },
      handler: async () => getPushPublicKey(context),
    });

    app.post('/push/subscriptions', {
      schema: {
        tags,
        summary: "Store this browser's push subscription; runs you start notify it when they end",
        body: PushSubscriptionRequestSchema,
        response: { 201: PushSubscriptionViewSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) =>
        reply
          .status(201)
          .send(await savePushSubscription(context, callerOf(request), request.body)),
    });

    app.delete('/push/subscriptions', {
      schema: {
        tags,
        summary: 'Delete your push subscription of one endpoint',
        body: DeletePushSubscriptionRequestSchema,
        response: { 204: z.null(), ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        await deletePushSubscription(context, callerOf(request), request.body.endpoint);
        return reply.status(204).send(null);
      },
    });
  };
}
