import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  BoundDataset,
  PrivacySettings,
  QuestionResult,
  ResultValue,
  RunQuestionInput,
} from '../../src/adapters/engine/engine.ts';
import type { DatasetColumn } from '../../src/domain/datasets/dataset.ts';
import {
  createEngineSandbox,
  sha256Hex,
  writeParquet,
  type EngineSandbox,
} from './engine-test-support.ts';
import { exactPrivacy } from './question-fixtures.ts';

/**
 * Total rows next to detail rows: segment_sizing's TOTAL row and
 * reach_frequency's ALL rows. The data puts chosen detail rows under the
 * crowd size, and the tests check that no published total reveals them.
 */

type Row = Record<string, ResultValue>;
type Question = Pick<RunQuestionInput, 'template' | 'parameters' | 'datasets'>;

interface TotalRowsDatasets {
  myAudience: BoundDataset;
  partnerAudience: BoundDataset;
  multiValuedPartner: BoundDataset;
  exposures: BoundDataset;
}

const emailColumn: DatasetColumn = {
  name: 'email_sha256',
  dataType: 'STRING',
  identifierType: 'EMAIL_SHA256',
  isPii: false,
};
const textColumn = (name: string, dataType: DatasetColumn['dataType'] = 'STRING') => ({
  name,
  dataType,
  identifierType: null,
  isPii: false,
});

/** People [from, to). */
function people(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, offset) => from + offset);
}

const person = (index: number) => sha256Hex(`total-rows-${index}@example.com`);

/** My audience is people 0-199. People from 500 on are only in the partner's audience or only exposed. */
const MY_AUDIENCE = people(0, 200);

/** Matched people per interest: finance 50, gaming 7 and travel 80, one interest each. */
const PARTNER_INTERESTS: [string, number[]][] = [
  ['finance', [...people(0, 50), ...people(500, 530)]],
  ['gaming', [...people(50, 57), ...people(530, 590)]],
  ['travel', people(57, 137)],
];

/** People 50-59 have both interests: 60 finance and 20 gaming memberships, 70 people. */
const MULTI_VALUED_INTERESTS: [string, number[]][] = [
  ['finance', people(0, 60)],
  ['gaming', people(50, 70)],
];

/**
 * Exposures per person in each campaign. Campaign A reaches 60 of my
 * people with 167 impressions, 3 of them (9 impressions) in bucket 3.
 * Campaign B reaches 12 people in three buckets of 4.
 */
const CAMPAIGN_FREQUENCIES: { campaign: string; frequency: number; people: number[] }[] = [
  { campaign: 'A', frequency: 1, people: [...people(0, 20), ...people(1000, 1020)] },
  { campaign: 'A', frequency: 2, people: people(20, 35) },
  { campaign: 'A', frequency: 3, people: people(35, 38) },
  { campaign: 'A', frequency: 4, people: people(38, 50) },
  { campaign: 'A', frequency: 6, people: people(50, 60) },
  { campaign: 'B', frequency: 1, people: people(100, 104) },
  { campaign: 'B', frequency: 2, people: people(104, 108) },
  { campaign: 'B', frequency: 3, people: people(108, 112) },
];

async function writeTotalRowsData(file: (name: string) => string): Promise<TotalRowsDatasets> {
  await writeParquet(
    file('my-audience.parquet'),
    { email_sha256: 'VARCHAR' },
    MY_AUDIENCE.map((index) => ({ email_sha256: person(index) })),
  );
  await writeInterests(file('partner-audience.parquet'), PARTNER_INTERESTS);
  await writeInterests(file('multi-valued-partner.parquet'), MULTI_VALUED_INTERESTS);
  await writeParquet(
    file('exposures.parquet'),
    { email_sha256: 'VARCHAR', campaign_id: 'VARCHAR', exposure_at: 'TIMESTAMP' },
    CAMPAIGN_FREQUENCIES.flatMap(({ campaign, frequency, people: exposed }) =>
      exposed.flatMap((index) =>
        Array.from({ length: frequency }, (_, day) => ({
          email_sha256: person(index),
          campaign_id: campaign,
          exposure_at: `2024-03-${String(day + 1).padStart(2, '0')} 12:00:00`,
        })),
      ),
    ),
  );

  const audience = (macro: string, datasetId: string, columns: DatasetColumn[]) => ({
    macro,
    datasetId,
    location: file(`${datasetId}.parquet`),
    columns: [emailColumn, ...columns],
  });
  return {
    myAudience: audience('@my_audience', 'my-audience', []),
    partnerAudience: audience('@partner_audience', 'partner-audience', [textColumn('interest')]),
    multiValuedPartner: audience('@partner_audience', 'multi-valued-partner', [
      textColumn('interest'),
    ]),
    exposures: audience('@exposures', 'exposures', [
      textColumn('campaign_id'),
      textColumn('exposure_at', 'TIMESTAMP'),
    ]),
  };
}

