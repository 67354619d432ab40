import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import {
  CreateRunRequestSchema,
  ListRunsQuerySchema,
  QuestionRunResultSchema,
  QuestionRunSchema,
} from '../../../domain/runs/question-run.ts';
import { RunPreviewSchema } from '../../../domain/runs/run-preview.ts';
import { cancelRun } from '../../../services/runs/cancel-run.ts';
import { createRun } from '../../../services/runs/create-run.ts';
import { getRun } from '../../../services/runs/get-run.ts';
import { getRunResults } from '../../../services/runs/get-run-results.ts';
import { listRuns } from '../../../services/runs/list-runs.ts';
import { previewRun } from '../../../services/runs/preview-run.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const RunParams = z.object({ runId: z.string().min(1).max(100) });
const CleanRoomParams = z.object({ cleanRoomId: z.string().min(1).max(100) });
const tags = ['Question runs'];

/** Submitting, following, cancelling runs and reading their results. */
export function runRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post('/cleanrooms/:cleanRoomId/runs', {
      schema: {
        tags,
        summary: 'Start a question run; returns at once with the QUEUED run',
        description:
          'An Idempotency-Key header (or idempotencyKey field) makes retries safe: the same key returns the run created first, with status 200 instead of 202.',
        params: CleanRoomParams,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(200).optional() }),
        body: CreateRunRequestSchema,
        response: { 200: QuestionRunSchema, 202: QuestionRunSchema, ...commonErrorResponses },
      },
      handler: async (request, reply) => {
        const idempotencyKey = request.body.idempotencyKey ?? request.headers['idempotency-key'];
        const outcome = await createRun(context, callerOf(request), request.params.cleanRoomId, {
          ...request.body,
          idempotencyKey,
        });
        return reply.status(outcome.created ? 202 : 200).send(outcome.run);
      },
    });

    app.post('/cleanrooms/:cleanRoomId/runs/preview', {
      schema: {
        tags,
        summary: 'Check a run request and estimate its suppressed rows without starting a run',
        description:
          'Takes the body of a run submission and checks it the same way, with the same errors (PARAMETER_INVALID and others). Nothing is run or stored except an audit event; name and idempotencyKey are accepted and ignored. The estimate lists the segments whose rows may pass and those the crowd size will suppress, without identity counts.',
        params: CleanRoomParams,
        body: CreateRunRequestSchema,
        response: { 200: RunPreviewSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        previewRun(context, callerOf(request), request.params.cleanRoomId, request.body),
    });

    app.get('/runs', {
      schema: {
        tags,
        summary: 'List runs of your clean rooms, newest first',
        querystring: PageQuerySchema.extend(ListRunsQuerySchema.shape),
        response: { 200: pageSchema(QuestionRunSchema), ...commonErrorResponses },
      },
      handler: (request) => listRuns(context, callerOf(request), request.query),
    });

    app.get('/runs/:runId', {
      schema: {
        tags,
        summary: 'Get a run',
        params: RunParams,
        response: { 200: QuestionRunSchema, ...commonErrorResponses },
      },
      handler: (request) => getRun(context, callerOf(request), request.params.runId),
    });

    app.post('/runs/:runId/cancel', {
      schema: {
        tags,
        summary: 'Cancel a queued or running run',
        params: RunParams,
        response: { 200: QuestionRunSchema, ...commonErrorResponses },
      },
      handler: (request) => cancelRun(context, callerOf(request), request.params.runId),
    });

    app.get('/runs/:runId/results', {
      schema: {
        tags,
        summary: "Read one page of a completed run's result",
        params: RunParams,
        querystring: PageQuerySchema,
        response: { 200: QuestionRunResultSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        getRunResults(context, callerOf(request), request.params.runId, request.query),
    });
  };
}
