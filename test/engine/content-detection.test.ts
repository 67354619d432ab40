import { writeFile } from 'node:fs/promises';
import { quotedIdentifier, quotedString } from '@duckdb/node-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONTENT_KINDS, contentRules } from '../../src/adapters/engine/column-content.ts';
import { presentCountSql } from '../../src/adapters/engine/column-typing.ts';
import type { ImportOptions } from '../../src/adapters/engine/engine.ts';
import { isAppError, type AppError } from '../../src/domain/errors/app-error.ts';
import { parseIdentifierColumns } from '../../src/services/datasets/parse-import-fields.ts';
import {
  createEngineSandbox,
  queryDuckDb,
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

async function importText(lines: string[], options: Partial<ImportOptions> = {}) {
  const sourcePath = sandbox.file('upload.csv');
  await writeFile(sourcePath, lines.join('\n') + '\n');
  return sandbox.engine.importCsv({
    sourcePath,
    targetPath: sandbox.file('dataset.parquet'),
    maxInvalidRows: 100,
    maxReportedErrors: 100,
    ...options,
  });
}

function importParquetSource(options: Partial<ImportOptions> = {}) {
  return sandbox.engine.importParquet({
    sourcePath: sandbox.file('source.parquet'),
    targetPath: sandbox.file('dataset.parquet'),
    maxInvalidRows: 100,
    maxReportedErrors: 100,
    ...options,
  });
}

/** Counts the stored values of `column` that contain "@", read by an independent DuckDB. */
async function countValuesWithAt(column: string): Promise<number> {
  const [row] = await queryDuckDb(
    `SELECT count(*) AS n FROM read_parquet(${quotedString(sandbox.file('dataset.parquet'))}) WHERE contains(CAST(${quotedIdentifier(column)} AS VARCHAR), '@')`,
  );
  return row?.n as number;
}

async function storedValues(column: string): Promise<unknown[]> {
  const rows = await readParquetRows(sandbox.file('dataset.parquet'));
  return rows.map((row) => row[column]);
}

function flags(columns: { name: string; identifierType: string | null; isPii: boolean }[]) {
  return columns.map(({ name, identifierType, isPii }) => ({ name, identifierType, isPii }));
}

async function rejectionOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isAppError(error)).toBe(true);
  return error as AppError;
}

