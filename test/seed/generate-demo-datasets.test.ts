import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors/app-error.ts';
import {
  generateDemoDatasets,
  type DemoDataset,
  type DemoDatasetKey,
} from '../../src/seed/generate-demo-datasets.ts';

const scale = 0.001;
const endDate = '2025-06-30';
const expectedRowCounts: Record<DemoDatasetKey, number> = {
  advertiser_crm: 1_000,
  publisher_subscribers: 2_000,
  publisher_exposures: 10_000,
  advertiser_conversions: 500,
  retailer_members: 300,
};
const duckDbTypeByColumnType = {
  STRING: 'VARCHAR',
  INTEGER: 'BIGINT',
  DOUBLE: 'DOUBLE',
  BOOLEAN: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
} as const;

let workDirectory: string;
let firstRun: DemoDataset[];
let secondRun: DemoDataset[];
let progressSteps: [string, number][];
let instance: DuckDBInstance;
let connection: DuckDBConnection;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'demo-datasets-test-'));
  progressSteps = [];
  firstRun = await generateDemoDatasets({
    directory: join(workDirectory, 'first'),
    scale,
    endDate,
    threads: 2,
    onProgress: (step, percent) => progressSteps.push([step, percent]),
  });
  secondRun = await generateDemoDatasets({
    directory: join(workDirectory, 'second'),
    scale,
    endDate,
    threads: 1,
  });
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(async () => {
  connection?.closeSync();
  instance?.closeSync();
  await rm(workDirectory, { recursive: true, force: true });
});

function datasetOf(key: DemoDatasetKey, run: DemoDataset[] = firstRun): DemoDataset {
  const dataset = run.find((candidate) => candidate.key === key);
  if (dataset === undefined) throw new Error(`dataset ${key} was not generated`);
  return dataset;
}

function parquet(key: DemoDatasetKey, run: DemoDataset[] = firstRun): string {
  return `read_parquet('${datasetOf(key, run).location}')`;
}

async function queryRows(sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJS();
}

async function queryNumber(sql: string): Promise<number> {
  const [row] = await queryRows(sql);
  return Number(Object.values(row ?? {})[0]);
}

/** Order-insensitive fingerprint of a file's rows. */
async function fingerprint(location: string): Promise<string> {
  const [row] = await queryRows(
    `SELECT count(*) AS row_count, sum(hash(file_row)::HUGEINT) AS row_hash_sum
     FROM read_parquet('${location}') AS file_row`,
  );
  return `${String(row?.row_count)}:${String(row?.row_hash_sum)}`;
}

