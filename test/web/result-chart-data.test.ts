import { describe, expect, it } from 'vitest';
import type { QuestionRunResult } from '../../src/domain/runs/question-run.ts';
import {
  AXIS_METRICS,
  categoryAxisSize,
  categoryTicks,
  formatMeasure,
  measureUnitOf,
  toChartData,
  valueAxisSize,
} from '../../web/src/components/result-chart-data.ts';

function resultOf(
  columns: QuestionRunResult['columns'],
  rows: QuestionRunResult['rows'],
): QuestionRunResult {
  return {
    runId: '0b0f8a52-3c1e-4a59-9a43-2f6c1d7e8b90',
    columns,
    rows,
    rowCount: rows.length,
    suppressedRowCount: 0,
    noiseApplied: false,
    privacy: { crowdSize: 50, noise: { enabled: false, scale: 0 } },
    unmatchedValues: null,
    offset: 0,
    nextCursor: null,
  };
}

const overlap = resultOf(
  [
    { name: 'attribute_value', dataType: 'STRING' },
    { name: 'overlap_count', dataType: 'INTEGER' },
    { name: 'partner_count', dataType: 'INTEGER' },
    { name: 'overlap_rate', dataType: 'DOUBLE' },
    { name: 'index', dataType: 'DOUBLE' },
  ],
  [
    ['18-24', 120, 900, 0.1333, 95.1],
    ['25-34', 300, 1500, 0.2, 142.7],
  ],
);

const reachFrequency = resultOf(
  [
    { name: 'campaign_id', dataType: 'STRING' },
    { name: 'frequency_bucket', dataType: 'STRING' },
    { name: 'reach', dataType: 'INTEGER' },
    { name: 'impressions', dataType: 'INTEGER' },
  ],
  [
    ['c1', '1', 500, 500],
    ['c1', '2', 200, 400],
    ['c1', 'ALL', 700, 900],
    ['c2', '1', 300, 300],
  ],
);

describe('result chart data', () => {
  it('puts each unit of measure in its own panel', () => {
    const panels = toChartData(overlap).panels.map((panel) => ({
      unit: panel.unit,
      series: panel.series.map((series) => series.name),
    }));

    expect(panels).toEqual([
      { unit: 'count', series: ['overlap_count', 'partner_count'] },
      { unit: 'share', series: ['overlap_rate'] },
      { unit: 'index', series: ['index'] },
    ]);
  });

  it('names categories by every dimension', () => {
    const data = toChartData(reachFrequency);

    expect(data.categoryName).toBe('campaign_id · frequency_bucket');
    expect(data.categories).toEqual(['c1 · 1', 'c1 · 2', 'c1 · ALL', 'c2 · 1']);
  });

  it('numbers categories that would repeat', () => {
    const repeated = resultOf(
      [
        { name: 'row_type', dataType: 'STRING' },
        { name: 'matched_count', dataType: 'INTEGER' },
      ],
      [
        ['SEGMENT', 10],
        ['SEGMENT', 20],
        [null, 30],
      ],
    );

    expect(toChartData(repeated).categories).toEqual(['SEGMENT', 'SEGMENT (2)', 'Row 3']);
  });

  it('judges units by column name', () => {
    const cases: Record<string, string> = {
      overlap_count: 'count',
      reach: 'count',
      attributed_conversions: 'count',
      overlap_rate: 'share',
      index: 'index',
      attributed_value: 'amount',
    };
    for (const [name, unit] of Object.entries(cases)) expect(measureUnitOf(name), name).toBe(unit);
  });

  it('places each category tick once at whole positions', () => {
    expect(categoryTicks(6, 1000, 64)).toEqual([0, 1, 2, 3, 4, 5]);

    const crowded = categoryTicks(40, 300, 64);
    expect(crowded.length).toBeLessThanOrEqual(Math.floor(300 / 64));
    expect(new Set(crowded).size).toBe(crowded.length);
    for (const tick of crowded) expect(Number.isInteger(tick)).toBe(true);
    expect(categoryTicks(0, 1000, 64)).toEqual([]);
  });

  it('widens the y-axis with its widest label', () => {
    const ticksAndGaps = AXIS_METRICS.tickPx + AXIS_METRICS.tickGapPx + AXIS_METRICS.titleGapPx;

    expect(valueAxisSize([20, 64.2, 31])).toBe(Math.ceil(ticksAndGaps + 64.2));
    expect(valueAxisSize([120])).toBeGreaterThan(valueAxisSize([60]));
    expect(valueAxisSize([])).toBe(ticksAndGaps);
  });

  it('sizes the x-axis for level labels by their height', () => {
    const levelHeight = categoryAxisSize([40, 300], 0);

    expect(levelHeight).toBe(categoryAxisSize([10], 0));
    expect(levelHeight).toBeGreaterThan(
      AXIS_METRICS.tickPx + AXIS_METRICS.tickGapPx + AXIS_METRICS.fontPx,
    );
  });

  it('sizes the x-axis for slanted labels by their width', () => {
    const short = categoryAxisSize([60], -30);
    const long = categoryAxisSize([60, 200], -30);

    // A label slanted by 30 degrees reaches down half its width.
    expect(long - short).toBeGreaterThanOrEqual(69);
    expect(long - short).toBeLessThanOrEqual(71);
    expect(categoryAxisSize([200], 30)).toBe(long);
  });

  it('formats shares as percentages', () => {
    expect(formatMeasure('share', 0.25)).toBe('25%');
    expect(formatMeasure('count', 1200)).toBe((1200).toLocaleString());
  });
});
