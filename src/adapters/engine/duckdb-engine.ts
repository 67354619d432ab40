import { mkdir } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from '../logging/logger.ts';
import { importCsv } from './csv-import.ts';
import type { CleanRoomEngine } from './engine.ts';
import { EngineOperations } from './engine-operations.ts';
import { importParquet } from './parquet-import.ts';
import { runQuestion } from './question-runner.ts';
import { estimateSuppression } from './suppression-estimate.ts';

export interface DuckDbEngineOptions {
  /** DuckDB worker threads; DuckDB's default is one per core. */
  threads?: number;
  /** DuckDB memory limit such as '2GB'; beyond it DuckDB spills to `tempDirectory`. */
  memoryLimit?: string;
  tempDirectory: string;
  log: Logger;
}

/** Applies when the caller sets no limit; DuckDB's own default, 80% of RAM, is too much for a process that also serves requests. */
const DEFAULT_MEMORY_LIMIT = '1GB';

/**
 * Creates the clean room engine on one in-memory DuckDB instance for the
 * process. Every operation gets its own connection, so imports and runs
 * may overlap.
 */
export async function createDuckDbEngine(options: DuckDbEngineOptions): Promise<CleanRoomEngine> {
  await mkdir(options.tempDirectory, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', instanceConfig(options));
  const log = options.log.child({ component: 'duckdb-engine' });
  const operations = new EngineOperations(instance, log);

  return {
    importCsv: (importOptions) =>
      operations.run('CSV import', importOptions.signal, (connection) =>
        importCsv(connection, importOptions, log),
      ),
    importParquet: (importOptions) =>
      operations.run('Parquet import', importOptions.signal, (connection) =>
        importParquet(connection, importOptions, log),
      ),
    runQuestion: (input) =>
      operations.run(`question ${input.template}`, input.signal, (connection) =>
        runQuestion(connection, input, log),
      ),
    estimateSuppression: (input) =>
      operations.run(`suppression estimate of ${input.template}`, input.signal, (connection) =>
        estimateSuppression(connection, input, log),
      ),
    close: () => operations.close(),
  };
}

function instanceConfig(options: DuckDbEngineOptions): Record<string, string> {
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    temp_directory: options.tempDirectory,
    // Parquet writes need not keep row order, which lets DuckDB stream them with less memory.
    preserve_insertion_order: 'false',
    // Parquet and the functions used are built in; the engine never downloads extensions.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (options.threads !== undefined) config.threads = String(options.threads);
  return config;
}
