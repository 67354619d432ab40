import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  PrivacySettings,
  QuestionResult,
  ResultValue,
  RunQuestionInput,
} from '../../src/adapters/engine/engine.ts';
import { isAppError, type AppError } from '../../src/domain/errors/app-error.ts';
import { questionCatalog } from '../../src/domain/questions/catalog.ts';
import { createEngineSandbox, queryDuckDb, type EngineSandbox } from './engine-test-support.ts';
import {
  exactPrivacy,
  expectedAttribution,
  expectedOverlap,
  expectedReachFrequency,
  expectedSegmentSizing,
  generateQuestionData,
  type QuestionData,
} from './question-fixtures.ts';

let sandbox: EngineSandbox;
let data: QuestionData;

beforeEach(async () => {
  sandbox = await createEngineSandbox();
  data = await generateQuestionData(sandbox.file);
});

afterEach(async () => {
  await sandbox.cleanup();
});

type Question = Pick<RunQuestionInput, 'template' | 'parameters' | 'datasets'>;

function overlapQuestion(attribute = 'age_band'): Question {
  return {
    template: 'audience_overlap',
    parameters: { attribute },
    datasets: [data.datasets.myAudience, data.datasets.partnerAudience],
  };
}

function reachQuestion(
  parameters: Record<string, unknown> = { date_start: '2024-01-05', date_end: '2024-01-20' },
): Question {
  return {
    template: 'reach_frequency',
    parameters,
    datasets: [data.datasets.exposures, data.datasets.myAudience],
  };
}

function attributionQuestion(model: string): Question {
  return {
    template: 'attribution',
    parameters: { model, lookback_days: 7, date_start: '2024-01-10', date_end: '2024-01-31' },
    datasets: [data.datasets.exposures, data.datasets.conversions],
  };
}

function sizingQuestion(values: string[] | null): Question {
  return {
    template: 'segment_sizing',
    parameters: { attribute: 'region', values },
    datasets: [data.datasets.myAudience, data.datasets.partnerAudience],
  };
}

function run(
  question: Question,
  overrides: Partial<RunQuestionInput> = {},
): Promise<QuestionResult> {
  return sandbox.engine.runQuestion({
    ...question,
    privacy: exactPrivacy,
    maxRows: 1000,
    ...overrides,
  });
}

/** Result rows as objects keyed by output column name. */
function rowObjects(result: QuestionResult): Record<string, ResultValue>[] {
  return result.rows.map((row) =>
    Object.fromEntries(result.columns.map((column, index) => [column.name, row[index] ?? null])),
  );
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isAppError(error)).toBe(true);
  return error as AppError;
}

