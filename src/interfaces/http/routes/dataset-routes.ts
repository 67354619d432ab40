import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import {
  DatasetImportResponseSchema,
  DatasetSchema,
  ImportDatasetFieldsSchema,
} from '../../../domain/datasets/dataset-view.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import { PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { getDataset } from '../../../services/datasets/get-dataset.ts';
import { importDataset } from '../../../services/datasets/import-dataset.ts';
import { listDatasets } from '../../../services/datasets/list-datasets.ts';
import type { ServiceContext } from '../../../services/service-context.ts';
import { callerOf } from '../authenticate.ts';
import { commonErrorResponses, ErrorEnvelopeSchema } from '../error-envelope.ts';

const tags = ['Datasets'];

/** Datasets of the caller's organization and their streamed import. */
export function datasetRoutes(context: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get('/datasets', {
      schema: {
        tags,
        summary: "List your organization's datasets",
        querystring: PageQuerySchema,
        response: { 200: pageSchema(DatasetSchema), ...commonErrorResponses },
      },
      handler: (request) => listDatasets(context, callerOf(request), request.query),
    });

    app.get('/datasets/:datasetId', {
      schema: {
        tags,
        summary: 'Get one of your datasets',
        params: z.object({ datasetId: z.uuid() }),
        response: { 200: DatasetSchema, ...commonErrorResponses },
      },
      handler: (request) => getDataset(context, callerOf(request), request.params.datasetId),
    });

    app.post('/datasets', {
      schema: {
        tags,
        summary:
          'Import a CSV or Parquet file as a dataset (multipart/form-data, fields before the file)',
        description:
          'Form fields: name, description, dataType (CRM, AUDIENCE, EXPOSURES, CONVERSIONS, GENERIC), delimiter, identifierColumns ("email:EMAIL,phone:PHONE"), piiColumns, maxInvalidRows; then the file part. Emails and phone numbers are normalised and SHA-256 hashed during import.',
        consumes: ['multipart/form-data'],
        response: {
          201: DatasetImportResponseSchema,
          413: ErrorEnvelopeSchema,
          ...commonErrorResponses,
        },
      },
      handler: async (request, reply) => {
        const caller = callerOf(request);
        const { fields, file } = await readFieldsThenFile(request);
        try {
          const imported = await importDataset(context, caller, {
            fields,
            fileName: file.filename,
            content: file.file,
          });
          return reply.status(201).send(imported);
        } finally {
          // Drains what the import did not read, so the response can be sent.
          file.file.resume();
        }
      },
    });
  };
}

/** Reads the form fields, which must come before the file, and returns at the file part. */
async function readFieldsThenFile(request: FastifyRequest) {
  const raw: Record<string, string> = {};
  for await (const part of request.parts()) {
    if (part.type === 'file') return { fields: parseFields(raw), file: part as MultipartFile };
    raw[part.fieldname] = String(part.value);
  }
  throw new AppError(
    'VALIDATION_FAILED',
    'The request has no file part; send the CSV or Parquet file as the last form field, named "file".',
    {
      details: { field: 'file' },
    },
  );
}

function parseFields(raw: Record<string, string>) {
  const parsed = ImportDatasetFieldsSchema.safeParse(raw);
  if (parsed.success) return parsed.data;

  const issues = parsed.error.issues.map((issue) => ({
    field: issue.path.join('.') || '(form)',
    message: issue.message,
  }));
  throw new AppError(
    'VALIDATION_FAILED',
    `Invalid import fields: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}.`,
    {
      details: { issues },
    },
  );
}
