import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ImportOptions } from '../../src/adapters/engine/engine.ts';
import { redactPaths } from '../../src/adapters/engine/import-error-paths.ts';
import { isAppError, type AppError } from '../../src/domain/errors/app-error.ts';
import { createEngineSandbox, writeParquet, type EngineSandbox } from './engine-test-support.ts';

let sandbox: EngineSandbox;

beforeEach(async () => {
  sandbox = await createEngineSandbox();
});

afterEach(async () => {
  await sandbox.cleanup();
});

/** Upload name shaped like the server's, so that a leaked name is easy to spot. */
const UPLOAD_NAME = '0b7f3a52-upload.csv';
const PARQUET_NAME = '0b7f3a52-upload.parquet';

async function csvError(content: string | Buffer, options: Partial<ImportOptions> = {}) {
  const sourcePath = sandbox.file(UPLOAD_NAME);
  await writeFile(sourcePath, content);
  return caughtError(
    sandbox.engine.importCsv({
      sourcePath,
      targetPath: sandbox.file('datasets/dataset.parquet'),
      maxInvalidRows: 1,
      maxReportedErrors: 10,
      ...options,
    }),
  );
}

async function parquetError() {
  return caughtError(
    sandbox.engine.importParquet({
      sourcePath: sandbox.file(PARQUET_NAME),
      targetPath: sandbox.file('datasets/dataset.parquet'),
      maxInvalidRows: 1,
      maxReportedErrors: 10,
    }),
  );
}

async function caughtError(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isAppError(error)).toBe(true);
  return error as AppError;
}

function expectNoPaths(error: AppError): void {
  const texts = {
    message: error.message,
    userMessage: error.userMessage,
    details: JSON.stringify(error.details ?? {}),
  };
  for (const [field, text] of Object.entries(texts)) {
    expect(text, field).not.toContain(sandbox.directory);
    expect(text, field).not.toContain(os.tmpdir());
    expect(text, field).not.toContain('0b7f3a52');
  }
}

