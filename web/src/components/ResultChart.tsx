import { useEffect, useMemo, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { QuestionRunResult } from '../../../src/domain/runs/question-run.ts';
import {
  AXIS_METRICS,
  categoryAxisSize,
  categoryTicks,
  formatMeasure,
  toChartData,
  valueAxisSize,
  type ChartData,
  type ChartPanel,
} from './result-chart-data.ts';

const SERIES_COLORS = ['#0f6e6e', '#c2410c', '#4338ca', '#15803d', '#a21caf'];
/**
 * Height (CSS px) of the plot area. The chart adds the x-axis below it, so
 * slanted category labels do not squeeze the plot, and the longest y-axis
 * title stays inside the canvas: "Index (100 = average)" measures 151 px in
 * bold 12 px system-ui in Debian's Chromium.
 */
const PLOT_HEIGHT_PX = 180;
const TICK_FONT = `${AXIS_METRICS.fontPx}px system-ui, sans-serif`;
const TITLE_FONT = `bold ${TICK_FONT}`;
/** Room (CSS px) for an axis title: one line of bold text and a small margin to the canvas edge. */
const TITLE_SIZE_PX = 22;
/** Horizontal room (CSS px) one category label needs before labels skip categories. */
const MIN_LABEL_SPACING_PX = 64;
/** Category labels longer than this many characters are drawn slanted, so neighbours do not overlap. */
const SLANT_LABEL_CHARACTERS = 8;
const SLANT_DEGREES = -30;

let measureContext: CanvasRenderingContext2D | null = null;

/** Measures texts (CSS px) in the font the axes draw them with. */
function textWidths(texts: readonly string[]): number[] {
  measureContext ??= document.createElement('canvas').getContext('2d');
  const context = measureContext;
  // Without a 2D context, one font size per character overestimates every width, which is safe.
  if (context === null) return texts.map((text) => text.length * AXIS_METRICS.fontPx);

  context.font = TICK_FONT;
  return texts.map((text) => context.measureText(text).width);
}

/** Shared look of both axes, which the axis sizes in result-chart-data.ts assume. */
const AXIS_STYLE = {
  font: TICK_FONT,
  labelFont: TITLE_FONT,
  labelSize: TITLE_SIZE_PX,
  gap: AXIS_METRICS.tickGapPx,
  ticks: { size: AXIS_METRICS.tickPx },
} satisfies uPlot.Axis;

/** uPlot calls an axis size function with null labels before it has computed any ticks. */
function drawnLabels(values: string[] | null): string[] {
  return values ?? [];
}

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

function labelRotation(data: ChartData): number {
  const slanted = data.categories.some((label) => label.length > SLANT_LABEL_CHARACTERS);
  return slanted ? SLANT_DEGREES : 0;
}

/** Sizes the chart for the plot area and an x-axis that fits every category label, drawn or not. */
function chartHeight(data: ChartData): number {
  const axisSize = categoryAxisSize(textWidths(data.categories), labelRotation(data));
  return PLOT_HEIGHT_PX + axisSize + TITLE_SIZE_PX;
}

function categoryAxis(data: ChartData): uPlot.Axis {
  const rotate = labelRotation(data);
  return {
    ...AXIS_STYLE,
    label: data.categoryName,
    // The plot area's width, which uPlot recomputes after it has sized the y-axis.
    splits: (plot) =>
      categoryTicks(data.categories.length, plot.bbox.width / uPlot.pxRatio, MIN_LABEL_SPACING_PX),
    values: (_plot, splits) => splits.map((index) => data.categories[index] ?? ''),
    rotate,
    size: (_plot, values) => categoryAxisSize(textWidths(drawnLabels(values)), rotate),
    grid: { show: false },
  };
}

function valueAxis(panel: ChartPanel): uPlot.Axis {
  return {
    ...AXIS_STYLE,
    label: panel.axisLabel,
    values: (_plot, splits) => splits.map((value) => formatMeasure(panel.unit, value)),
    size: (_plot, values) => valueAxisSize(textWidths(drawnLabels(values))),
  };
}

function buildOptions(
  data: ChartData,
  panel: ChartPanel,
  size: { width: number; height: number },
): uPlot.Options {
  const count = data.categories.length;
  return {
    ...size,
    scales: {
      x: { time: false, range: [-0.5, count - 0.5] },
      y: { range: valueRange(panel) },
    },
    axes: [categoryAxis(data), valueAxis(panel)],
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
    const height = chartHeight(data);
    const options = buildOptions(data, panel, { width: container.clientWidth, height });
    const plot = new uPlot(options, aligned, container);
    const observer = new ResizeObserver(() =>
      plot.setSize({ width: container.clientWidth, height }),
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
