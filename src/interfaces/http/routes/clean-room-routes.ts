import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  AddPartnerRequestSchema,
  CleanRoomSchema,
  CreateCleanRoomRequestSchema,
  ListCleanRoomsQuerySchema,
  PartnerSchema,
  UpdateCleanRoomRequestSchema,
} from '../../../domain/clean-rooms/clean-room.ts';
import { AuditEventPageSchema } from '../../../domain/audit/audit-event.ts';
import { DatasetSchema } from '../../../domain/datasets/dataset-view.ts';
import { pageInMemory, PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { QuestionSchema } from '../../../domain/questions/question-view.ts';
import { listCleanRoomAuditEvents } from '../../../services/audit/list-audit-events.ts';
import { createCleanRoom } from '../../../services/clean-rooms/create-clean-room.ts';
import { getCleanRoom } from '../../../services/clean-rooms/get-clean-room.ts';
import { listCleanRooms } from '../../../services/clean-rooms/list-clean-rooms.ts';
import { updateCleanRoom } from '../../../services/clean-rooms/update-clean-room.ts';
import { attachDataset } from '../../../services/datasets/attach-dataset.ts';
import { detachDataset } from '../../../services/datasets/detach-dataset.ts';
import { listCleanRoomDatasets } from '../../../services/datasets/list-clean-room-datasets.ts';
import { addPartner } from '../../../services/partners/add-partner.ts';
import { listPartners } from '../../../services/partners/list-partners.ts';
import { removePartner } from '../../../services/partners/remove-partner.ts';
import { listCleanRoomQuestions } from '../../../services/questions/list-questions.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';
import { createMemoizedJsonSender } from '../plugins/memoized-json-sender.ts';

const RoomParams = z.object({ cleanRoomId: z.string().min(1).max(100) });
const tags = ['Clean rooms'];
const CleanRoomPageSchema = pageSchema(CleanRoomSchema);

/** Clean rooms, their partners, attached datasets and questions. */
export function cleanRoomRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    // The list and the detail return cached values, so their bodies and ETags are memoized per value.
    const sendPage = createMemoizedJsonSender(CleanRoomPageSchema, {
      method: 'GET',
      url: '/api/v1/cleanrooms',
    });
    const sendRoom = createMemoizedJsonSender(CleanRoomSchema, {
      method: 'GET',
      url: '/api/v1/cleanrooms/:cleanRoomId',
    });

    app.get('/cleanrooms', {
      schema: {
        tags,
        summary: 'List the clean rooms your organization is a partner of',
        querystring: PageQuerySchema.extend(ListCleanRoomsQuerySchema.shape),
        response: { 200: CleanRoomPageSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) =>
        sendPage(reply, await listCleanRooms(context, callerOf(request), request.query)),
    });

    app.post('/cleanrooms', {
      schema: {
        tags,
        summary: 'Create a clean room owned by your organization',
        body: CreateCleanRoomRequestSchema,
        response: { 201: CleanRoomSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) =>
        reply.status(201).send(await createCleanRoom(context, callerOf(request), request.body)),
    });

    app.get('/cleanrooms/:cleanRoomId', {
      schema: {
        tags,
        summary: 'Get a clean room by id or display id',
        params: RoomParams,
        response: { 200: CleanRoomSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) =>
        sendRoom(reply, await getCleanRoom(context, callerOf(request), request.params.cleanRoomId)),
    });

    app.patch('/cleanrooms/:cleanRoomId', {
      schema: {
        tags,
        summary: 'Update a clean room (owners)',
        params: RoomParams,
        body: UpdateCleanRoomRequestSchema,
        response: { 200: CleanRoomSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        updateCleanRoom(context, callerOf(request), request.params.cleanRoomId, request.body),
    });

    app.get('/cleanrooms/:cleanRoomId/partners', {
      schema: {
        tags,
        summary: 'List the partners of a clean room',
        params: RoomParams,
        querystring: PageQuerySchema,
        response: { 200: pageSchema(PartnerSchema), ...commonErrorResponses },
      },
      handler: async (request) =>
        pageInMemory(
          await listPartners(context, callerOf(request), request.params.cleanRoomId),
          request.query,
          context.settings.pageSizeMax,
        ),
    });

    app.post('/cleanrooms/:cleanRoomId/partners', {
      schema: {
        tags,
        summary: 'Add a partner organization (owners)',
        params: RoomParams,
        body: AddPartnerRequestSchema,
        response: { 201: PartnerSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) =>
        reply
          .status(201)
          .send(
            await addPartner(context, callerOf(request), request.params.cleanRoomId, request.body),
          ),
    });

    app.delete('/cleanrooms/:cleanRoomId/partners/:partnerId', {
      schema: {
        tags,
        summary: 'Remove a partner and detach its datasets (owners)',
        params: RoomParams.extend({ partnerId: z.string().min(1).max(100) }),
        response: { 204: z.null(), ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        await removePartner(
          context,
          callerOf(request),
          request.params.cleanRoomId,
          request.params.partnerId,
        );
        return reply.status(204).send(null);
      },
    });

    app.get('/cleanrooms/:cleanRoomId/datasets', {
      schema: {
        tags,
        summary: "List the datasets attached to a clean room, every partner's",
        params: RoomParams,
        querystring: PageQuerySchema,
        response: { 200: pageSchema(DatasetSchema), ...commonErrorResponses },
      },
      handler: async (request) =>
        pageInMemory(
          await listCleanRoomDatasets(context, callerOf(request), request.params.cleanRoomId),
          request.query,
          context.settings.pageSizeMax,
        ),
    });

    app.put('/cleanrooms/:cleanRoomId/datasets/:datasetId', {
      schema: {
        tags,
        summary: 'Attach one of your datasets to a clean room',
        params: RoomParams.extend({ datasetId: z.uuid() }),
        response: { 200: DatasetSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        attachDataset(
          context,
          callerOf(request),
          request.params.cleanRoomId,
          request.params.datasetId,
        ),
    });

    app.delete('/cleanrooms/:cleanRoomId/datasets/:datasetId', {
      schema: {
        tags,
        summary: 'Detach one of your datasets from a clean room',
        params: RoomParams.extend({ datasetId: z.uuid() }),
        response: { 204: z.null(), ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        await detachDataset(
          context,
          callerOf(request),
          request.params.cleanRoomId,
          request.params.datasetId,
        );
        return reply.status(204).send(null);
      },
    });

    app.get('/cleanrooms/:cleanRoomId/questions', {
      schema: {
        tags,
        summary: 'List the questions added to a clean room',
        params: RoomParams,
        querystring: PageQuerySchema,
        response: { 200: pageSchema(QuestionSchema), ...commonErrorResponses },
      },
      handler: async (request) =>
        pageInMemory(
          await listCleanRoomQuestions(context, callerOf(request), request.params.cleanRoomId),
          request.query,
          context.settings.pageSizeMax,
        ),
    });

    app.get('/cleanrooms/:cleanRoomId/audit-events', {
      schema: {
        tags,
        summary: 'What every partner did in a clean room, newest first',
        params: RoomParams,
        querystring: PageQuerySchema,
        response: { 200: AuditEventPageSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        listCleanRoomAuditEvents(
          context,
          callerOf(request),
          request.params.cleanRoomId,
          request.query,
        ),
    });
  };
}