describe('import errors', () => {
  describe('of CSV uploads', () => {
    const cases: {
      name: string;
      content: string | Buffer;
      options?: Partial<ImportOptions>;
      code: string;
    }[] = [
      { name: 'empty file', content: '', code: 'IMPORT_EMPTY_FILE' },
      { name: 'blank lines only', content: '\n\n', code: 'IMPORT_EMPTY_FILE' },
      {
        name: 'binary file',
        content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]),
        code: 'IMPORT_NOT_TEXT',
      },
      {
        name: 'text that is not UTF-8',
        content: Buffer.from('email,city\nx@example.com,Montr\xe9al\n', 'latin1'),
        code: 'IMPORT_NOT_TEXT',
      },
      {
        name: 'wrong delimiter',
        content: 'email,segment\nx@example.com,a\n',
        options: { delimiter: ';' },
        code: 'IMPORT_WRONG_DELIMITER',
      },
      {
        name: 'missing identifier column',
        content: 'name,segment\nAl,a\n',
        code: 'IMPORT_MISSING_COLUMN',
      },
      {
        name: 'missing declared column',
        content: 'email,segment\nx@example.com,a\n',
        options: { identifierColumns: { mail_address: 'EMAIL' } },
        code: 'IMPORT_MISSING_COLUMN',
      },
      {
        name: 'too many invalid rows',
        content: 'email,segment\nx@example.com,a\nbad,b\nworse,c\n',
        code: 'IMPORT_TOO_MANY_INVALID_ROWS',
      },
      {
        name: 'no valid rows',
        content: 'email,segment\nbad,a\n',
        code: 'IMPORT_NO_VALID_ROWS',
      },
      {
        name: 'mixed line endings',
        content: 'email,n\r\na@example.com,1\nb@example.com,2\r\n',
        code: 'IMPORT_MALFORMED_CSV',
      },
    ];

    for (const testCase of cases) {
      it(`names no path for ${testCase.name}`, async () => {
        const error = await csvError(testCase.content, testCase.options);

        expect(error.code).toBe(testCase.code);
        expectNoPaths(error);
      });
    }

    it('names no path when the dataset cannot be written', async () => {
      await writeFile(sandbox.file('blocker'), 'a file where a directory should be');
      const sourcePath = sandbox.file(UPLOAD_NAME);
      await writeFile(sourcePath, 'email\nx@example.com\n');

      const error = await caughtError(
        sandbox.engine.importCsv({
          sourcePath,
          targetPath: path.join(sandbox.file('blocker'), 'dataset.parquet'),
          maxInvalidRows: 1,
          maxReportedErrors: 10,
        }),
      );

      expect(error.code).toBe('ENGINE_FAILED');
      expect(error.message).toContain('<file>');
      expectNoPaths(error);
    });
  });

  describe('of Parquet uploads', () => {
    const types = { email: 'VARCHAR', segment: 'VARCHAR' };
    const rows = [{ email: 'x@example.com', segment: 'a' }];

    it('names no path for an empty file', async () => {
      await writeFile(sandbox.file(PARQUET_NAME), '');

      const error = await parquetError();

      expect(error.code).toBe('IMPORT_EMPTY_FILE');
      expectNoPaths(error);
    });

    it('names no path for a file that is not Parquet', async () => {
      await writeFile(sandbox.file(PARQUET_NAME), 'email\nx@example.com\n');

      const error = await parquetError();

      expect(error.code).toBe('IMPORT_PARQUET_INVALID');
      expectNoPaths(error);
    });

    it('names no path for a damaged file', async () => {
      await writeParquet(sandbox.file('whole.parquet'), types, rows);
      const whole = await readFile(sandbox.file('whole.parquet'));
      await writeFile(
        sandbox.file(PARQUET_NAME),
        Buffer.concat([whole.subarray(0, 40), whole.subarray(whole.length - 20)]),
      );

      const error = await parquetError();

      expect(error.code).toBe('IMPORT_PARQUET_INVALID');
      expect(error.details?.reason).toContain('<file>');
      expectNoPaths(error);
    });

    it('names no path for a missing column', async () => {
      await writeParquet(sandbox.file(PARQUET_NAME), { segment: 'VARCHAR' }, [{ segment: 'a' }]);

      const error = await parquetError();

      expect(error.code).toBe('IMPORT_MISSING_COLUMN');
      expectNoPaths(error);
    });

    it('names no path for no valid rows', async () => {
      await writeParquet(sandbox.file(PARQUET_NAME), types, [{ email: 'bad', segment: 'a' }]);

      const error = await parquetError();

      expect(error.code).toBe('IMPORT_NO_VALID_ROWS');
      expectNoPaths(error);
    });
  });
});

describe('redactPaths', () => {
  const options = {
    sourcePath: 'data/datasets/.uploads/9f2c.csv',
    targetPath: '/srv/cleanroom data/datasets/org-1/9f2c.parquet',
  };

  it('replaces relative upload paths', () => {
    expect(redactPaths(`Cannot open file "data/datasets/.uploads/9f2c.csv"`, options)).toBe(
      'Cannot open file "<file>"',
    );
  });

  it('replaces paths with spaces under a known directory', () => {
    const message = `Could not write '/srv/cleanroom data/datasets/org-1/.9f2c.parquet.tmp': disk full`;

    expect(redactPaths(message, options)).toBe(`Could not write '<file>': disk full`);
  });

  it('replaces other absolute paths', () => {
    expect(redactPaths('IO Error: /var/tmp/duckdb/spill_1.block is full', options)).toBe(
      'IO Error: <file> is full',
    );
  });

  it('keeps text without paths', () => {
    const message = 'CSV Error on Line: 2, expected 3 columns and/or a closing quote';

    expect(redactPaths(message, options)).toBe(message);
  });
});
