import { randomUUID } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DatasetImportResponse } from '../../domain/datasets/dataset-view.ts';
import type { ImportDatasetFields } from '../../domain/datasets/dataset-view.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { ImportResult } from '../../adapters/engine/engine.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { toDatasetView } from './dataset-view.ts';
import { parseColumnList, parseDelimiter, parseIdentifierColumns } from './parse-import-fields.ts';
import { saveUpload } from './save-upload.ts';

export interface DatasetUpload {
  fields: ImportDatasetFields;
  /** Name of the file as the client sent it; its extension hints at the format. */
  fileName: string;
  /** The upload saved by `receiveUpload`; this function deletes it when done. */
  uploadPath: string;
}

/**
 * Streams an uploaded file to the dataset store's upload area, never holding
 * it in memory, so form fields sent after the file can still be read.
 * Returns the path; nothing is left behind when saving fails.
 */
export async function receiveUpload(
  context: ServiceContext,
  content: Readable,
  fileName: string,
): Promise<string> {
  const uploadPath = await context.datasetStore.uploadPath(
    path.extname(fileName).toLowerCase() || '.upload',
  );
  try {
    await saveUpload(content, uploadPath, context.settings.uploadMaxBytes);
    return uploadPath;
  } catch (error) {
    await context.datasetStore.remove(uploadPath);
    throw error;
  }
}

/**
 * Imports a CSV or Parquet file as a dataset of the caller's organization.
 * Identifiers are normalised and hashed by the engine; the import commits
 * whole (Parquet file and description) or leaves nothing behind.
 */
export async function importDataset(
  context: ServiceContext,
  caller: Caller,
  upload: DatasetUpload,
): Promise<DatasetImportResponse> {
  const repos = repositories(context.db);
  const { uploadPath } = upload;
  const datasetId = randomUUID();
  const targetPath = context.datasetStore.datasetPath(caller.organizationId, datasetId);
  try {
    await requireUnusedName(repos, caller, upload.fields.name);
    await context.datasetStore.prepareDatasetPath(caller.organizationId, datasetId);
    const imported = await runImport(context, upload, uploadPath, targetPath);
    const inserted = await repos.datasets.insert({
      id: datasetId,
      organizationId: caller.organizationId,
      name: upload.fields.name,
      description: upload.fields.description,
      dataType: upload.fields.dataType,
      columns: imported.columns,
      rowCount: imported.report.rowCount,
      sizeBytes: imported.sizeBytes,
      storageLocation: targetPath,
      importReport: imported.report,
      createdBy: caller.userId,
    });
    if (!inserted) throw nameTaken(upload.fields.name);

    await repos.audit.record(caller, {
      action: 'dataset.import',
      objectType: 'dataset',
      objectId: datasetId,
      details: {
        name: upload.fields.name,
        rowCount: imported.report.rowCount,
        invalidRowCount: imported.report.invalidRowCount,
      },
    });
    await context.cache.invalidateTags([cacheTags.organizationDatasets(caller.organizationId)]);
    const row = await repos.datasets.findOwned(caller.organizationId, datasetId);
    return { dataset: toDatasetView(row!), report: imported.report };
  } catch (error) {
    await context.datasetStore.remove(targetPath);
    throw error;
  } finally {
    await context.datasetStore.remove(uploadPath);
  }
}

async function runImport(
  context: ServiceContext,
  upload: DatasetUpload,
  sourcePath: string,
  targetPath: string,
): Promise<ImportResult> {
  const common = {
    sourcePath,
    targetPath,
    identifierColumns: parseIdentifierColumns(upload.fields.identifierColumns),
    piiColumns: parseColumnList(upload.fields.piiColumns),
    maxInvalidRows: upload.fields.maxInvalidRows ?? context.settings.importMaxInvalidRows,
    maxReportedErrors: 100,
  };
  if (await isParquet(sourcePath, upload.fileName)) return context.engine.importParquet(common);

  return context.engine.importCsv({
    ...common,
    delimiter: parseDelimiter(upload.fields.delimiter),
  });
}

/** Parquet files start with the magic bytes PAR1; the extension alone is not trusted. */
async function isParquet(filePath: string, fileName: string): Promise<boolean> {
  const handle = await open(filePath, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    const magic = bytesRead === 4 && buffer.toString('latin1') === 'PAR1';
    return magic || fileName.toLowerCase().endsWith('.parquet');
  } finally {
    await handle.close();
  }
}

async function requireUnusedName(
  repos: ReturnType<typeof repositories>,
  caller: Caller,
  name: string,
) {
  if (await repos.datasets.findByName(caller.organizationId, name)) throw nameTaken(name);
}

function nameTaken(name: string): AppError {
  return new AppError(
    'CONFLICT',
    `Your organization already has a dataset named "${name}"; choose another name.`,
    {
      details: { field: 'name', received: name },
    },
  );
}
