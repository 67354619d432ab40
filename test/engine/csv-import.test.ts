import { writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportOptions } from '../../src/adapters/engine/engine.ts';
import { isAppError, type AppError } from '../../src/domain/errors/app-error.ts';
import {
  createEngineSandbox,
  listFiles,
  readParquetRows,
  sha256Hex,
  type EngineSandbox,
} from './engine-test-support.ts';

let sandbox: EngineSandbox;

beforeEach(async () => {
  sandbox = await createEngineSandbox();
});

afterEach(async () => {
  await sandbox.cleanup();
});

async function importText(content: string | Buffer, options: Partial<ImportOptions> = {}) {
  const sourcePath = sandbox.file('upload.csv');
  await writeFile(sourcePath, content);
  return sandbox.engine.importCsv({
    sourcePath,
    targetPath: sandbox.file('dataset.parquet'),
    maxInvalidRows: 100,
    maxReportedErrors: 100,
    ...options,
  });
}

async function expectRejected(promise: Promise<unknown>, code: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isAppError(error)).toBe(true);
  expect((error as AppError).code).toBe(code);
  expect(existsSync(sandbox.file('dataset.parquet'))).toBe(false);
  expect(await listFiles(sandbox.directory)).toEqual(['upload.csv']);
  return error as AppError;
}

/** Physical lines of the messy fixture. The comment on a line states what the importer must do with it. */
const MESSY_LINES = [
  'email,first_name,note,visits,joined,last_seen', // 1: header, after a BOM
  '  Alice@Example.COM ,Alice,"likes, commas",3,2024-01-02,2024-01-02T10:00:00Z', // 2
  '', // 3: blank line
  'bob@example.com,Bob,"multi', // 4: record spans lines 4-5
  'line",5,2024-01-03,2024-01-03 11:30:00', // 5
  'not-an-email,Carl,x,1,2024-01-04,2024-01-04T00:00:00Z', // 6: invalid email
  '"DAN@example.com",Dan,"say ""hi""",2,2024-01-05,2024-01-05T08:00:00+02:00', // 7
  'dan@,Eve,y,1,2024-01-05,2024-01-05T08:00:00Z', // 8: invalid email
  'frank@example.com,Frank,z', // 9: 3 fields instead of 6
  ',Gina,w,4,2024-01-06,2024-01-06T00:00:00Z', // 10: no identifier
  'helen@example.com,Helen,"quoted', // 11: record spans lines 11-13
  '', // 12: blank line inside quotes
  'three lines",7,2024-01-07,2024-01-07T00:00:00Z', // 13
  'bad email@example.com,Ivan,v,1,2024-01-08,2024-01-08T00:00:00Z', // 14: space inside the address
];