async function writeInterests(location: string, interests: [string, number[]][]): Promise<void> {
  await writeParquet(
    location,
    { email_sha256: 'VARCHAR', interest: 'VARCHAR' },
    interests.flatMap(([interest, members]) =>
      members.map((index) => ({ email_sha256: person(index), interest })),
    ),
  );
}

let sandbox: EngineSandbox;
let datasets: TotalRowsDatasets;

beforeEach(async () => {
  sandbox = await createEngineSandbox();
  datasets = await writeTotalRowsData(sandbox.file);
});

afterEach(async () => {
  await sandbox.cleanup();
});

function sizingQuestion(values: string[] | null, partner = datasets.partnerAudience): Question {
  return {
    template: 'segment_sizing',
    parameters: { attribute: 'interest', values },
    datasets: [datasets.myAudience, partner],
  };
}

function reachQuestion(campaignIds: string[] | null): Question {
  return {
    template: 'reach_frequency',
    parameters: { date_start: '2024-03-01', date_end: '2024-03-31', campaign_ids: campaignIds },
    datasets: [datasets.exposures, datasets.myAudience],
  };
}

const crowdOf = (crowdSize: number): PrivacySettings => ({ ...exactPrivacy, crowdSize });

const noisyCrowdOf = (crowdSize: number): PrivacySettings => ({
  crowdSize,
  noise: { enabled: true, scale: 5 },
  noiseSeed: 29,
});

function run(question: Question, privacy: PrivacySettings): Promise<QuestionResult> {
  return sandbox.engine.runQuestion({ ...question, privacy, maxRows: 1000 });
}

function rowObjects(result: QuestionResult): Row[] {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((column, index) => [column.name, row[index] ?? null])),
  );
}

function sumOf(rows: Row[], column: string): number {
  return rows.reduce((sum, row) => sum + Number(row[column]), 0);
}

/** Subtracts the sum of the published detail rows from every published number of `column`. */
function differences(rows: Row[], details: Row[], column: string): number[] {
  const detailSum = sumOf(details, column);
  return rows.map((row) => Number(row[column]) - detailSum);
}

function segmentRows(result: QuestionResult) {
  const rows = rowObjects(result);
  return {
    rows,
    segments: rows.filter((row) => row.row_type === 'SEGMENT'),
    totals: rows.filter((row) => row.row_type === 'TOTAL'),
  };
}

function campaignRows(result: QuestionResult, campaign: string) {
  const rows = rowObjects(result).filter((row) => row.campaign_id === campaign);
  return {
    rows,
    buckets: rows.filter((row) => row.frequency_bucket !== 'ALL'),
    totals: rows.filter((row) => row.frequency_bucket === 'ALL'),
  };
}

