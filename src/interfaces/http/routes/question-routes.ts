import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pageInMemory, PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { CleanRoomQuestionSchema } from '../../../domain/questions/clean-room-question.ts';
import { QuestionSchema } from '../../../domain/questions/question-view.ts';
import { getCleanRoomQuestion } from '../../../services/questions/get-clean-room-question.ts';
import { getQuestion } from '../../../services/questions/get-question.ts';
import { listQuestions } from '../../../services/questions/list-questions.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const tags = ['Questions'];
const QuestionParams = z.object({ questionId: z.string().min(1).max(100) });

/** Registers the routes of the approved question catalog. */
export function questionRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/questions', {
      schema: {
        tags,
        summary: 'List approved questions',
        querystring: PageQuerySchema,
        response: { 200: pageSchema(QuestionSchema), ...commonErrorResponses },
      },
      handler: async (request) =>
        pageInMemory(await listQuestions(context), request.query, context.settings.pageSizeMax),
    });

    app.get('/questions/:questionId', {
      schema: {
        tags,
        summary: 'Get a question with its parameter definitions',
        params: QuestionParams,
        response: { 200: QuestionSchema, ...commonErrorResponses },
      },
      handler: (request) => getQuestion(context, request.params.questionId),
    });

    app.get('/cleanrooms/:cleanRoomId/questions/:questionId', {
      schema: {
        tags,
        summary: 'Get a question as a run in this clean room sees it',
        description:
          "COLUMN parameters list the attribute columns of the room's datasets that fit their macro, and datasetBindings lists the attached datasets each macro can take. A question not added to the room answers 404 QUESTION_NOT_FOUND.",
        params: QuestionParams.extend({ cleanRoomId: z.string().min(1).max(100) }),
        response: { 200: CleanRoomQuestionSchema, ...commonErrorResponses },
      },
      handler: (request) =>
        getCleanRoomQuestion(
          context,
          callerOf(request),
          request.params.cleanRoomId,
          request.params.questionId,
        ),
    });
  };
}
