import { z } from 'zod';
import { createDuckDbEngine } from '../../src/adapters/engine/duckdb-engine.ts';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import { serveBenchRequests } from '../lib/child-protocol.ts';

const ImportRequestSchema = z.object({
  sourcePath: z.string(),
  targetPath: z.string(),
  tempDirectory: z.string(),
  threads: z.number().int().positive(),
});
export type ImportRequest = z.infer<typeof ImportRequestSchema>;

export interface ImportResponse {
  /** Wall time of importCsv alone, without engine start-up. */
  durationMs: number;
  rowCount: number;
  invalidRowCount: number;
  sizeBytes: number;
}

const log = createLogger('warn', 2);

serveBenchRequests(async (payload): Promise<ImportResponse> => {
  const request = ImportRequestSchema.parse(payload);
  const engine = await createDuckDbEngine({
    threads: request.threads,
    tempDirectory: request.tempDirectory,
    log,
  });
  try {
    const started = performance.now();
    const result = await engine.importCsv({
      sourcePath: request.sourcePath,
      targetPath: request.targetPath,
      identifierColumns: { email: 'EMAIL' },
      maxInvalidRows: 0,
      maxReportedErrors: 10,
    });
    return {
      durationMs: performance.now() - started,
      rowCount: result.report.rowCount,
      invalidRowCount: result.report.invalidRowCount,
      sizeBytes: result.sizeBytes,
    };
  } finally {
    await engine.close();
  }
});