describe('importCsv', () => {
  describe('messy CSV', () => {
    const content = '\ufeff' + MESSY_LINES.join('\r\n') + '\r\n';

    it('reports rejected rows on their physical lines', async () => {
      const { report } = await importText(content);

      expect(report.invalidRowCount).toBe(5);
      expect(report.errorsTruncated).toBe(false);
      expect(report.errors.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
        { line: 6, column: 'email', code: 'INVALID_EMAIL' },
        { line: 8, column: 'email', code: 'INVALID_EMAIL' },
        { line: 9, column: null, code: 'MALFORMED_ROW' },
        { line: 10, column: 'email', code: 'MISSING_IDENTIFIER' },
        { line: 14, column: 'email', code: 'INVALID_EMAIL' },
      ]);
    });

    it('never puts rejected values in error messages', async () => {
      const { report } = await importText(content);

      for (const error of report.errors) {
        expect(error.message).not.toContain('not-an-email');
        expect(error.message).not.toContain('dan@');
      }
    });

    it('stores SHA-256 of the trimmed lower-case email', async () => {
      const { report, columns } = await importText(content);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));

      expect(report.rowCount).toBe(4);
      expect(columns[0]).toEqual({
        name: 'email_sha256',
        dataType: 'STRING',
        identifierType: 'EMAIL_SHA256',
        isPii: false,
      });
      const expected = [
        'alice@example.com',
        'bob@example.com',
        'dan@example.com',
        'helen@example.com',
      ].map(sha256Hex);
      expect(rows.map((row) => row.email_sha256).sort()).toEqual(expected.sort());
    });

    it('writes no raw email to Parquet', async () => {
      await importText(content);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));

      for (const row of rows) {
        expect(Object.keys(row)).not.toContain('email');
        for (const value of Object.values(row)) expect(String(value)).not.toContain('@');
      }
    });

    it('keeps quoted commas, quotes and line breaks', async () => {
      await importText(content);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const notes = new Map(rows.map((row) => [row.first_name, row.note]));

      expect(notes.get('Alice')).toBe('likes, commas');
      expect(notes.get('Bob')).toBe('multi\r\nline');
      expect(notes.get('Dan')).toBe('say "hi"');
      expect(notes.get('Helen')).toBe('quoted\r\n\r\nthree lines');
    });

    it('infers column types and flags personal columns', async () => {
      const { columns } = await importText(content);

      expect(columns.map(({ name, dataType, isPii }) => ({ name, dataType, isPii }))).toEqual([
        { name: 'email_sha256', dataType: 'STRING', isPii: false },
        { name: 'first_name', dataType: 'STRING', isPii: true },
        { name: 'note', dataType: 'STRING', isPii: false },
        { name: 'visits', dataType: 'INTEGER', isPii: false },
        { name: 'joined', dataType: 'DATE', isPii: false },
        { name: 'last_seen', dataType: 'TIMESTAMP', isPii: false },
      ]);
    });

    it('stores timestamps with an offset in UTC', async () => {
      await importText(content);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const dan = rows.find((row) => row.first_name === 'Dan');

      expect((dan?.last_seen as Date).toISOString()).toBe('2024-01-05T06:00:00.000Z');
      expect(dan?.visits).toBe(2);
    });

    it('detects BOM, CRLF, delimiter and header', async () => {
      const { report } = await importText(content);

      expect(report.detected).toEqual({
        delimiter: ',',
        quote: '"',
        hasHeader: true,
        lineEnding: 'CRLF',
        bom: true,
      });
      expect(report.format).toBe('CSV');
      expect(report.sourceBytes).toBe(Buffer.byteLength(content));
      expect(report.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('lists only maxReportedErrors errors', async () => {
      const { report } = await importText(content, { maxReportedErrors: 2 });

      expect(report.invalidRowCount).toBe(5);
      expect(report.errors.map((error) => error.line)).toEqual([6, 8]);
      expect(report.errorsTruncated).toBe(true);
    });
  });

  describe('dialects', () => {
    it('detects a semicolon delimiter', async () => {
      const { report, columns } = await importText(
        'email;age_band;region\na@example.com;18-24;north\nb@example.com;25-34;south\n',
      );

      expect(report.detected?.delimiter).toBe(';');
      expect(report.rowCount).toBe(2);
      expect(columns.map((column) => column.name)).toEqual(['email_sha256', 'age_band', 'region']);
    });

    it('detects a tab delimiter', async () => {
      const { report } = await importText(
        'email\tage_band\nx@example.com\t18-24\ny@example.com\t55+\n',
      );

      expect(report.detected?.delimiter).toBe('\t');
      expect(report.rowCount).toBe(2);
    });

    it('detects a pipe delimiter and LF endings', async () => {
      const { report } = await importText('email|score\nx@example.com|1\ny@example.com|2\n');

      expect(report.detected?.delimiter).toBe('|');
      expect(report.detected?.lineEnding).toBe('LF');
      expect(report.detected?.bom).toBe(false);
    });

    it('accepts a declared delimiter that fits', async () => {
      const { report } = await importText('email;segment\nx@example.com;a\n', { delimiter: ';' });

      expect(report.rowCount).toBe(1);
    });

    it('imports a file without a header', async () => {
      const { report, columns } = await importText('x@example.com,gold\ny@example.com,silver\n');

      expect(report.detected?.hasHeader).toBe(false);
      expect(report.rowCount).toBe(2);
      expect(columns.map((column) => column.name)).toEqual(['email_sha256', 'column_2']);
    });

    it('skips blank lines before the header', async () => {
      const { report } = await importText('\n\nemail,segment\nx@example.com,a\nbad,b\n');

      expect(report.detected?.hasHeader).toBe(true);
      expect(report.rowCount).toBe(1);
      expect(report.errors.map((error) => error.line)).toEqual([5]);
    });

    it('numbers repeated and empty header names', async () => {
      const { columns } = await importText('email,tier,tier,\nx@example.com,a,b,c\n');

      expect(columns.map((column) => column.name)).toEqual([
        'email_sha256',
        'tier',
        'tier_2',
        'column_4',
      ]);
    });

    it('keeps leading zeros as text', async () => {
      const { columns } = await importText(
        'email,postal_code\nx@example.com,02134\ny@example.com,10001\n',
      );

      expect(columns[1]).toMatchObject({ name: 'postal_code', dataType: 'STRING' });
    });
  });

  describe('identifiers', () => {
    it('normalises phones to E.164 before hashing', async () => {
      const content = [
        'phone,segment',
        '+44 20 7946 0958,a', // 2
        '0044 20 7946 0958,b', // 3: international prefix
        '+1 (415) 555-2671,c', // 4
        '020 7946 0958,d', // 5: national number, no country code
        '12345,e', // 6: too short
      ].join('\n');

      const { report, columns } = await importText(content + '\n');
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));

      expect(columns[0]).toMatchObject({ name: 'phone_sha256', identifierType: 'PHONE_SHA256' });
      expect(rows.map((row) => row.phone_sha256).sort()).toEqual(
        [sha256Hex('+442079460958'), sha256Hex('+442079460958'), sha256Hex('+14155552671')].sort(),
      );
      expect(report.errors.map(({ line, code }) => ({ line, code }))).toEqual([
        { line: 5, code: 'INVALID_PHONE' },
        { line: 6, code: 'INVALID_PHONE' },
      ]);
    });

    it('keeps already hashed emails lower-cased', async () => {
      const hash = sha256Hex('someone@example.com');
      const { columns } = await importText(`hashed_email,segment\n${hash.toUpperCase()},a\n`);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));

      expect(columns[0]).toMatchObject({ name: 'hashed_email', identifierType: 'EMAIL_SHA256' });
      expect(rows[0]?.hashed_email).toBe(hash);
    });

    it('treats hashes in an email column as hashed emails', async () => {
      const hash = sha256Hex('someone@example.com');
      const { columns, report } = await importText(`email,segment\n${hash},a\n`);

      expect(columns[0]).toMatchObject({ identifierType: 'EMAIL_SHA256' });
      expect(report.rowCount).toBe(1);
    });

    it('accepts rows with one of several identifiers', async () => {
      const maid = '6d92078a-8246-4ba4-ae5b-76104861e7dc';
      const content = ['maid,customer_id,tier', `${maid},,gold`, ',C-1,silver', ',,bronze'].join(
        '\n',
      );

      const { report, columns } = await importText(content + '\n', {
        identifierColumns: { maid: 'MAID', customer_id: 'CUSTOMER_ID' },
      });
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));

      expect(columns.map((column) => column.identifierType)).toEqual(['MAID', 'CUSTOMER_ID', null]);
      expect(rows.map((row) => [row.maid, row.customer_id]).sort()).toEqual(
        [
          [maid, null],
          [null, 'C-1'],
        ].sort(),
      );
      expect(report.errors.map(({ line, code }) => ({ line, code }))).toEqual([
        { line: 4, code: 'MISSING_IDENTIFIER' },
      ]);
    });

    it('flags declared PII columns', async () => {
      const { columns } = await importText('email,nickname,ip\nx@example.com,Al,10.0.0.1\n', {
        piiColumns: ['nickname'],
      });

      expect(columns.map((column) => column.isPii)).toEqual([false, true, true]);
    });
  });

  describe('rejected uploads', () => {
    it('rejects an empty file', async () => {
      await expectRejected(importText(''), 'IMPORT_EMPTY_FILE');
    });

    it('rejects a binary file', async () => {
      const png = Buffer.from([
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d,
      ]);
      await expectRejected(importText(png), 'IMPORT_NOT_TEXT');
    });

    it('rejects text that is not UTF-8', async () => {
      const latin1 = Buffer.from('email,city\nx@example.com,Montr\xe9al\n', 'latin1');
      await expectRejected(importText(latin1), 'IMPORT_NOT_TEXT');
    });

    it('rejects a declared delimiter the file does not use', async () => {
      const error = await expectRejected(
        importText('email,segment\nx@example.com,a\n', { delimiter: ';' }),
        'IMPORT_WRONG_DELIMITER',
      );

      expect(error.details).toMatchObject({ declared: ';', detected: ',' });
      expect(error.message).toContain('appears to use ","');
    });

    it('rejects a file without an identifier column', async () => {
      const error = await expectRejected(
        importText('name,segment\nAl,a\n'),
        'IMPORT_MISSING_COLUMN',
      );

      expect(error.details).toMatchObject({ columnsFound: ['name', 'segment'] });
    });

    it('rejects a declared identifier column that is missing', async () => {
      const error = await expectRejected(
        importText('email,segment\nx@example.com,a\n', {
          identifierColumns: { mail_address: 'EMAIL' },
        }),
        'IMPORT_MISSING_COLUMN',
      );

      expect(error.message).toContain('"mail_address"');
      expect(error.details).toMatchObject({ columnsFound: ['email', 'segment'] });
    });

    it('rejects more invalid rows than allowed', async () => {
      const content = 'email,segment\nx@example.com,a\nbad,b\nworse,c\n';
      const error = await expectRejected(
        importText(content, { maxInvalidRows: 1 }),
        'IMPORT_TOO_MANY_INVALID_ROWS',
      );

      expect(error.details).toMatchObject({ invalidRowCount: 2, maxInvalidRows: 1 });
      expect(
        (error.details?.errors as { line: number }[]).map((lineError) => lineError.line),
      ).toEqual([3, 4]);
    });

    it('counts malformed rows beyond the limit', async () => {
      const malformed = Array.from({ length: 20 }, (_, index) => `short${index}`).join('\n');
      const content = `email,segment,region\nx@example.com,a,north\n${malformed}\n`;
      const error = await expectRejected(
        importText(content, { maxInvalidRows: 3, maxReportedErrors: 2 }),
        'IMPORT_TOO_MANY_INVALID_ROWS',
      );

      expect(error.details?.invalidRowCount).toBeGreaterThan(3);
      expect(
        (error.details?.errors as { code: string }[]).map((lineError) => lineError.code),
      ).toEqual(['MALFORMED_ROW', 'MALFORMED_ROW']);
    });

    it('reports a line longer than DuckDB reads', async () => {
      const content = `email,note\nx@example.com,short\ny@example.com,${'n'.repeat(2_100_000)}\nz@example.com,short\n`;

      const { report } = await importText(content);

      expect(report.rowCount).toBe(2);
      expect(report.errors.map(({ line, code }) => ({ line, code }))).toEqual([
        { line: 3, code: 'MALFORMED_ROW' },
      ]);
    });

    it('rejects a file with no valid row', async () => {
      await expectRejected(importText('email,segment\nbad,a\n'), 'IMPORT_NO_VALID_ROWS');
    });

    it('rejects a header without data rows', async () => {
      await expectRejected(importText('email,segment\n'), 'IMPORT_NO_VALID_ROWS');
    });

    it('rejects mixed line endings', async () => {
      await expectRejected(
        importText('email,n\r\na@example.com,1\nb@example.com,2\r\n'),
        'IMPORT_MALFORMED_CSV',
      );
    });

    it('rejects an aborted import', async () => {
      const controller = new AbortController();
      controller.abort();

      const error = await importText('email\nx@example.com\n', { signal: controller.signal }).catch(
        (caught: unknown) => caught,
      );

      expect((error as Error).name).toBe('AbortError');
      expect(await listFiles(sandbox.directory)).toEqual(['upload.csv']);
    });
  });
});