describe('generateDemoDatasets', () => {
  it('writes every dataset with the scaled row count', async () => {
    expect(firstRun.map((dataset) => dataset.key).sort()).toEqual(
      Object.keys(expectedRowCounts).sort(),
    );
    for (const dataset of firstRun) {
      expect(dataset.rowCount).toBe(expectedRowCounts[dataset.key]);
      expect(await queryNumber(`SELECT count(*) FROM ${parquet(dataset.key)}`)).toBe(
        expectedRowCounts[dataset.key],
      );
    }
  });

  it('reports the file size and absolute location', async () => {
    for (const dataset of firstRun) {
      expect(dataset.location.startsWith(join(workDirectory, 'first'))).toBe(true);
      expect(dataset.sizeBytes).toBe((await stat(dataset.location)).size);
    }
  });

  it('writes the declared columns and types', async () => {
    for (const dataset of firstRun) {
      const described = await queryRows(`DESCRIBE SELECT * FROM ${parquet(dataset.key)}`);
      const actual = described.map((row) => [row.column_name, row.column_type]);
      const declared = dataset.columns.map((column) => [
        column.name,
        duckDbTypeByColumnType[column.dataType],
      ]);
      expect(actual, dataset.key).toEqual(declared);
    }
  });

  it('marks email_sha256 as the only identifier and no column as PII', () => {
    for (const dataset of firstRun) {
      const identifiers = dataset.columns.filter((column) => column.identifierType !== null);
      expect(identifiers).toEqual([
        { name: 'email_sha256', dataType: 'STRING', identifierType: 'EMAIL_SHA256', isPii: false },
      ]);
      expect(dataset.columns.some((column) => column.isPii)).toBe(false);
    }
  });

  it('gives the same rows on every run and thread count', async () => {
    for (const dataset of firstRun) {
      const again = datasetOf(dataset.key, secondRun);
      expect(await fingerprint(again.location), dataset.key).toBe(
        await fingerprint(dataset.location),
      );
    }
  });

  it('writes identifiers as 64 lower-case hex characters', async () => {
    for (const dataset of firstRun) {
      const invalid = await queryNumber(
        `SELECT count(*) FROM ${parquet(dataset.key)}
         WHERE email_sha256 IS NULL OR NOT regexp_full_match(email_sha256, '[0-9a-f]{64}')`,
      );
      expect(invalid, dataset.key).toBe(0);
    }
  });

  it('hashes person i as sha256 of person<i>@example.com', async () => {
    const person0 = createHash('sha256').update('person0@example.com').digest('hex');
    const matches = await queryNumber(
      `SELECT count(*) FROM ${parquet('advertiser_crm')} WHERE email_sha256 = '${person0}'`,
    );
    expect(matches).toBe(1);
  });

  it('makes 35-45% of the advertiser customers publisher subscribers', async () => {
    const matched = await queryNumber(
      `SELECT count(*) FROM ${parquet('advertiser_crm')} SEMI JOIN ${parquet('publisher_subscribers')}
       USING (email_sha256)`,
    );
    const share = matched / expectedRowCounts.advertiser_crm;
    expect(share).toBeGreaterThanOrEqual(0.35);
    expect(share).toBeLessThanOrEqual(0.45);
  });

  it('leaves the rare interest under a crowd size of 50', async () => {
    const sailors = await queryNumber(
      `SELECT count(*) FROM ${parquet('advertiser_crm')}
       JOIN ${parquet('publisher_subscribers')} USING (email_sha256) WHERE interest = 'sailing'`,
    );
    expect(sailors).toBeLessThan(50);
  });

  it('draws exposures from subscribers only', async () => {
    const outsiders = await queryNumber(
      `SELECT count(*) FROM ${parquet('publisher_exposures')}
       ANTI JOIN ${parquet('publisher_subscribers')} USING (email_sha256)`,
    );
    expect(outsiders).toBe(0);
  });

  it('fills every frequency bucket from 1 to 5+', async () => {
    const buckets = await queryRows(
      `SELECT least(exposure_count, 5) AS bucket, count(*) AS people
       FROM (SELECT email_sha256, count(*) AS exposure_count
             FROM ${parquet('publisher_exposures')} GROUP BY email_sha256)
       GROUP BY bucket ORDER BY bucket`,
    );
    expect(buckets.map((row) => Number(row.bucket))).toEqual([1, 2, 3, 4, 5]);
    for (const row of buckets) expect(Number(row.people)).toBeGreaterThan(0);
  });

  it('spreads exposures over 12 campaigns of different sizes', async () => {
    const campaigns = await queryRows(
      `SELECT campaign_id, count(*) AS exposures FROM ${parquet('publisher_exposures')}
       GROUP BY campaign_id ORDER BY campaign_id`,
    );
    expect(campaigns.map((row) => row.campaign_id)).toEqual(
      Array.from({ length: 12 }, (_, index) => `CMP-${String(index + 1).padStart(3, '0')}`),
    );
    const sizes = new Set(campaigns.map((row) => Number(row.exposures)));
    expect(sizes.size).toBeGreaterThan(6);
  });

  it('keeps exposures and conversions inside the 30-day window', async () => {
    const [exposures] = await queryRows(
      `SELECT min(exposure_at)::VARCHAR AS first, max(exposure_at)::VARCHAR AS last
       FROM ${parquet('publisher_exposures')}`,
    );
    const [conversions] = await queryRows(
      `SELECT min(conversion_at)::VARCHAR AS first, max(conversion_at)::VARCHAR AS last
       FROM ${parquet('advertiser_conversions')}`,
    );
    for (const window of [exposures, conversions]) {
      expect(String(window?.first) >= '2025-06-01 00:00:00').toBe(true);
      expect(String(window?.last) <= '2025-06-30 23:59:59').toBe(true);
    }
  });

  it('draws conversions from advertiser customers only', async () => {
    const outsiders = await queryNumber(
      `SELECT count(*) FROM ${parquet('advertiser_conversions')}
       ANTI JOIN ${parquet('advertiser_crm')} USING (email_sha256)`,
    );
    expect(outsiders).toBe(0);
  });

  it('converts exposed customers at a higher rate', async () => {
    const rates = await queryRows(
      `WITH first_exposure AS (
         SELECT email_sha256, min(exposure_at) AS first_exposure_at
         FROM ${parquet('publisher_exposures')} GROUP BY email_sha256),
       customers AS (
         SELECT email_sha256, first_exposure_at IS NOT NULL AS exposed
         FROM ${parquet('advertiser_crm')} LEFT JOIN first_exposure USING (email_sha256)),
       conversions AS (
         SELECT email_sha256, first_exposure_at IS NOT NULL AND first_exposure_at <= conversion_at
                  AS after_exposure
         FROM ${parquet('advertiser_conversions')} LEFT JOIN first_exposure USING (email_sha256))
       SELECT exposed,
              (SELECT count(*) FROM conversions WHERE after_exposure = exposed)
                / count(*) AS conversions_per_customer
       FROM customers GROUP BY exposed`,
    );
    const rateOf = (exposed: boolean) =>
      Number(rates.find((row) => row.exposed === exposed)?.conversions_per_customer);
    expect(rateOf(true)).toBeGreaterThan(1.5 * rateOf(false));
  });

  it('reports progress from 0 to 100 by dataset', () => {
    expect(progressSteps.at(0)).toEqual(['advertiser_crm', 0]);
    expect(progressSteps.at(-1)).toEqual(['done', 100]);
    const percents = progressSteps.map(([, percent]) => percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
  });

  it('leaves no temporary files behind', async () => {
    const files = await readdir(join(workDirectory, 'first'));
    expect(files.sort()).toEqual(
      Object.keys(expectedRowCounts)
        .map((key) => `${key}.parquet`)
        .sort(),
    );
  });

  it.each([
    ['scale', { scale: 0 }],
    ['scale', { scale: Number.NaN }],
    ['endDate', { endDate: '2025-02-30' }],
    ['endDate', { endDate: '30/06/2025' }],
    ['threads', { threads: 1.5 }],
    ['directory', { directory: ' ' }],
  ])('rejects an invalid %s', async (option, override) => {
    const options = { directory: join(workDirectory, 'rejected'), scale, endDate, ...override };
    const attempt = generateDemoDatasets(options);
    await expect(attempt).rejects.toThrow(AppError);
    await expect(attempt).rejects.toThrow(new RegExp(`option ${option}=`));
  });
});