describe('runQuestion', () => {
  describe('answers', () => {
    it('computes audience overlap and index', async () => {
      const result = await run(overlapQuestion());
      const expected = expectedOverlap(data, 'age_band');

      expect(result.columns.map((column) => column.name)).toEqual([
        'attribute_value',
        'overlap_count',
        'partner_count',
        'overlap_rate',
        'index',
      ]);
      expect(result.rows).toHaveLength(expected.size);
      for (const row of rowObjects(result)) {
        const want = expected.get(String(row.attribute_value));
        expect(row.overlap_count).toBe(want?.overlap);
        expect(row.partner_count).toBe(want?.partnerCount);
        expect(row.overlap_rate).toBe(want?.rate);
        expect(row.index).toBe(want?.index);
      }
      expect(result.suppressedRowCount).toBe(0);
      expect(result.noiseApplied).toBe(false);
    });

    it('counts overlap independently in DuckDB', async () => {
      const result = await run(overlapQuestion('region'));
      const independent = await queryDuckDb(`
        SELECT CAST(p.region AS VARCHAR) AS region, count(DISTINCT m.email_sha256) AS overlap
        FROM read_parquet('${data.datasets.partnerAudience.location}') p
        JOIN read_parquet('${data.datasets.myAudience.location}') m USING (email_sha256)
        GROUP BY ALL`);

      const counts = new Map(
        rowObjects(result).map((row) => [row.attribute_value, row.overlap_count]),
      );
      expect(counts.size).toBe(independent.length);
      for (const row of independent)
        expect(counts.get(row.region as string | null)).toBe(row.overlap);
    });

    it('computes reach and frequency buckets', async () => {
      const result = await run(reachQuestion());
      const expected = expectedReachFrequency(data, '2024-01-05', '2024-01-20', null);

      expect(result.rows).toHaveLength(expected.size);
      for (const row of rowObjects(result)) {
        const want = expected.get(`${row.campaign_id}|${row.frequency_bucket}`);
        expect(row.reach).toBe(want?.reach);
        expect(row.impressions).toBe(want?.impressions);
      }
    });

    it('filters reach by campaign', async () => {
      const result = await run(
        reachQuestion({ date_start: '2024-01-01', date_end: '2024-01-31', campaign_ids: ['C2'] }),
      );
      const expected = expectedReachFrequency(data, '2024-01-01', '2024-01-31', ['C2']);

      expect(new Set(rowObjects(result).map((row) => row.campaign_id))).toEqual(new Set(['C2']));
      expect(rowObjects(result).find((row) => row.frequency_bucket === 'ALL')?.reach).toBe(
        expected.get('C2|ALL')?.reach,
      );
    });

    for (const model of ['first_touch', 'last_touch', 'linear'] as const) {
      it(`attributes conversions by ${model}`, async () => {
        const result = await run(attributionQuestion(model));
        const expected = expectedAttribution(data, model, 7, '2024-01-10', '2024-01-31');

        expect(result.rows).toHaveLength(expected.size);
        for (const row of rowObjects(result)) {
          const want = expected.get(String(row.campaign_id));
          expect(row.converters).toBe(want?.converters.size);
          expect(row.attributed_conversions).toBeCloseTo(want?.conversions ?? -1, 9);
          expect(row.attributed_value).toBeCloseTo(want?.value ?? -1, 6);
        }
      });
    }

    it('sizes chosen segments with a total', async () => {
      const result = await run(sizingQuestion(['north', 'south']));
      const expected = expectedSegmentSizing(data, ['north', 'south']);

      const actual = new Map(
        rowObjects(result).map((row) => [
          `${row.row_type}|${row.attribute_value ?? ''}`,
          row.matched_count,
        ]),
      );
      expect(actual).toEqual(expected);
    });

    it('sizes every segment without values', async () => {
      const result = await run(sizingQuestion(null));
      const expected = expectedSegmentSizing(data, null);

      const actual = new Map(
        rowObjects(result).map((row) => [
          `${row.row_type}|${row.row_type === 'TOTAL' ? '' : String(row.attribute_value)}`,
          row.matched_count,
        ]),
      );
      expect(actual).toEqual(expected);
    });

    it('reports progress at each step', async () => {
      const progress: number[] = [];

      await run(overlapQuestion(), { onProgress: (percent) => void progress.push(percent) });

      expect(progress).toEqual([10, 50, 90, 100]);
    });

    it('coerces parameters sent as text', async () => {
      const question = attributionQuestion('linear');
      const result = await run({
        ...question,
        parameters: { ...question.parameters, lookback_days: '7' },
      });

      expect(result.rows.length).toBeGreaterThan(0);
    });
  });

  describe('privacy guards', () => {
    it('suppresses rows under the crowd size', async () => {
      const crowdSize = 5;
      const result = await run(overlapQuestion('interest'), {
        privacy: { ...exactPrivacy, crowdSize },
      });
      const expected = expectedOverlap(data, 'interest');
      const underCrowd = [...expected]
        .filter(([, row]) => row.overlap < crowdSize)
        .map(([segment]) => segment);

      expect(underCrowd).toEqual(['chess']);
      expect(result.suppressedRowCount).toBe(1);
      expect(rowObjects(result).map((row) => row.attribute_value)).not.toContain('chess');
    });

    it('derives the index from released rows only', async () => {
      const crowdSize = 5;
      const result = await run(overlapQuestion('interest'), {
        privacy: { ...exactPrivacy, crowdSize },
      });
      const rows = rowObjects(result);
      const overlapTotal = rows.reduce((sum, row) => sum + Number(row.overlap_count), 0);
      const partnerTotal = rows.reduce((sum, row) => sum + Number(row.partner_count), 0);

      expect(result.suppressedRowCount).toBe(1);
      for (const row of rows) {
        const overlapShare = Number(row.overlap_count) / overlapTotal;
        const partnerShare = Number(row.partner_count) / partnerTotal;
        expect(row.index).toBeCloseTo((overlapShare / partnerShare) * 100, 1);
      }
    });

    it('keeps no identity count under the crowd size', async () => {
      const crowdSize = 40;
      const questions = [
        reachQuestion(),
        attributionQuestion('linear'),
        sizingQuestion(null),
        overlapQuestion('region'),
      ];

      for (const question of questions) {
        const result = await run(question, { privacy: { ...exactPrivacy, crowdSize } });
        const definition = questionCatalog.find(
          (candidate) => candidate.template === question.template,
        );
        const identityIndexes = result.columns.flatMap((column, index) =>
          definition?.outputColumns.find((output) => output.name === column.name)?.isIdentity
            ? [index]
            : [],
        );
        const unguarded = await run(question);

        expect(identityIndexes.length).toBeGreaterThan(0);
        for (const row of result.rows)
          for (const index of identityIndexes) expect(row[index]).toBeGreaterThanOrEqual(crowdSize);
        expect(result.rows.length + result.suppressedRowCount).toBe(unguarded.rows.length);
      }
    });

    it('publishes totals as sums of released rows', async () => {
      const cases = [
        {
          question: reachQuestion(),
          marker: 'frequency_bucket',
          total: 'ALL',
          groupBy: 'campaign_id',
        },
        { question: sizingQuestion(null), marker: 'row_type', total: 'TOTAL', groupBy: null },
      ];
      let runsWithPartialTotals = 0;

      for (const { question, marker, total, groupBy } of cases) {
        for (const crowdSize of [1, 40, 130]) {
          const result = await run(question, { privacy: { ...exactPrivacy, crowdSize } });
          const rows = rowObjects(result);
          const group = (row: Record<string, ResultValue>) => (groupBy ? row[groupBy] : null);
          const measures = result.columns.filter((column) => column.dataType === 'INTEGER');

          for (const totalRow of rows.filter((row) => row[marker] === total)) {
            const details = rows.filter(
              (row) => row[marker] !== total && group(row) === group(totalRow),
            );
            expect(details.length).toBeGreaterThan(0);
            for (const { name } of measures)
              expect(totalRow[name]).toBe(details.reduce((sum, row) => sum + Number(row[name]), 0));
          }
          if (result.suppressedRowCount > 0 && rows.some((row) => row[marker] === total))
            runsWithPartialTotals++;
        }
      }

      expect(runsWithPartialTotals).toBeGreaterThan(0);
    });

    it('never outputs an identifier', async () => {
      const results = await Promise.all([
        run(overlapQuestion()),
        run(reachQuestion()),
        run(attributionQuestion('first_touch')),
        run(sizingQuestion(null)),
      ]);

      for (const result of results) {
        for (const row of result.rows)
          for (const cell of row) expect(String(cell)).not.toMatch(/[0-9a-f]{64}/i);
      }
    });

    it('outputs only declared columns', async () => {
      for (const question of [
        overlapQuestion(),
        reachQuestion(),
        attributionQuestion('linear'),
        sizingQuestion(null),
      ]) {
        const result = await run(question);
        const definition = questionCatalog.find(
          (candidate) => candidate.template === question.template,
        );

        expect(result.columns).toEqual(
          definition?.outputColumns.map(({ name, dataType }) => ({ name, dataType })),
        );
        for (const row of result.rows) expect(row).toHaveLength(result.columns.length);
      }
    });

    it('rejects grouping by an identifier column', async () => {
      const error = await rejection(run(overlapQuestion('email_sha256')));

      expect(error.code).toBe('PRIVACY_VIOLATION');
      expect(error.message).toContain('email_sha256');
    });

    it('rejects grouping by a PII column', async () => {
      const error = await rejection(run(sizingQuestionWithAttribute('first_name')));

      expect(error.code).toBe('PRIVACY_VIOLATION');
    });

    it('rejects an unknown attribute column', async () => {
      const error = await rejection(run(overlapQuestion('favorite_color')));

      expect(error.code).toBe('PARAMETER_INVALID');
      expect(error.details?.allowedValues).toEqual(['age_band', 'region', 'interest']);
    });

    it('fails a result above maxRows', async () => {
      const error = await rejection(run(reachQuestion(), { maxRows: 3 }));

      expect(error.code).toBe('RESULT_TOO_LARGE');
    });

    it('rejects a crowd size under one', async () => {
      const error = await rejection(
        run(overlapQuestion(), { privacy: { ...exactPrivacy, crowdSize: 0 } }),
      );

      expect(error.code).toBe('PRIVACY_VIOLATION');
    });
  });

  describe('noise', () => {
    const noisy = (seed: number | null): PrivacySettings => ({
      crowdSize: 1,
      noise: { enabled: true, scale: 5 },
      noiseSeed: seed,
    });

    it('repeats with the same seed', async () => {
      const first = await run(reachQuestion(), { privacy: noisy(7) });
      const second = await run(reachQuestion(), { privacy: noisy(7) });

      expect(first.noiseApplied).toBe(true);
      expect(second.rows).toEqual(first.rows);
    });

    it('changes the counts', async () => {
      const exact = await run(reachQuestion());
      const seven = await run(reachQuestion(), { privacy: noisy(7) });
      const eight = await run(reachQuestion(), { privacy: noisy(8) });

      expect(seven.rows).not.toEqual(exact.rows);
      expect(eight.rows).not.toEqual(seven.rows);
    });

    it('keeps counts whole and non-negative', async () => {
      const result = await run(overlapQuestion('interest'), { privacy: noisy(11) });

      for (const row of rowObjects(result)) {
        expect(Number.isInteger(row.overlap_count)).toBe(true);
        expect(row.overlap_count).toBeGreaterThanOrEqual(0);
        expect(row.partner_count).toBeGreaterThanOrEqual(0);
      }
    });

    it('is off when disabled', async () => {
      const exact = await run(reachQuestion());
      const disabled = await run(reachQuestion(), {
        privacy: { ...noisy(7), noise: { enabled: false, scale: 5 } },
      });

      expect(disabled.noiseApplied).toBe(false);
      expect(disabled.rows).toEqual(exact.rows);
    });
  });

  describe('cancellation', () => {
    it('rejects a run aborted before it starts', async () => {
      const controller = new AbortController();
      controller.abort();

      const error = await run(overlapQuestion(), { signal: controller.signal }).catch(
        (caught: unknown) => caught,
      );

      expect((error as Error).name).toBe('AbortError');
    });

    it('interrupts a running query', async () => {
      const heavy = await writeEndlessJoin();
      const controller = new AbortController();
      const onProgress = (percent: number) => {
        // The abort lands while DuckDB prepares or executes the join, which would otherwise run for hours (an estimate).
        if (percent === 10) setImmediate(() => controller.abort());
      };

      const error = await run(heavy, { signal: controller.signal, onProgress }).catch(
        (caught: unknown) => caught,
      );

      expect((error as Error).name).toBe('AbortError');
      expect((await run(overlapQuestion())).rows.length).toBeGreaterThan(0);
    });
  });
});

