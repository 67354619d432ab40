import { rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBenchChild } from '../lib/child-runner.ts';
import { measureRound, median, type MeasuredRound } from '../lib/rounds.ts';
import type { BenchScenario, ScenarioContext } from '../lib/types.ts';
import type { ImportRequest, ImportResponse } from './csv-import-child.ts';
import {
  formatMegabytes,
  rowRate,
  type CsvFile,
  type ImportRound,
  type ImportSetup,
  type LargeFilePlan,
  type SetupRounds,
} from './csv-import-model.ts';
import { buildCsvImportReport } from './csv-import-report.ts';
import { writeCsvFixture } from './csv-fixture.ts';

const childScript = fileURLToPath(new URL('./csv-import-child.ts', import.meta.url));
const gigabyte = 1_000_000_000;
/** The large file drops to 300 MB when the 1 GB import would take longer than this, in seconds. */
const maxLargeImportSeconds = 240;

/**
 * The gated setup gives the import the whole machine, as an import job in
 * the product has it (DuckDB's default is one thread per core). The
 * one-core setup shows what an import gets beside a busy server.
 */
const wholeMachineSetup: ImportSetup = {
  label: '2 threads on CPUs 0-1',
  cpus: (layout) => layout.all,
  threads: 2,
  gated: true,
};
const oneCoreSetup: ImportSetup = {
  label: '1 thread on CPU 0',
  cpus: (layout) => layout.server,
  threads: 1,
  gated: false,
};
const importSetups: readonly ImportSetup[] = [wholeMachineSetup, oneCoreSetup];

/** Imports generated CSV uploads with `createDuckDbEngine().importCsv` in fresh pinned children. */
export const csvImportScenario: BenchScenario = {
  name: 'csv-import',
  description:
    'Throughput and peak RSS of `importCsv` (sniffing, email normalisation and SHA-256, Parquet output) on a generated CRM upload with columns email (raw, mixed case), first_seen, segment and score. A second, much larger file shows whether peak RSS grows with file size.',
  async run(context) {
    const small = await createCsvFile(context, 'small', context.smoke ? 20_000 : 2_000_000);
    const smallRounds = await importInAlternatingSetups(context, small, context.smoke ? 1 : 3);
    await rm(small.path, { force: true });

    const gatedSetup = wholeMachineSetup;
    const gatedRounds = smallRounds.find((entry) => entry.setup === gatedSetup)?.rounds ?? [];
    const rowsPerSecond = median(gatedRounds.map((round) => rowRate(round.value)));
    const largePlan = await planLargeFile(context, small, rowsPerSecond);
    const large = await createCsvFile(context, 'large', largePlan.rowCount);
    context.progress(
      `import of ${large.label} (${formatMegabytes(large.sizeBytes)}), ${gatedSetup.label}`,
    );
    const largeRound = await measureRound(
      () => importOnce(context, large, gatedSetup),
      reportRetry(context),
    );
    await rm(large.path, { force: true });

    return buildCsvImportReport(context, { small, smallRounds, large, largeRound, largePlan });
  },
};

/** Imports the file `roundCount` times per setup, switching setup every import. */
async function importInAlternatingSetups(
  context: ScenarioContext,
  file: CsvFile,
  roundCount: number,
): Promise<SetupRounds[]> {
  const results = importSetups.map((setup) => ({
    setup,
    rounds: [] as MeasuredRound<ImportRound>[],
  }));
  for (let round = 1; round <= roundCount; round += 1) {
    for (const entry of results) {
      context.progress(
        `import of ${file.label}, ${entry.setup.label}, round ${round} of ${roundCount}`,
      );
      entry.rounds.push(
        await measureRound(() => importOnce(context, file, entry.setup), reportRetry(context)),
      );
    }
  }
  return results;
}

async function createCsvFile(
  context: ScenarioContext,
  name: string,
  rowCount: number,
): Promise<CsvFile> {
  const path = join(context.workDirectory, `${name}.csv`);
  context.progress(`writing ${rowCount.toLocaleString('en-US')} CSV rows`);
  const sizeBytes = await writeCsvFixture(path, rowCount);
  return { label: `${rowCount.toLocaleString('en-US')}-row file`, path, rowCount, sizeBytes };
}

async function importOnce(
  context: ScenarioContext,
  file: CsvFile,
  setup: ImportSetup,
): Promise<ImportRound> {
  const targetPath = `${file.path}.parquet`;
  const request: ImportRequest = {
    sourcePath: file.path,
    targetPath,
    tempDirectory: join(context.workDirectory, 'engine-temp'),
    threads: setup.threads,
  };
  try {
    const { result, peakMemory, cpusAllowed } = await withBenchChild(
      {
        script: childScript,
        cpus: setup.cpus(context.cpuLayout),
        pinning: context.pinning,
        requestTimeoutMs: 900_000,
      },
      (child) => child.request<ImportResponse>(request),
    );
    checkImport(file, result);
    return { response: result, ...peakMemory, cpusAllowed };
  } finally {
    await rm(targetPath, { force: true });
  }
}

/** Fails the scenario when the import dropped or rejected rows: a fast wrong import measures nothing. */
function checkImport(file: CsvFile, response: ImportResponse): void {
  if (response.rowCount !== file.rowCount || response.invalidRowCount !== 0) {
    throw new Error(
      `importCsv of the ${file.label} imported ${response.rowCount} rows with ${response.invalidRowCount} invalid; expected ${file.rowCount} valid rows`,
    );
  }
}

/** Sizes the large file at about 1 GB, or 300 MB when disk space or the time budget is short. */
async function planLargeFile(
  context: ScenarioContext,
  small: CsvFile,
  rowsPerSecond: number,
): Promise<LargeFilePlan> {
  if (context.smoke) {
    return { rowCount: small.rowCount * 5, reason: 'smoke run: 5 times the small file' };
  }

  const bytesPerRow = small.sizeBytes / small.rowCount;
  const gigabyteRows = Math.round(gigabyte / bytesPerRow);
  const disk = await statfs(context.workDirectory);
  const freeBytes = disk.bavail * disk.bsize;
  const estimatedSeconds = gigabyteRows / rowsPerSecond;
  // The CSV, the Parquet output (about 1.3x the CSV here) and DuckDB's spill files must fit at once.
  if (freeBytes < 5 * gigabyte) {
    return planReducedFile(bytesPerRow, `only ${formatMegabytes(freeBytes)} is free on disk`);
  }
  if (estimatedSeconds > maxLargeImportSeconds) {
    return planReducedFile(
      bytesPerRow,
      `a 1 GB import would take about ${estimatedSeconds.toFixed(0)} s`,
    );
  }
  return {
    rowCount: gigabyteRows,
    reason: `about 1 GB (estimated import time ${estimatedSeconds.toFixed(0)} s, ${formatMegabytes(freeBytes)} free on disk)`,
  };
}

function planReducedFile(bytesPerRow: number, reason: string): LargeFilePlan {
  return {
    rowCount: Math.round((0.3 * gigabyte) / bytesPerRow),
    reason: `about 300 MB because ${reason}`,
  };
}

function reportRetry(context: ScenarioContext) {
  return (foreignCpuShare: number, attempt: number) =>
    context.progress(
      `attempt ${attempt} saw ${(foreignCpuShare * 100).toFixed(1)}% foreign CPU; repeating it`,
    );
}
