import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import multipart, { type MultipartFile } from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import {
  DatasetImportResponseSchema,
  DatasetSchema,
  ImportDatasetFieldsSchema,
} from '../../../domain/datasets/dataset-view.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import { PageQuerySchema, pageSchema } from '../../../domain/pagination/page.ts';
import { getDataset } from '../../../services/datasets/get-dataset.ts';
import { importDataset, receiveUpload } from '../../../services/datasets/import-dataset.ts';
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

    await app.register(async (upload) => {
      // Only this route parses multipart: the plugin's hooks cost every request of its scope a listener and two promises.
      await upload.register(multipart, {
        limits: {
          fileSize: context.settings.uploadMaxBytes + 1,
          files: 1,
          fields: 20,
          fieldSize: 10_000,
        },
      });
      upload.post('/datasets', {
        schema: {
          tags,
          summary:
            'Import a CSV or Parquet file as a dataset (multipart/form-data, fields before the file)',
          description:
            'Form fields, in any order with the file part: name, description, dataType (CRM, AUDIENCE, EXPOSURES, CONVERSIONS, GENERIC), delimiter, identifierColumns ("email:EMAIL,phone:PHONE"; "notes:NONE" stores a column untouched), piiColumns, maxInvalidRows. Emails and phone numbers are normalised and SHA-256 hashed during import, also in columns recognised by their content; report.columnFindings lists those columns.',
          consumes: ['multipart/form-data'],
          response: {
            201: DatasetImportResponseSchema,
            413: ErrorEnvelopeSchema,
            ...commonErrorResponses,
          },
        },
        handler: async (request, reply) => {
          const caller = callerOf(request);
          const { fields, fileName, uploadPath } = await readUpload(context, request);
          const imported = await importDataset(context, caller, { fields, fileName, uploadPath });
          return reply.status(201).send(imported);
        },
      });
    });
  };
}

/**
 * Reads the multipart form in any order: the file is saved to disk as it
 * arrives, then the fields are validated. On any failure the saved file is
 * removed.
 */
async function readUpload(context: ServiceContext, request: FastifyRequest) {
  const raw: Record<string, string> = {};
  let upload: { fileName: string; uploadPath: string } | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') upload = await receiveFile(context, part as MultipartFile, upload);
      else raw[part.fieldname] = String(part.value);
    }
    if (!upload) {
      throw new AppError(
        'VALIDATION_FAILED',
        'The request has no file part; send the CSV or Parquet file as a form field named "file".',
        {
          details: { field: 'file' },
        },
      );
    }
    return { fields: parseFields(raw), ...upload };
  } catch (error) {
    if (upload) await context.datasetStore.remove(upload.uploadPath);
    throw error;
  }
}

async function receiveFile(
  context: ServiceContext,
  part: MultipartFile,
  previous: { uploadPath: string } | undefined,
) {
  if (previous) {
    part.file.resume();
    throw new AppError(
      'VALIDATION_FAILED',
      'The request has more than one file; send one file per import.',
      {
        details: { field: 'file' },
      },
    );
  }
  return {
    fileName: part.filename,
    uploadPath: await receiveUpload(context, part.file, part.filename),
  };
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
