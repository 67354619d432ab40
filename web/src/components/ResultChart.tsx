import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';

const SERIES_COLORS = ['#0f6e6e', '#c2410c', '#4338ca', '#15803d', '#a21caf'];
const CHART_HEIGHT_PX = 280;

interface ChartData {
  labels: string[];
  series: { name: string; values: (number | null)[] }[];
}

/**
 * Picks the chart's axes from a result: the first text or date column names
 * the points (an attribute value, a campaign, a frequency bucket) and every
 * numeric column becomes a series. Overlap, reach and frequency, and
 * attribution results all have that shape.
 */
export function toChartData(result: QuestionRunResult): ChartData {
  const labelIndex = result.columns.findIndex(
    (column) => column.dataType === 'STRING' || column.dataType === 'DATE',
  );
  const numericIndexes = result.columns
    .map((column, index) => ({ column, index }))
    .filter(
      ({ column, index }) =>
        index !== labelIndex && (column.dataType === 'INTEGER' || column.dataType === 'DOUBLE'),
    );
  return {
    labels: result.rows.map((row, rowIndex) =>
      labelIndex === -1 ? String(rowIndex + 1) : String(row[labelIndex] ?? ''),
    ),
    series: numericIndexes.map(({ column, index }) => ({
      name: column.name,
      values: result.rows.map((row) => (typeof row[index] === 'number' ? row[index] : null)),
    })),
  };
}

function buildOptions(data: ChartData, width: number): uPlot.Options {
  return {
    width,
    height: CHART_HEIGHT_PX,
    scales: { x: { time: false } },
    axes: [
      { values: (_plot, ticks) => ticks.map((tick) => data.labels[Math.round(tick)] ?? '') },
      {},
    ],
    series: [
      { label: 'Row' },
      ...data.series.map((series, index) => ({
        label: series.name,
        stroke: SERIES_COLORS[index % SERIES_COLORS.length],
        width: 2,
        points: { show: true },
      })),
    ],
  };
}

/** Draws a run's result as a uPlot chart, one line per numeric column, resized with its container. */
export default function ResultChart({ result }: { result: QuestionRunResult }) {
  const containerRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const data = toChartData(result);
    if (data.series.length === 0 || data.labels.length === 0) return;

    const aligned: uPlot.AlignedData = [
      data.labels.map((_label, index) => index),
      ...data.series.map((series) => series.values),
    ];
    const plot = new uPlot(buildOptions(data, container.clientWidth), aligned, container);
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: container.clientWidth, height: CHART_HEIGHT_PX }),
    );
    observer.observe(container);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [result]);

  return (
    <div ref={containerRef} className="result-chart" role="img" aria-label="Chart of the result" />
  );
}
