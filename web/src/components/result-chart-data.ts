import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';

/**
 * Unit of a measure, judged from its column name: a count of people or
 * events, a share between 0 and 1 (overlap_rate), an index where 100 is
 * average, or an amount such as attributed_value. Each unit gets its own
 * chart and y-axis, because an index of 120 beside a share of 0.3 on one
 * axis flattens the share into the floor.
 */
export type MeasureUnit = 'count' | 'share' | 'index' | 'amount';

export interface ChartSeries {
  name: string;
  values: (number | null)[];
}

/** One chart: the measures of one unit, drawn against the shared categories. */
export interface ChartPanel {
  unit: MeasureUnit;
  /** Y-axis title, such as "Share (%)". */
  axisLabel: string;
  series: ChartSeries[];
}

export interface ChartData {
  /** Name of the x-axis: the dimension columns joined, such as "campaign_id · frequency_bucket". */
  categoryName: string;
  /** One label per result row, each distinct. */
  categories: string[];
  panels: ChartPanel[];
}

const UNIT_ORDER: readonly MeasureUnit[] = ['count', 'share', 'index', 'amount'];

const AXIS_LABELS: Record<MeasureUnit, string> = {
  count: 'Count',
  share: 'Share (%)',
  index: 'Index (100 = average)',
  amount: 'Value',
};

/** Separator between the values of several dimension columns in one category label. */
const PART_SEPARATOR = ' · ';

export function measureUnitOf(columnName: string): MeasureUnit {
  const name = columnName.toLowerCase();
  if (/(^|_)(rate|share|ratio|pct|percent)$/.test(name)) return 'share';
  if (/(^|_)index$/.test(name)) return 'index';
  if (/(^|_)(value|amount|revenue|spend)$/.test(name)) return 'amount';
  return 'count';
}

function isDimension(column: QuestionRunResult['columns'][number]): boolean {
  return column.dataType === 'STRING' || column.dataType === 'DATE';
}

/**
 * Builds each row's category from all its dimension columns, so rows that
 * share a first dimension (campaign c1 with frequency 1, 2 and 3) keep
 * distinct labels. A label that still repeats gets a running number.
 */
function categoryLabels(result: QuestionRunResult, dimensionIndexes: number[]): string[] {
  const seen = new Map<string, number>();
  return result.rows.map((row, rowIndex) => {
    const parts = dimensionIndexes
      .map((index) => row[index])
      .filter((value) => value !== null && value !== '')
      .map(String);
    const label = parts.length > 0 ? parts.join(PART_SEPARATOR) : `Row ${rowIndex + 1}`;
    const count = (seen.get(label) ?? 0) + 1;
    seen.set(label, count);
    return count === 1 ? label : `${label} (${count})`;
  });
}

/**
 * Picks the chart's axes from a result: the text and date columns name the
 * categories on the x-axis, and the numeric columns become series, grouped
 * into one panel per unit. Overlap, reach and frequency, attribution and
 * segment sizing results all have that shape.
 */
export function toChartData(result: QuestionRunResult): ChartData {
  const indexed = result.columns.map((column, index) => ({ column, index }));
  const dimensions = indexed.filter(({ column }) => isDimension(column));
  const measures = indexed.filter(({ column }) => !isDimension(column));

  const panels = UNIT_ORDER.map((unit) => ({
    unit,
    axisLabel: AXIS_LABELS[unit],
    series: measures
      .filter(({ column }) => measureUnitOf(column.name) === unit)
      .map(({ column, index }) => ({
        name: column.name,
        values: result.rows.map((row) => {
          const value = row[index];
          return typeof value === 'number' ? value : null;
        }),
      })),
  })).filter((panel) => panel.series.length > 0);

  return {
    categoryName: dimensions.map(({ column }) => column.name).join(PART_SEPARATOR) || 'row',
    categories: categoryLabels(
      result,
      dimensions.map(({ index }) => index),
    ),
    panels,
  };
}

/**
 * Returns the category indexes that get an x-axis label: every one when
 * they fit, else every n-th, so labels never overlap. Each index appears
 * once, and always as a whole number, because uPlot's own tick steps
 * (0.5, 0.25) would round to the same category and repeat its label.
 */
export function categoryTicks(
  categoryCount: number,
  plotWidthPx: number,
  minLabelSpacingPx: number,
): number[] {
  if (categoryCount <= 0) return [];
  const fitting = Math.max(1, Math.floor(plotWidthPx / minLabelSpacingPx));
  const step = Math.ceil(categoryCount / fitting);
  const ticks: number[] = [];
  for (let index = 0; index < categoryCount; index += step) ticks.push(index);
  return ticks;
}

/** Formats a y-axis value of the unit: shares as percentages, the rest as locale numbers. */
export function formatMeasure(unit: MeasureUnit, value: number): string {
  if (unit === 'share')
    return `${(value * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })}%`;
  return value.toLocaleString(undefined, { maximumFractionDigits: 2 });
}

/** Lengths (CSS px) the charts draw their axes with. The axis sizes below add them up. */
export const AXIS_METRICS = {
  /** Length of a tick mark. */
  tickPx: 10,
  /** Space between a tick mark and its label. */
  tickGapPx: 5,
  /** Font size of tick labels and axis titles. */
  fontPx: 12,
  /** Height of one line of text in the canvas, as a multiple of the font size. */
  lineHeight: 1.2,
  /** Space kept between the farthest edge of a tick label and the axis title. */
  titleGapPx: 6,
} as const;

/**
 * Returns the width (CSS px) of a y-axis's tick area: tick, gap and the
 * widest tick label, plus a gap. uPlot draws the axis title beside that area,
 * so the title never covers a tick label however wide the labels get.
 */
export function valueAxisSize(labelWidthsPx: readonly number[]): number {
  const widest = Math.max(0, ...labelWidthsPx);
  return Math.ceil(AXIS_METRICS.tickPx + AXIS_METRICS.tickGapPx + widest + AXIS_METRICS.titleGapPx);
}

/**
 * Returns the height (CSS px) of the x-axis's tick area, below which uPlot
 * draws the axis title. A label slanted by an angle reaches down by its width
 * times the sine of the angle, plus half its own height, because uPlot
 * anchors a slanted label at the vertical middle of one end.
 */
export function categoryAxisSize(labelWidthsPx: readonly number[], rotateDeg: number): number {
  const widest = Math.max(0, ...labelWidthsPx);
  const angle = (Math.abs(rotateDeg) * Math.PI) / 180;
  const textHeight = AXIS_METRICS.fontPx * AXIS_METRICS.lineHeight;
  const reach =
    angle === 0 ? textHeight : widest * Math.sin(angle) + (textHeight / 2) * Math.cos(angle);
  return Math.ceil(AXIS_METRICS.tickPx + AXIS_METRICS.tickGapPx + reach + AXIS_METRICS.titleGapPx);
}