describe('segment_sizing total', () => {
  it('sums the released segments', async () => {
    const result = await run(sizingQuestion(['finance', 'gaming']), crowdOf(50));
    const { segments, totals } = segmentRows(result);

    expect(segments).toEqual([
      { row_type: 'SEGMENT', attribute_value: 'finance', matched_count: 50 },
    ]);
    expect(totals).toEqual([{ row_type: 'TOTAL', attribute_value: null, matched_count: 50 }]);
    expect(result.suppressedRowCount).toBe(1);
  });

  it('reveals no suppressed segment by subtraction', async () => {
    const hiddenGaming = 7;

    for (const values of [['finance', 'gaming'], null]) {
      const result = await run(sizingQuestion(values), crowdOf(50));
      const { rows, segments, totals } = segmentRows(result);

      expect(result.suppressedRowCount).toBe(1);
      expect(segments.map((row) => row.attribute_value)).not.toContain('gaming');
      expect(totals).toHaveLength(1);
      expect(totals[0]?.matched_count).toBe(sumOf(segments, 'matched_count'));
      expect(differences(rows, segments, 'matched_count')).not.toContain(hiddenGaming);
    }
  });

  it('withholds a total without released segments', async () => {
    const result = await run(sizingQuestion(['gaming']), crowdOf(50));

    expect(result.rows).toEqual([]);
    expect(result.suppressedRowCount).toBe(2);
  });

  it('equals the true total without suppression', async () => {
    const result = await run(sizingQuestion(null), crowdOf(1));
    const { segments, totals } = segmentRows(result);

    expect(segments.map((row) => row.matched_count)).toEqual([50, 7, 80]);
    expect(totals.map((row) => row.matched_count)).toEqual([137]);
    expect(result.suppressedRowCount).toBe(0);
  });

  it('counts memberships of multi-valued attributes', async () => {
    const result = await run(sizingQuestion(null, datasets.multiValuedPartner), crowdOf(1));
    const { segments, totals } = segmentRows(result);

    expect(segments.map((row) => row.matched_count)).toEqual([60, 20]);
    // 70 people, but the total must not reveal that 10 of them have both values.
    expect(totals.map((row) => row.matched_count)).toEqual([80]);
  });

  it('sums noised segments', async () => {
    for (const crowdSize of [1, 50]) {
      const exact = await run(sizingQuestion(null), crowdOf(crowdSize));
      const noised = await run(sizingQuestion(null), noisyCrowdOf(crowdSize));
      const { segments, totals } = segmentRows(noised);

      expect(noised.noiseApplied).toBe(true);
      expect(noised.rows).not.toEqual(exact.rows);
      expect(noised.suppressedRowCount).toBe(exact.suppressedRowCount);
      expect(totals).toHaveLength(1);
      expect(totals[0]?.matched_count).toBe(sumOf(segments, 'matched_count'));
    }
  });
});

describe('reach_frequency ALL rows', () => {
  it('sum the released buckets', async () => {
    const result = await run(reachQuestion(['A']), crowdOf(10));
    const { buckets, totals } = campaignRows(result, 'A');

    expect(buckets.map((row) => row.frequency_bucket)).toEqual(['1', '2', '4', '5+']);
    expect(totals).toEqual([
      { campaign_id: 'A', frequency_bucket: 'ALL', reach: 57, impressions: 158 },
    ]);
    expect(result.suppressedRowCount).toBe(1);
  });

  it('reveal no suppressed bucket by subtraction', async () => {
    const result = await run(reachQuestion(['A']), crowdOf(10));
    const { rows, buckets, totals } = campaignRows(result, 'A');

    expect(totals[0]?.reach).toBe(sumOf(buckets, 'reach'));
    expect(totals[0]?.impressions).toBe(sumOf(buckets, 'impressions'));
    expect(differences(rows, buckets, 'reach')).not.toContain(3);
    expect(differences(rows, buckets, 'impressions')).not.toContain(9);
  });

  it('are withheld without released buckets', async () => {
    const onlyB = await run(reachQuestion(['B']), crowdOf(10));
    const both = await run(reachQuestion(null), crowdOf(10));

    expect(onlyB.rows).toEqual([]);
    expect(onlyB.suppressedRowCount).toBe(4);
    expect(campaignRows(both, 'B').rows).toEqual([]);
    expect(campaignRows(both, 'A').totals).toHaveLength(1);
    expect(both.suppressedRowCount).toBe(5);
  });

  it('equal the true totals without suppression', async () => {
    const result = await run(reachQuestion(null), crowdOf(1));

    expect(campaignRows(result, 'A').totals).toEqual([
      { campaign_id: 'A', frequency_bucket: 'ALL', reach: 60, impressions: 167 },
    ]);
    expect(campaignRows(result, 'B').totals).toEqual([
      { campaign_id: 'B', frequency_bucket: 'ALL', reach: 12, impressions: 24 },
    ]);
    expect(result.suppressedRowCount).toBe(0);
  });

  it('sum noised buckets', async () => {
    for (const crowdSize of [1, 10]) {
      const exact = await run(reachQuestion(null), crowdOf(crowdSize));
      const noised = await run(reachQuestion(null), noisyCrowdOf(crowdSize));

      expect(noised.noiseApplied).toBe(true);
      expect(noised.rows).not.toEqual(exact.rows);
      expect(noised.suppressedRowCount).toBe(exact.suppressedRowCount);
      for (const campaign of crowdSize === 1 ? ['A', 'B'] : ['A']) {
        const { buckets, totals } = campaignRows(noised, campaign);
        expect(totals).toHaveLength(1);
        expect(totals[0]?.reach).toBe(sumOf(buckets, 'reach'));
        expect(totals[0]?.impressions).toBe(sumOf(buckets, 'impressions'));
      }
    }
  });
});
