import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';
import {
  categoryTicks,
  formatMeasure,
  toChartData,
  type ChartData,
  type ChartPanel,
} from './result-chart-data.ts';

const SERIES_COLORS = ['#0f6e6e', '#c2410c', '#4338ca', '#15803d', '#a21caf'];
const PANEL_HEIGHT_PX = 240;
/** Width (CSS px) of the y-axis with its title. The x-axis labels share the rest of the chart's width. */
const Y_AXIS_WIDTH_PX = 80;
/** Horizontal room (CSS px) one category label needs before labels skip categories. */
const MIN_LABEL_SPACING_PX = 64;
/** Category labels longer than this many characters are drawn slanted, so neighbours do not overlap. */
const SLANT_LABEL_CHARACTERS = 8;

/**
 * Keeps zero on the axis of counts, shares and amounts, so heights compare
 * honestly, while an index axis fits its values. Equal values still get a
 * span, because uPlot cannot draw an axis from a value to itself.
 */
function valueRange(panel: ChartPanel): uPlot.Scale.Range {
  return (_plot, min, max) => {
    const span = max - min || Math.abs(max) || 1;
    const low = panel.unit === 'index' ? min - span * 0.1 : Math.min(0, min);
    return [low, max + span * 0.1];
  };
}

function categoryAxis(data: ChartData): uPlot.Axis {
  const slanted = data.categories.some((label) => label.length > SLANT_LABEL_CHARACTERS);
  return {
    label: data.categoryName,
    splits: (plot) =>
      categoryTicks(data.categories.length, plot.width - Y_AXIS_WIDTH_PX, MIN_LABEL_SPACING_PX),
    values: (_plot, splits) => splits.map((index) => data.categories[index] ?? ''),
    rotate: slanted ? -30 : 0,
    size: slanted ? 80 : 40,
    grid: { show: false },
  };
}

function buildOptions(data: ChartData, panel: ChartPanel, width: number): uPlot.Options {
  const count = data.categories.length;
  return {
    width,
    height: PANEL_HEIGHT_PX,
    scales: {
      x: { time: false, range: [-0.5, count - 0.5] },
      y: { range: valueRange(panel) },
    },
    axes: [
      categoryAxis(data),
      {
        label: panel.axisLabel,
        size: Y_AXIS_WIDTH_PX - 20,
        values: (_plot, splits) => splits.map((value) => formatMeasure(panel.unit, value)),
      },
    ],
    series: [
      {
        label: data.categoryName,
        value: (_plot, index) => (index === null ? '' : (data.categories[index] ?? '')),
      },
      ...panel.series.map((series, index) => ({
        label: series.name,
        stroke: SERIES_COLORS[index % SERIES_COLORS.length],
        width: 2,
        points: { show: true },
        value: (_plot: uPlot, value: number | null) =>
          value === null ? '' : formatMeasure(panel.unit, value),
      })),
    ],
  };
}

function PanelChart({ data, panel }: { data: ChartData; panel: ChartPanel }) {
  const containerRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;

    const aligned: uPlot.AlignedData = [
      data.categories.map((_label, index) => index),
      ...panel.series.map((series) => series.values),
    ];
    const plot = new uPlot(buildOptions(data, panel, container.clientWidth), aligned, container);
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: container.clientWidth, height: PANEL_HEIGHT_PX }),
    );
    observer.observe(container);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [data, panel]);

  const names = panel.series.map((series) => series.name).join(', ');
  return (
    <div
      ref={containerRef}
      className="result-chart"
      data-unit={panel.unit}
      role="img"
      aria-label={`${panel.axisLabel} by ${data.categoryName}: ${names}`}
    />
  );
}

/**
 * Draws a run's result with uPlot: one chart per unit of measure (counts,
 * shares, index, amounts), each with its own y-axis, over the result's
 * categories. Each chart resizes with its container.
 */
export default function ResultChart({ result }: { result: QuestionRunResult }) {
  const data = useMemo(() => toChartData(result), [result]);
  if (data.categories.length === 0) return null;
  return (
    <div className="result-charts">
      {data.panels.map((panel) => (
        <PanelChart key={panel.unit} data={data} panel={panel} />
      ))}
    </div>
  );
}
