import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

/**
 * Location of dataset Parquet files and in-flight uploads: a local folder, or a
 * shared volume mounted at the same path on every process.
 */
export class DatasetStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.join(dataDir, 'datasets');
  }

  /** Path of a dataset's Parquet file; ids are UUIDs, so no path traversal is possible. */
  datasetPath(organizationId: string, datasetId: string): string {
    return path.join(this.root, organizationId, `${datasetId}.parquet`);
  }

  async prepareDatasetPath(organizationId: string, datasetId: string): Promise<string> {
    await mkdir(path.join(this.root, organizationId), { recursive: true });
    return this.datasetPath(organizationId, datasetId);
  }

  /** Returns a fresh path for an upload in progress. The caller deletes it when done. */
  async uploadPath(extension: string): Promise<string> {
    const directory = path.join(this.root, '.uploads');
    await mkdir(directory, { recursive: true });
    return path.join(directory, `${randomUUID()}${extension}`);
  }

  get tempDirectory(): string {
    return path.join(this.root, '.engine-tmp');
  }

  async remove(filePath: string): Promise<void> {
    await rm(filePath, { force: true });
  }
}