function sizingQuestionWithAttribute(attribute: string): Question {
  return { ...sizingQuestion(null), parameters: { attribute, values: null } };
}

/** Exposures and conversions of one person, 200,000 each: the attribution join has 4·10^10 rows. */
async function writeEndlessJoin(): Promise<Question> {
  const rows = 200_000;
  await queryDuckDb(
    `COPY (SELECT 'x' AS email_sha256, 'C' || (i % 3) AS campaign_id, TIMESTAMP '2024-01-01' + to_seconds(i) AS exposure_at, 'web' AS channel FROM range(${rows}) t(i)) TO '${sandbox.file('endless-exposures.parquet')}' (FORMAT parquet)`,
  );
  await queryDuckDb(
    `COPY (SELECT 'x' AS email_sha256, TIMESTAMP '2024-01-05' + to_seconds(i) AS conversion_at, 1.0 AS conversion_value FROM range(${rows}) t(i)) TO '${sandbox.file('endless-conversions.parquet')}' (FORMAT parquet)`,
  );

  return {
    template: 'attribution',
    parameters: {
      model: 'linear',
      lookback_days: 90,
      date_start: '2024-01-01',
      date_end: '2024-12-31',
    },
    datasets: [
      { ...data.datasets.exposures, location: sandbox.file('endless-exposures.parquet') },
      { ...data.datasets.conversions, location: sandbox.file('endless-conversions.parquet') },
    ],
  };
}
