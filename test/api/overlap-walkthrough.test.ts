import { createHash } from 'node:crypto';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  findRoom,
  getJson,
  importFile,
  sendJson,
  waitForRun,
  type CleanRoomView,
  type RunView,
} from '../support/api-helpers.ts';

const CROWD_SIZE = 50;

interface MessyCsv {
  content: string;
  /** Normalised emails of the valid rows, duplicates included. */
  validEmails: string[];
  /** Physical line numbers of the rows that must be rejected. */
  invalidLines: number[];
  validRowCount: number;
}

/**
 * Builds a customer export as spreadsheets write them: BOM, CRLF, quoted commas and
 * a quoted line break, emails in mixed case with spaces, some broken rows.
 * Persons 5000-8999 of the demo; the publisher's subscribers start at 6000.
 */
function buildMessyCsv(): MessyCsv {
  const lines = ['\uFEFFEmail,"Full Name",Tier,Spend'];
  const validEmails: string[] = [];
  const invalidLines: number[] = [];
  let line = 1;
  for (let person = 5000; person < 9000; person += 1) {
    line += 1;
    if (person % 997 === 0) {
      lines.push(`not-an-email-${person},"Broken, Row",gold,1`);
      invalidLines.push(line);
      continue;
    }
    if (person === 7000) {
      lines.push(`,"Missing Email",gold,1`);
      invalidLines.push(line);
      continue;
    }
    if (person === 7500) {
      lines.push(`  Person${person}@EXAMPLE.com ,"Multi\r\nLine",silver,5`);
      validEmails.push(`person${person}@example.com`);
      line += 1;
      continue;
    }
    const email =
      person % 3 === 0 ? `  Person${person}@Example.COM ` : `person${person}@example.com`;
    lines.push(
      `${email},"Doe, Person ${person}",${['gold', 'silver', 'bronze'][person % 3]},${(person % 50) + 0.5}`,
    );
    validEmails.push(`person${person}@example.com`);
  }
  // The same person again in another case: counted once in the overlap.
  lines.push('PERSON6001@EXAMPLE.COM,"Dup, Licate",gold,2');
  validEmails.push('person6001@example.com');
  return {
    content: `${lines.join('\r\n')}\r\n`,
    validEmails,
    invalidLines,
    validRowCount: validEmails.length,
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Computes the same overlap without the platform: plain DuckDB over the publisher's Parquet file. */
async function independentOverlap(publisherParquet: string, emails: string[], attribute: string) {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const values = [...new Set(emails.map(sha256))].map((hash) => `('${hash}')`).join(',');
    await connection.run(
      `CREATE TABLE mine AS SELECT * FROM (VALUES ${values}) AS t(email_sha256)`,
    );
    const reader = await connection.runAndReadAll(`
      SELECT p.${attribute} AS segment, count(DISTINCT p.email_sha256)::INTEGER AS overlap
        FROM read_parquet('${publisherParquet}') p JOIN mine m USING (email_sha256)
       GROUP BY 1`);
    return new Map(
      reader.getRowObjectsJson().map((row) => [String(row.segment), Number(row.overlap)]),
    );
  } finally {
    instance.closeSync();
  }
}

describe('audience overlap walkthrough', () => {
  let test: TestPlatform;
  let room: CleanRoomView;
  const csv = buildMessyCsv();
  let datasetId: string;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    room = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await test?.close();
  });

  it('imports the messy CSV, hashing emails and reporting bad lines', async () => {
    const response = await importFile(
      test.app,
      test.keys.advertiser,
      { name: 'Spreadsheet export', dataType: 'CRM' },
      'customers.csv',
      csv.content,
    );

    expect(response.statusCode).toBe(201);
    const body = response.json() as {
      dataset: {
        id: string;
        rowCount: number;
        columns: { name: string; identifierType: string | null; isPii: boolean }[];
      };
      report: {
        invalidRowCount: number;
        errors: { line: number; code: string }[];
        detected: { delimiter: string; lineEnding: string; bom: boolean };
      };
    };
    datasetId = body.dataset.id;
    expect(body.dataset.rowCount).toBe(csv.validRowCount);
    expect(body.report.invalidRowCount).toBe(csv.invalidLines.length);
    expect(body.report.errors.map((error) => error.line)).toEqual(csv.invalidLines);
    expect(body.report.detected).toMatchObject({ delimiter: ',', lineEnding: 'CRLF', bom: true });
    const email = body.dataset.columns.find((column) => column.name === 'email_sha256');
    expect(email?.identifierType).toBe('EMAIL_SHA256');
    expect(body.dataset.columns.find((column) => column.name === 'full_name')?.isPii).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/person\d+@example\.com/i);
  });

  it('stores hashes of the normalised emails, never the raw values', async () => {
    const [row] = await test.platform.context.db.query<{ storage_location: string }>(
      'SELECT storage_location FROM datasets WHERE id = $1',
      [datasetId],
    );
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(
        `SELECT * FROM read_parquet('${row!.storage_location}')`,
      );
      const stored = reader.getRowObjectsJson();
      const hashes = new Set(stored.map((record) => String(record.email_sha256)));
      expect(hashes).toEqual(new Set(csv.validEmails.map(sha256)));
      expect(JSON.stringify(stored)).not.toMatch(/@example\.com/i);
    } finally {
      instance.closeSync();
    }
  });

  it("matches an independent SQL count of the overlap with the publisher's subscribers", async () => {
    const attached = await sendJson(
      test.app,
      test.keys.advertiser,
      'PUT',
      `/api/v1/cleanrooms/${room.id}/datasets/${datasetId}`,
    );
    expect(attached.status).toBe(200);

    const started = await sendJson<RunView>(
      test.app,
      test.keys.advertiser,
      'POST',
      `/api/v1/cleanrooms/${room.id}/runs`,
      {
        questionId: 'audience_overlap',
        parameters: { attribute: 'interest' },
        datasets: { '@my_audience': datasetId },
      },
    );
    expect(started.status).toBe(202);
    const finished = await waitForRun(test.app, test.keys.advertiser, started.body.id);
    expect(finished.status).toBe('COMPLETED');
    const result = await getJson<{
      columns: { name: string }[];
      rows: (string | number | null)[][];
      rowCount: number;
      suppressedRowCount: number;
      privacy: { crowdSize: number };
    }>(test.app, test.keys.advertiser, `/api/v1/runs/${started.body.id}/results?limit=500`);

    const [publisher] = await test.platform.context.db.query<{ storage_location: string }>(
      `SELECT storage_location FROM datasets WHERE data_type = 'AUDIENCE'`,
    );
    const expected = await independentOverlap(
      publisher!.storage_location,
      csv.validEmails,
      'interest',
    );
    const names = result.body.columns.map((column) => column.name);
    const overlapIndex = names.indexOf('overlap_count');
    expect(overlapIndex).toBeGreaterThan(0);
    const reported = new Map(
      result.body.rows.map((row) => [String(row[0]), Number(row[overlapIndex])]),
    );

    const visible = [...expected].filter(([, count]) => count >= CROWD_SIZE);
    const hidden = [...expected].filter(([, count]) => count < CROWD_SIZE);
    expect(result.body.privacy.crowdSize).toBe(CROWD_SIZE);
    expect(reported).toEqual(new Map(visible));
    expect(result.body.suppressedRowCount).toBe(hidden.length);
    expect(hidden.length).toBeGreaterThan(0);
    for (const row of result.body.rows)
      expect(Number(row[overlapIndex])).toBeGreaterThanOrEqual(CROWD_SIZE);
    expect(JSON.stringify(result.body)).not.toMatch(/[0-9a-f]{64}/);
  });
});