describe('content rule in CSV imports', () => {
  describe('emails in an oddly named column', () => {
    const lines = [
      'email,contact,note,segment',
      'ann@example.com, Ann@Example.COM ,likes email,a', // 2
      'ben@example.com,ben@example.com,"write to ben.smith@example.org, not here",b', // 3
      'cat@example.com,cat@example.com,cat@example.net,c', // 4
      'dan@example.com,not an address,no address here,d', // 5: invalid contact
      'eve@example.com,,plain,e', // 6: no contact
    ];

    it('hashes the column as emails', async () => {
      const { columns } = await importText(lines);

      expect(flags(columns)).toEqual([
        { name: 'email_sha256', identifierType: 'EMAIL_SHA256', isPii: false },
        { name: 'contact_sha256', identifierType: 'EMAIL_SHA256', isPii: false },
        { name: 'note', identifierType: null, isPii: false },
        { name: 'segment', identifierType: null, isPii: false },
      ]);
      expect(columns[1]?.dataType).toBe('STRING');
    });

    it('explains the hashed column in the report', async () => {
      const { report } = await importText(lines);

      expect(report.columnFindings).toContainEqual(
        expect.objectContaining({
          column: 'contact',
          storedName: 'contact_sha256',
          reason: 'EMAIL_CONTENT',
        }),
      );
    });

    it('stores the normalised SHA-256 of each address', async () => {
      await importText(lines);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const contacts = new Map(rows.map((row) => [row.segment, row.contact_sha256]));

      expect(contacts.get('a')).toBe(sha256Hex('ann@example.com'));
      expect(contacts.get('b')).toBe(sha256Hex('ben@example.com'));
      expect(contacts.get('c')).toBe(sha256Hex('cat@example.com'));
    });

    it('stores NULL for other values', async () => {
      const { report } = await importText(lines);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const contacts = new Map(rows.map((row) => [row.segment, row.contact_sha256]));

      expect(report.rowCount).toBe(5);
      expect(report.invalidRowCount).toBe(0);
      expect(contacts.get('d')).toBeNull();
      expect(contacts.get('e')).toBeNull();
      expect(await storedValues('contact_sha256')).not.toContain('not an address');
    });

    it('replaces addresses in free text', async () => {
      await importText(lines);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const notes = new Map(rows.map((row) => [row.segment, row.note]));

      expect(notes.get('a')).toBe('likes email');
      expect(notes.get('b')).toBe('write to [email removed], not here');
      expect(notes.get('c')).toBe('[email removed]');
      expect(notes.get('d')).toBe('no address here');
    });

    it('writes no "@" in any column', async () => {
      const { columns } = await importText(lines);

      for (const column of columns) expect(await countValuesWithAt(column.name)).toBe(0);
      expect(columns.map((column) => column.name)).not.toContain('contact');
    });
  });

  describe('kinds and thresholds', () => {
    it('hashes phone numbers in international form', async () => {
      const { columns } = await importText([
        'email,mobile_no,segment',
        'a@example.com,+44 20 7946 0958,a',
        'b@example.com,0044 20 7946 0958,b',
        'c@example.com,+1 (415) 555-2671,c',
        'd@example.com,020 7946 0958,d', // national form: stored as NULL
      ]);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const phones = new Map(rows.map((row) => [row.segment, row.mobile_no_sha256]));

      expect(columns[1]).toMatchObject({
        name: 'mobile_no_sha256',
        identifierType: 'PHONE_SHA256',
      });
      expect(phones.get('a')).toBe(sha256Hex('+442079460958'));
      expect(phones.get('b')).toBe(sha256Hex('+442079460958'));
      expect(phones.get('c')).toBe(sha256Hex('+14155552671'));
      expect(phones.get('d')).toBeNull();
    });

    it('prefers phones to the integer type', async () => {
      const { columns } = await importText([
        'email,msisdn',
        'a@example.com,+447700900123',
        'b@example.com,+447700900456',
      ]);

      expect(columns[1]).toMatchObject({
        name: 'msisdn_sha256',
        dataType: 'STRING',
        identifierType: 'PHONE_SHA256',
      });
      expect(await storedValues('msisdn_sha256')).toEqual([
        sha256Hex('+447700900123'),
        sha256Hex('+447700900456'),
      ]);
    });

    it('keeps numbers without a country code', async () => {
      const { columns } = await importText([
        'email,order_ref',
        'a@example.com,4155552671',
        'b@example.com,4155552672',
      ]);

      expect(columns[1]).toMatchObject({
        name: 'order_ref',
        dataType: 'INTEGER',
        identifierType: null,
      });
    });

    it('flags a column of hashes as PII', async () => {
      const hash = sha256Hex('someone@example.com');
      const { columns, report } = await importText([
        'email,ref,segment',
        `a@example.com,${hash.toUpperCase()},a`,
        `b@example.com,${sha256Hex('b')},b`,
        'c@example.com,leaked@example.com,c', // not a hash: stored as NULL
      ]);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const refs = new Map(rows.map((row) => [row.segment, row.ref]));

      expect(columns[1]).toEqual({
        name: 'ref',
        dataType: 'STRING',
        identifierType: null,
        isPii: true,
      });
      expect(refs.get('a')).toBe(hash);
      expect(refs.get('c')).toBeNull();
      expect(report.rowCount).toBe(3);
      expect(await countValuesWithAt('ref')).toBe(0);
    });

    it('counts a column that is half addresses', async () => {
      const { columns } = await importText([
        'email,contact',
        'a@example.com,a@example.com',
        'b@example.com,b@example.com',
        'c@example.com,front desk',
        'd@example.com,back office',
      ]);

      expect(columns[1]).toMatchObject({ name: 'contact_sha256', identifierType: 'EMAIL_SHA256' });
    });

    it('keeps text with fewer than half addresses', async () => {
      const { columns } = await importText([
        'email,contact',
        'a@example.com,a@example.com',
        'b@example.com,front desk',
        'c@example.com,back office',
      ]);
      const contacts = await storedValues('contact');

      expect(columns[1]).toMatchObject({ name: 'contact', identifierType: null, isPii: false });
      expect(contacts).toEqual(['[email removed]', 'front desk', 'back office']);
    });

    it('replaces minority phones and hashes in text', async () => {
      const hash = sha256Hex('x');
      const { columns } = await importText([
        'email,contact,segment',
        'a@example.com,a@example.com,a',
        'b@example.com,+44 20 7946 0958,b',
        `c@example.com,${hash},c`,
        'd@example.com,call 020 7946 0958,d',
        'e@example.com,front desk,e',
      ]);
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));
      const contacts = new Map(rows.map((row) => [row.segment, row.contact]));

      expect(columns[1]).toMatchObject({ name: 'contact', identifierType: null, isPii: false });
      expect(contacts.get('a')).toBe('[email removed]');
      expect(contacts.get('b')).toBe('[phone removed]');
      expect(contacts.get('c')).toBe('[hash removed]');
      expect(contacts.get('d')).toBe('call 020 7946 0958');
      expect(contacts.get('e')).toBe('front desk');
    });

    it('reads the whole file, not only its start', async () => {
      const empty = Array.from({ length: 3000 }, (_, index) => `u${index}@example.com,`);
      const filled = Array.from(
        { length: 3000 },
        (_, index) => `v${index}@example.com,late${index}@example.com`,
      );

      const { columns } = await importText(['email,contact', ...empty, ...filled]);

      expect(columns[1]).toMatchObject({ name: 'contact_sha256', identifierType: 'EMAIL_SHA256' });
      expect(await countValuesWithAt('contact_sha256')).toBe(0);
    });

    it('keeps package versions as text', async () => {
      const { columns } = await importText([
        'email,dependency',
        'a@example.com,lodash@4.17.21',
        'b@example.com,react@18.3.1',
      ]);

      expect(columns[1]).toMatchObject({ name: 'dependency', identifierType: null });
      expect(await storedValues('dependency')).toEqual(['lodash@4.17.21', 'react@18.3.1']);
    });

    it('avoids stored name collisions', async () => {
      const { columns } = await importText([
        'email,contact,contact_sha256',
        'a@example.com,a@example.com,x',
      ]);

      expect(columns.map((column) => column.name)).toEqual([
        'email_sha256',
        'contact_sha256',
        'contact_sha256_2',
      ]);
    });
  });

  describe('identifier chosen by content', () => {
    it('takes unnamed emails as the key', async () => {
      const { columns, report } = await importText([
        'contact,segment',
        'a@example.com,a',
        'b@example.com,b',
        'c@example.com,c',
        'd@example.com,d',
        'not an address,e', // 6
      ]);

      expect(columns[0]).toMatchObject({ name: 'email_sha256', identifierType: 'EMAIL_SHA256' });
      expect(report.rowCount).toBe(4);
      expect(report.errors.map(({ line, column, code }) => ({ line, column, code }))).toEqual([
        { line: 6, column: 'contact', code: 'INVALID_EMAIL' },
      ]);
    });

    it('takes unnamed phones as the key', async () => {
      const { columns } = await importText([
        'contact,segment',
        '+44 20 7946 0958,a',
        '+1 415 555 2671,b',
      ]);

      expect(columns[0]).toMatchObject({ name: 'phone_sha256', identifierType: 'PHONE_SHA256' });
    });

    it('names a hash column in the error', async () => {
      const error = await rejectionOf(
        importText(['ref,segment', `${sha256Hex('a')},a`, `${sha256Hex('b')},b`]),
      );

      expect(error.code).toBe('IMPORT_MISSING_COLUMN');
      expect(error.message).toContain('declare it as ref:EMAIL_SHA256');
    });
  });

  describe('overrides', () => {
    const lines = [
      'email,contact,segment',
      'a@example.com,sales@example.com,a',
      'b@example.com,support@example.com,b',
    ];

    it('stores a column declared NONE as it is', async () => {
      const { columns } = await importText(lines, { identifierColumns: { contact: 'NONE' } });

      expect(flags(columns)).toEqual([
        { name: 'email_sha256', identifierType: 'EMAIL_SHA256', isPii: false },
        { name: 'contact', identifierType: null, isPii: false },
        { name: 'segment', identifierType: null, isPii: false },
      ]);
      expect(await storedValues('contact')).toEqual(['sales@example.com', 'support@example.com']);
    });

    it('flags a NONE column declared as PII', async () => {
      const { columns } = await importText(lines, {
        identifierColumns: { contact: 'NONE' },
        piiColumns: ['contact'],
      });

      expect(columns[1]).toMatchObject({ name: 'contact', identifierType: null, isPii: true });
    });

    it('rejects NONE on the only identifier', async () => {
      const error = await rejectionOf(
        importText(['email,segment', 'a@example.com,a'], { identifierColumns: { email: 'NONE' } }),
      );

      expect(error.code).toBe('IMPORT_MISSING_COLUMN');
    });

    it('takes a declared type over the content rule', async () => {
      const { columns } = await importText(
        ['email,ref', `a@example.com,${sha256Hex('a@example.com')}`],
        { identifierColumns: { ref: 'EMAIL_SHA256' } },
      );

      expect(columns[1]).toMatchObject({
        name: 'ref',
        identifierType: 'EMAIL_SHA256',
        isPii: false,
      });
    });

    it('hashes named emails beside a declared key', async () => {
      const { columns, report } = await importText(
        ['customer_id,email,segment', 'C-1,a@example.com,a', 'C-2,not an address,b'],
        { identifierColumns: { customer_id: 'CUSTOMER_ID' } },
      );
      const rows = await readParquetRows(sandbox.file('dataset.parquet'));

      expect(flags(columns)).toEqual([
        { name: 'customer_id', identifierType: 'CUSTOMER_ID', isPii: false },
        { name: 'email_sha256', identifierType: 'EMAIL_SHA256', isPii: false },
        { name: 'segment', identifierType: null, isPii: false },
      ]);
      expect(report.rowCount).toBe(2);
      expect(rows.map((row) => row.email_sha256)).toEqual([sha256Hex('a@example.com'), null]);
    });
  });
});

