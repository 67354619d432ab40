import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError, type AppError } from '../../src/domain/errors/app-error.ts';
import {
  createEngineSandbox,
  listFiles,
  readParquetRows,
  sha256Hex,
  writeParquet,
  type EngineSandbox,
} from './engine-test-support.ts';

let sandbox: EngineSandbox;

beforeEach(async () => {
  sandbox = await createEngineSandbox();
});

afterEach(async () => {
  await sandbox.cleanup();
});

function importSource(sourceName: string) {
  return sandbox.engine.importParquet({
    sourcePath: sandbox.file(sourceName),
    targetPath: sandbox.file('dataset.parquet'),
    maxInvalidRows: 10,
    maxReportedErrors: 10,
  });
}

describe('importParquet', () => {
  const rows = [
    {
      Email: ' Ann@Example.com',
      age_band: '18-24',
      visits: 3,
      seen_at: '2024-02-01 10:00:00',
      score: '1.5',
    },
    {
      Email: 'ben@example.com',
      age_band: '25-34',
      visits: 1,
      seen_at: '2024-02-02 11:00:00',
      score: '2',
    },
    {
      Email: 'no-at-sign',
      age_band: '25-34',
      visits: 2,
      seen_at: '2024-02-03 12:00:00',
      score: '3',
    },
    { Email: null, age_band: '35-44', visits: 5, seen_at: '2024-02-04 13:00:00', score: '4.25' },
  ];
  const types = {
    Email: 'VARCHAR',
    age_band: 'VARCHAR',
    visits: 'INTEGER',
    seen_at: 'TIMESTAMP',
    score: 'VARCHAR',
  };

  it('hashes emails and reports rejected rows by row number', async () => {
    await writeParquet(sandbox.file('source.parquet'), types, rows);

    const { report, columns } = await importSource('source.parquet');
    const stored = await readParquetRows(sandbox.file('dataset.parquet'));

    expect(report.format).toBe('PARQUET');
    expect(report.detected).toBeNull();
    expect(report.rowCount).toBe(2);
    expect(report.errors.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
      { line: 3, column: 'Email', code: 'INVALID_EMAIL' },
      { line: 4, column: 'Email', code: 'MISSING_IDENTIFIER' },
    ]);
    expect(columns[0]).toMatchObject({ name: 'email_sha256', identifierType: 'EMAIL_SHA256' });
    expect(stored.map((row) => row.email_sha256).sort()).toEqual(
      [sha256Hex('ann@example.com'), sha256Hex('ben@example.com')].sort(),
    );
  });

  it('keeps Parquet types and types text columns', async () => {
    await writeParquet(sandbox.file('source.parquet'), types, rows);

    const { columns } = await importSource('source.parquet');

    expect(columns.map(({ name, dataType }) => ({ name, dataType }))).toEqual([
      { name: 'email_sha256', dataType: 'STRING' },
      { name: 'age_band', dataType: 'STRING' },
      { name: 'visits', dataType: 'INTEGER' },
      { name: 'seen_at', dataType: 'TIMESTAMP' },
      { name: 'score', dataType: 'DOUBLE' },
    ]);
  });

  it('rejects a file that is not Parquet', async () => {
    await writeFile(sandbox.file('source.parquet'), 'email\nx@example.com\n');

    const error = await importSource('source.parquet').catch((caught: unknown) => caught);

    expect(isAppError(error)).toBe(true);
    expect((error as AppError).code).toBe('IMPORT_PARQUET_INVALID');
    expect(existsSync(sandbox.file('dataset.parquet'))).toBe(false);
  });

  it('rejects a truncated Parquet file', async () => {
    await writeParquet(sandbox.file('whole.parquet'), types, rows);
    const whole = await readFile(sandbox.file('whole.parquet'));
    await writeFile(
      sandbox.file('source.parquet'),
      Buffer.concat([whole.subarray(0, 40), whole.subarray(whole.length - 20)]),
    );

    const error = await importSource('source.parquet').catch((caught: unknown) => caught);

    expect((error as AppError).code).toBe('IMPORT_PARQUET_INVALID');
    expect(await listFiles(sandbox.directory)).toEqual(['source.parquet', 'whole.parquet']);
  });

  it('rejects a Parquet file without identifier column', async () => {
    await writeParquet(sandbox.file('source.parquet'), { segment: 'VARCHAR' }, [{ segment: 'a' }]);

    const error = await importSource('source.parquet').catch((caught: unknown) => caught);

    expect((error as AppError).code).toBe('IMPORT_MISSING_COLUMN');
    expect(existsSync(sandbox.file('dataset.parquet'))).toBe(false);
  });
});
