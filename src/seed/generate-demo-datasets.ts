import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../domain/errors/app-error.ts';
import { demoDatasetSpecs, type DemoDataset, type DemoDatasetSpec } from './demo-dataset-specs.ts';
import { planDemoLayout, type DemoLayout } from './demo-layout.ts';
import { quoteSqlString, seedMacrosSql } from './seed-sql.ts';

export type { DemoDataset, DemoDatasetKey, DemoDatasetOwner } from './demo-dataset-specs.ts';

export interface GenerateDemoDatasetsOptions {
  /** Directory for the Parquet files, created if missing. Existing demo files are replaced. */
  directory: string;
  /** Factor for every row count: 1 gives 1M customers, 2M subscribers and 10M exposures. */
  scale: number;
  /** Last day of the 30-day exposure and conversion window, YYYY-MM-DD. */
  endDate: string;
  /** DuckDB worker threads. Undefined lets DuckDB use every core. */
  threads?: number;
  /** Called before each dataset with its key and at the end with 'done'. Percent (0-100) counts rows. */
  onProgress?: (step: string, percent: number) => void;
}

/**
 * Writes deterministic demo datasets for an advertiser, a publisher and a
 * retailer as ZSTD Parquet files. With the same DuckDB version, the same
 * options give the same rows at any thread count (with @duckdb/node-api 1.5.6
 * even byte-identical files at 1 and 2 threads). Each file is written under a
 * temporary name and renamed when complete, so a failed run never leaves a
 * partial file at the final path.
 */
export async function generateDemoDatasets(
  options: GenerateDemoDatasetsOptions,
): Promise<DemoDataset[]> {
  validateOptions(options);
  const directory = resolve(options.directory);
  const layout = planDemoLayout(options.scale, options.endDate);
  await mkdir(directory, { recursive: true });

  const instance = await DuckDBInstance.create(':memory:', duckDbConfig(options, directory));
  try {
    const connection = await instance.connect();
    for (const macroSql of seedMacrosSql) await connection.run(macroSql);
    return await writeAllDatasets(connection, layout, directory, options.onProgress);
  } finally {
    instance.closeSync();
  }
}

function duckDbConfig(
  options: GenerateDemoDatasetsOptions,
  directory: string,
): Record<string, string> {
  const config: Record<string, string> = { temp_directory: join(directory, '.duckdb-spill') };
  if (options.threads !== undefined) config.threads = String(options.threads);
  return config;
}

async function writeAllDatasets(
  connection: DuckDBConnection,
  layout: DemoLayout,
  directory: string,
  onProgress: GenerateDemoDatasetsOptions['onProgress'],
): Promise<DemoDataset[]> {
  const totalRows = demoDatasetSpecs.reduce((sum, spec) => sum + spec.rowCount(layout), 0);
  const datasets: DemoDataset[] = [];
  let rowsWritten = 0;

  for (const spec of demoDatasetSpecs) {
    onProgress?.(spec.key, Math.floor((100 * rowsWritten) / totalRows));
    datasets.push(await writeDataset(connection, spec, layout, directory));
    rowsWritten += spec.rowCount(layout);
  }

  onProgress?.('done', 100);
  return datasets;
}

async function writeDataset(
  connection: DuckDBConnection,
  spec: DemoDatasetSpec,
  layout: DemoLayout,
  directory: string,
): Promise<DemoDataset> {
  const location = join(directory, `${spec.key}.parquet`);
  const temporaryPath = `${location}.${randomBytes(6).toString('hex')}.tmp`;
  const expectedRows = spec.rowCount(layout);

  try {
    const rowCount = await copyToParquet(connection, spec.selectSql(layout), temporaryPath);
    if (rowCount !== expectedRows) {
      throw new AppError(
        'INTERNAL',
        `Demo dataset ${spec.key} has ${rowCount} rows, expected ${expectedRows}; the generator's SQL is wrong`,
      );
    }
    await rename(temporaryPath, location);
  } catch (error) {
    await rm(temporaryPath, { force: true });
    throw error;
  }

  const { size } = await stat(location);
  return {
    key: spec.key,
    owner: spec.owner,
    dataType: spec.dataType,
    name: spec.name,
    description: spec.description,
    location,
    columns: spec.columns,
    rowCount: expectedRows,
    sizeBytes: size,
  };
}

/** Runs COPY ... TO Parquet and returns the number of rows written. */
async function copyToParquet(
  connection: DuckDBConnection,
  selectSql: string,
  path: string,
): Promise<number> {
  const reader = await connection.runAndReadAll(
    `COPY (${selectSql}) TO ${quoteSqlString(path)} (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)`,
  );
  return Number(reader.getRows()[0]?.[0] ?? -1);
}

function validateOptions(options: GenerateDemoDatasetsOptions): void {
  if (options.directory.trim() === '') {
    throw invalidOption('directory', options.directory, 'a directory path');
  }
  if (!Number.isFinite(options.scale) || options.scale <= 0) {
    throw invalidOption('scale', options.scale, 'a positive number such as 1 or 0.01');
  }
  if (!isIsoDate(options.endDate)) {
    throw invalidOption('endDate', options.endDate, 'a calendar date as YYYY-MM-DD');
  }
  if (
    options.threads !== undefined &&
    !(Number.isInteger(options.threads) && options.threads > 0)
  ) {
    throw invalidOption('threads', options.threads, 'a positive integer');
  }
}

function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function invalidOption(name: string, value: unknown, expected: string): AppError {
  return new AppError(
    'VALIDATION_FAILED',
    `Invalid demo data option ${name}=${JSON.stringify(value)}: expected ${expected}`,
    { details: { option: name, value } },
  );
}
