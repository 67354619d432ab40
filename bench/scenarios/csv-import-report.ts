import { formatFigureValue } from '../lib/report.ts';
import { median, type MeasuredRound } from '../lib/rounds.ts';
import type { Figure, ReportTable, ScenarioContext, ScenarioReport } from '../lib/types.ts';
import {
  formatMegabytes,
  rowRate,
  type CsvFile,
  type ImportRound,
  type ImportSetup,
  type LargeFilePlan,
  type SetupRounds,
} from './csv-import-model.ts';

const targetRowsPerSecond = 500_000;
/** Peak RSS of the large import may exceed the small one's by this factor at most. */
const maxPeakRssGrowth = 1.5;

export interface CsvImportMeasurements {
  small: CsvFile;
  smallRounds: SetupRounds[];
  large: CsvFile;
  largeRound: MeasuredRound<ImportRound>;
  largePlan: LargeFilePlan;
}

export function buildCsvImportReport(
  context: ScenarioContext,
  measured: CsvImportMeasurements,
): ScenarioReport {
  const gated = !context.smoke;
  return {
    figures: [
      ...measured.smallRounds.flatMap((entry) => setupFigures(entry, measured.small, gated)),
      ...largeFileFigures(measured, gated),
    ],
    details: [
      `Small file: ${measured.small.label}, ${formatMegabytes(measured.small.sizeBytes)}. Large file: ${measured.large.label}, ${formatMegabytes(measured.large.sizeBytes)}, sized ${measured.largePlan.reason}.`,
      'Each import runs in a fresh child pinned with taskset (the CPUs column is Cpus_allowed_list of the child). The setups alternate import by import. The rate is rows / wall time of importCsv alone, without process and engine start-up.',
      'Every import must report all rows valid; otherwise the scenario fails.',
      `Targets: at least ${targetRowsPerSecond.toLocaleString('en-US')} rows/s with the whole machine; memory bounded, read here as peak RSS of the large import at most ${maxPeakRssGrowth}x that of the small one in the same setup.`,
    ],
    tables: [importsTable(measured)],
  };
}

function setupFigures(entry: SetupRounds, small: CsvFile, gated: boolean): Figure[] {
  const noisy = entry.rounds.some((round) => round.noisy);
  const peakRss = Math.max(...entry.rounds.map((round) => round.value.maxRssBytes));
  return [
    {
      name: `import rate, ${small.label}, ${entry.setup.label} (median)`,
      value: median(entry.rounds.map((round) => rowRate(round.value))),
      unit: 'rows/s',
      target: gated && entry.setup.gated ? { comparison: '>=', value: targetRowsPerSecond } : null,
      noisy,
    },
    {
      name: `peak RSS, ${small.label} (${formatMegabytes(small.sizeBytes)}), ${entry.setup.label}`,
      value: peakRss / (1024 * 1024),
      unit: 'MB',
      target: null,
      noisy,
    },
  ];
}

function largeFileFigures(measured: CsvImportMeasurements, gated: boolean): Figure[] {
  const gatedEntry = measured.smallRounds.find((entry) => entry.setup.gated);
  const smallPeakRss = Math.max(
    ...(gatedEntry?.rounds ?? []).map((round) => round.value.maxRssBytes),
  );
  const largePeakRss = measured.largeRound.value.maxRssBytes;
  const setup = gatedEntry?.setup.label ?? 'unknown setup';
  return [
    {
      name: `peak RSS, ${measured.large.label} (${formatMegabytes(measured.large.sizeBytes)}), ${setup}`,
      value: largePeakRss / (1024 * 1024),
      unit: 'MB',
      target: null,
      noisy: measured.largeRound.noisy,
    },
    {
      name: 'peak RSS growth, large file / small file',
      value: largePeakRss / smallPeakRss,
      unit: 'x',
      target: gated ? { comparison: '<=', value: maxPeakRssGrowth } : null,
      noisy: false,
    },
    {
      name: `import rate, ${measured.large.label}, ${setup}`,
      value: rowRate(measured.largeRound.value),
      unit: 'rows/s',
      target: null,
      noisy: measured.largeRound.noisy,
    },
  ];
}

function importsTable(measured: CsvImportMeasurements): ReportTable {
  const rows = measured.smallRounds.flatMap((entry) =>
    entry.rounds.map((round, index) =>
      importRow(`${index + 1}`, measured.small, entry.setup, round),
    ),
  );
  const largeSetup = measured.smallRounds.find((entry) => entry.setup.gated)?.setup;
  if (largeSetup !== undefined) {
    rows.push(importRow('large', measured.large, largeSetup, measured.largeRound));
  }
  return {
    title: 'Imports',
    columns: [
      'Round',
      'Setup',
      'CPUs',
      'File',
      'Rows',
      'Time',
      'Rows/s',
      'Parquet',
      'Peak RSS (maxRSS)',
      'VmHWM',
      'Foreign CPU',
      'Attempts',
    ],
    rows,
  };
}

function importRow(
  label: string,
  file: CsvFile,
  setup: ImportSetup,
  round: MeasuredRound<ImportRound>,
): string[] {
  const { value } = round;
  return [
    label,
    setup.label,
    value.cpusAllowed ?? 'unknown',
    formatMegabytes(file.sizeBytes),
    file.rowCount.toLocaleString('en-US'),
    formatFigureValue(value.response.durationMs / 1000, 's'),
    formatFigureValue(rowRate(value), 'rows/s'),
    formatMegabytes(value.response.sizeBytes),
    formatMegabytes(value.maxRssBytes),
    value.vmHwmBytes === null ? 'unreadable' : formatMegabytes(value.vmHwmBytes),
    `${(round.foreignCpuShare * 100).toFixed(1)}%${round.noisy ? ' (noisy)' : ''}`,
    String(round.attempts),
  ];
}