describe('content rule in Parquet imports', () => {
  const types = { Email: 'VARCHAR', contact: 'VARCHAR', ref: 'VARCHAR', note: 'VARCHAR' };
  const rows = [
    {
      Email: 'ann@example.com',
      contact: 'Ann@Example.com',
      ref: sha256Hex('ann'),
      note: 'mail ann@example.com',
    },
    { Email: 'ben@example.com', contact: 'ben@example.com', ref: sha256Hex('ben'), note: 'hi' },
    { Email: 'cat@example.com', contact: 'unknown', ref: 'cat@example.com', note: null },
  ];

  it('hashes emails and flags hashes in oddly named columns', async () => {
    await writeParquet(sandbox.file('source.parquet'), types, rows);

    const { columns } = await importParquetSource();

    expect(flags(columns)).toEqual([
      { name: 'email_sha256', identifierType: 'EMAIL_SHA256', isPii: false },
      { name: 'contact_sha256', identifierType: 'EMAIL_SHA256', isPii: false },
      { name: 'ref', identifierType: null, isPii: true },
      { name: 'note', identifierType: null, isPii: false },
    ]);
  });

  it('writes no "@" in any column', async () => {
    await writeParquet(sandbox.file('source.parquet'), types, rows);

    const { columns } = await importParquetSource();
    const stored = await readParquetRows(sandbox.file('dataset.parquet'));

    for (const column of columns) expect(await countValuesWithAt(column.name)).toBe(0);
    expect(stored.map((row) => row.contact_sha256)).toEqual([
      sha256Hex('ann@example.com'),
      sha256Hex('ben@example.com'),
      null,
    ]);
    expect(stored.map((row) => row.note)).toEqual(['mail [email removed]', 'hi', null]);
  });

  it('stores a column declared NONE as it is', async () => {
    await writeParquet(sandbox.file('source.parquet'), types, rows);

    const { columns } = await importParquetSource({ identifierColumns: { contact: 'NONE' } });

    expect(columns[1]).toMatchObject({ name: 'contact', identifierType: null, isPii: false });
  });
});

