import { formatFigureValue } from '../lib/report.ts';
import type { MeasuredRound } from '../lib/rounds.ts';
import type { CpuLayout } from '../lib/types.ts';
import type { ImportResponse } from './csv-import-child.ts';

/** Placement of the importing child: its CPUs and DuckDB thread count. */
export interface ImportSetup {
  label: string;
  cpus: (layout: CpuLayout) => string;
  threads: number;
  /** The gated setup also imports the large file. */
  gated: boolean;
}

export interface ImportRound {
  response: ImportResponse;
  maxRssBytes: number;
  vmHwmBytes: number | null;
  cpusAllowed: string | null;
}

export interface CsvFile {
  label: string;
  path: string;
  rowCount: number;
  sizeBytes: number;
}

export interface LargeFilePlan {
  rowCount: number;
  /** Reason for this size, shown in the report. */
  reason: string;
}

export interface SetupRounds {
  setup: ImportSetup;
  rounds: MeasuredRound<ImportRound>[];
}

export function rowRate(round: ImportRound): number {
  return round.response.rowCount / (round.response.durationMs / 1000);
}

export function formatMegabytes(bytes: number): string {
  return formatFigureValue(bytes / (1024 * 1024), 'MB');
}
