import type { PinningSupport } from './child-runner.ts';
import type { MachineContext } from './machine-context.ts';

/** A figure's target: the measured value must be `comparison` `value`, in the figure's unit. */
export interface FigureTarget {
  comparison: '<=' | '>=';
  value: number;
}

/** One measured number of a scenario, as the summary table shows it. */
export interface Figure {
  name: string;
  value: number;
  /** Unit of `value` and of the target: 'rows/s', 'x' (a ratio), 'MB', 's' or 'ms'. */
  unit: string;
  /** Null for figures reported for context only, such as the absolute times behind a ratio. */
  target: FigureTarget | null;
  /** Target of the original platform's plan for the same figure, where it had one. */
  originalPlanTarget?: string;
  /** Set when a round still saw too much foreign CPU after every retry. */
  noisy: boolean;
}

export type FigureStatus = 'met' | 'not met' | 'noisy' | 'no target';

export interface ReportTable {
  title: string;
  columns: string[];
  rows: string[][];
}

/** Scenario output for the report: figures, a description of the setup and per-round data. */
export interface ScenarioReport {
  figures: Figure[];
  /** Markdown paragraphs or list items on setup, sizes, pinning and checks. */
  details: string[];
  tables: ReportTable[];
}

/** CPU lists for pinning children: the server role on one core, load on the other. */
export interface CpuLayout {
  server: string;
  load: string;
  all: string;
}

export interface ScenarioContext {
  smoke: boolean;
  /** Fresh directory for this scenario's files, deleted by the runner afterwards. */
  workDirectory: string;
  cpuLayout: CpuLayout;
  pinning: PinningSupport;
  machine: MachineContext;
  progress: (message: string) => void;
}

/**
 * A benchmark scenario. Add a new one by exporting an object of this shape
 * from `bench/scenarios/` and listing it in the registry in `bench/run.ts`.
 */
export interface BenchScenario {
  name: string;
  description: string;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}