describe('content rules', () => {
  const values = [
    'a@example.com',
    '  A.B+tag@Mail.Example.CO.UK\t',
    'lodash@4.17.21',
    'a@localhost',
    'two@@example.com',
    'x y@example.com',
    '+44 20 7946 0958',
    ' 0044 (20) 7946-0958 ',
    '020 7946 0958',
    '+1 555',
    '4155552671',
    sha256Hex('a').toUpperCase(),
    ` ${sha256Hex('b')} `,
    sha256Hex('c').slice(1),
    '',
    'plain text',
  ];

  it('match the same values in SQL and JavaScript', async () => {
    const list = values.map((value) => quotedString(value)).join(', ');
    const checks = CONTENT_KINDS.map(
      (kind) => `${contentRules[kind].matchesSql('value')} AS ${kind.toLowerCase()}`,
    );
    const rows = await queryDuckDb(
      `SELECT value, ${checks.join(', ')} FROM unnest([${list}]) AS t(value)`,
    );

    for (const row of rows) {
      const trimmed = String(row.value).trim();
      for (const kind of CONTENT_KINDS) {
        expect(row[kind.toLowerCase()], `${kind} of ${JSON.stringify(row.value)}`).toBe(
          trimmed !== '' && contentRules[kind].matches(trimmed),
        );
      }
    }
  });

  it('recognise the expected kinds', () => {
    const kindsOf = (value: string) =>
      CONTENT_KINDS.filter((kind) => contentRules[kind].matches(value.trim()));

    expect(kindsOf('  A.B+tag@Mail.Example.CO.UK\t')).toEqual(['EMAIL']);
    expect(kindsOf('lodash@4.17.21')).toEqual([]);
    expect(kindsOf(' 0044 (20) 7946-0958 ')).toEqual(['PHONE']);
    expect(kindsOf('4155552671')).toEqual([]);
    expect(kindsOf(sha256Hex('a').toUpperCase())).toEqual(['SHA256']);
  });
});

describe('presentCountSql', () => {
  it('counts values that are not blank', async () => {
    const values = ['a', ' a ', '', ' ', '\t\r\n', '\u00e9', '\u00a0', 'x y'];
    const list = values.map((value) => quotedString(value)).join(', ');

    const [row] = await queryDuckDb(
      `SELECT ${presentCountSql('value')} AS present FROM unnest([${list}, NULL]) AS t(value)`,
    );

    expect(row?.present).toBe(5);
  });
});

describe('parseIdentifierColumns', () => {
  it('accepts NONE in any case', () => {
    expect(parseIdentifierColumns('email:EMAIL, contact:none')).toEqual({
      email: 'EMAIL',
      contact: 'NONE',
    });
  });

  it('lists NONE among the allowed types', () => {
    let caught: unknown;
    try {
      parseIdentifierColumns('contact:NOTHING');
    } catch (error) {
      caught = error;
    }

    expect((caught as AppError).details?.allowedValues).toContain('NONE');
  });
});
