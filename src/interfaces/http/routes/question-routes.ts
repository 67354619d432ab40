import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { pageInMemory, PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { QuestionSchema } from '../../../domain/questions/question-view.ts';
import { getQuestion } from '../../../services/questions/get-question.ts';
import { listQuestions } from '../../../services/questions/list-questions.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { commonErrorResponses } from '../error-envelope.ts';

const tags = ['Questions'];

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
        params: z.object({ questionId: z.string().min(1).max(100) }),
        response: { 200: QuestionSchema, ...commonErrorResponses },
      },
      handler: (request) => getQuestion(context, request.params.questionId),
    });
  };
}
