import { randomBytes } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PinningSupport } from './child-runner.ts';
import type { MachineContext } from './machine-context.ts';
import { maxAttemptsPerRound, maxForeignCpuShare } from './rounds.ts';
import type { CpuLayout, Figure, FigureStatus, ReportTable, ScenarioReport } from './types.ts';

export interface ScenarioOutcome {
  name: string;
  description: string;
  /** Null when the scenario failed, and `error` then contains the reason. */
  report: ScenarioReport | null;
  error: string | null;
  durationMs: number;
}

export interface BenchRun {
  command: string;
  smoke: boolean;
  machine: MachineContext;
  loadAverageAtEnd: number[];
  pinning: PinningSupport;
  cpuLayout: CpuLayout;
  durationMs: number;
  outcomes: ScenarioOutcome[];
}

export function computeFigureStatus(figure: Figure): FigureStatus {
  if (figure.noisy) return 'noisy';
  return compareWithTarget(figure);
}

/**
 * Formats the status for the summary. A noisy figure also shows how it
 * compared with its target, so that noise does not hide a clear miss.
 */
export function formatFigureStatus(figure: Figure): string {
  const comparison = compareWithTarget(figure);
  if (!figure.noisy) return comparison;
  return comparison === 'no target' ? 'noisy' : `noisy (${comparison})`;
}

function compareWithTarget(figure: Figure): FigureStatus {
  if (figure.target === null) return 'no target';
  const { comparison, value } = figure.target;
  const met = comparison === '<=' ? figure.value <= value : figure.value >= value;
  return met ? 'met' : 'not met';
}

export function formatFigureValue(value: number, unit: string): string {
  switch (unit) {
    case 'x':
      return `${value.toFixed(2)}x`;
    case 'rows/s':
      return `${Math.round(value).toLocaleString('en-US')} rows/s`;
    case 'MB':
      return `${value.toFixed(0)} MB`;
    case 's':
      return `${value.toFixed(1)} s`;
    case 'ms':
      return `${value.toFixed(1)} ms`;
    default:
      return `${value} ${unit}`;
  }
}

/** Writes the report under a temporary name and renames it, so readers never see half a file. */
export async function writeReportFile(path: string, markdown: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporaryPath = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporaryPath, markdown);
  await rename(temporaryPath, path);
}

export function renderReport(run: BenchRun): string {
  const sections = [
    renderHeader(run),
    renderMachine(run),
    renderSummary(run),
    renderMethod(run),
    ...run.outcomes.map(renderScenario),
  ];
  return `${sections.join('\n\n')}\n`;
}

function renderHeader(run: BenchRun): string {
  const kind = run.smoke
    ? 'a smoke run (tiny sizes, one round, no gates): its figures only show that the bench works'
    : 'a full run';
  return [
    '# Benchmarks',
    '',
    `Written by \`${run.command}\`, ${kind}, on ${run.machine.startedAt}.`,
    'Rerun it to refresh this page; the numbers below hold for the machine and commit listed here.',
  ].join('\n');
}

function renderMachine(run: BenchRun): string {
  const { machine } = run;
  const packages = Object.entries(machine.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const pinning = run.pinning.available
    ? `\`taskset -c\`: server role on CPU ${run.cpuLayout.server}, load on CPU ${run.cpuLayout.load}`
    : (run.pinning.note ?? 'unpinned');
  return renderTable({
    title: 'Machine and run',
    columns: ['Item', 'Value'],
    rows: [
      ['Date', machine.startedAt],
      ['Command', `\`${run.command}\``],
      ['Commit', machine.commit],
      ['CPU', `${machine.cpuModel}, nproc ${machine.cpuCount}`],
      ['Memory', `${machine.totalMemoryMb} MB`],
      ['Kernel', machine.kernel],
      ['Node', machine.nodeVersion],
      ['Packages', packages],
      ['Load average (1, 5, 15 min) at start', machine.loadAverageAtStart.join(', ')],
      ['Load average (1, 5, 15 min) at end', run.loadAverageAtEnd.join(', ')],
      ['CPU pinning', pinning],
      ['Duration', formatDuration(run.durationMs)],
    ],
  });
}

function renderSummary(run: BenchRun): string {
  const rows: string[][] = [];
  for (const outcome of run.outcomes) {
    if (outcome.report === null) {
      rows.push([`${outcome.name}: scenario failed`, '-', '-', '-', 'failed']);
      continue;
    }
    for (const figure of outcome.report.figures) {
      rows.push([
        `${outcome.name}: ${figure.name}`,
        formatFigureValue(figure.value, figure.unit),
        figure.target === null
          ? '-'
          : `${figure.target.comparison} ${formatFigureValue(figure.target.value, figure.unit)}`,
        figure.originalPlanTarget ?? '-',
        formatFigureStatus(figure),
      ]);
    }
  }
  return renderTable({
    title: 'Summary',
    columns: ['Figure', 'Measured', 'Target', "Original plan's target", 'Status'],
    rows,
  });
}

function renderMethod(run: BenchRun): string {
  return [
    '## Method',
    '',
    '- Ratios come from the same run: baseline and candidate alternate (baseline, candidate, baseline, ...) and the figure is the median of the per-round ratios. Absolute numbers are shown beside them and are not gated.',
    `- Measured code runs in fresh child processes (\`node --import tsx\`), pinned with \`taskset\` where available, started for the scenario and stopped after it.`,
    `- Each round reads /proc/stat and the CPU time of the bench's own process tree before and after. A round in which other programs used more than ${(maxForeignCpuShare * 100).toFixed(1)}% of the machine is repeated, and after ${maxAttemptsPerRound} attempts its figure is marked noisy.`,
    '- Peak RSS is the maximum resident set size the child reported (`process.resourceUsage().maxRSS`), cross-checked with VmHWM from /proc/<pid>/status read just before it exited.',
    run.smoke
      ? '- Smoke run: sizes are tiny and statuses are not gated.'
      : '- A figure marked "not met" makes `npm run bench` exit with status 1. A noisy figure does not, and its status shows in brackets how it compared with the target anyway.',
  ].join('\n');
}

function renderScenario(outcome: ScenarioOutcome): string {
  const lines = [`## ${outcome.name}`, '', outcome.description, ''];
  if (outcome.report === null) {
    lines.push('**Failed:**', '', '```', outcome.error ?? 'unknown error', '```');
    return lines.join('\n');
  }
  lines.push(...outcome.report.details.map((detail) => `- ${detail}`));
  lines.push(`- Scenario duration: ${formatDuration(outcome.durationMs)}.`);
  for (const table of outcome.report.tables) lines.push('', renderTable(table, '###'));
  return lines.join('\n');
}

function renderTable(table: ReportTable, heading = '##'): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  return [
    `${heading} ${table.title}`,
    '',
    `| ${table.columns.map(escape).join(' | ')} |`,
    `| ${table.columns.map(() => '---').join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ].join('\n');
}

export function formatDuration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${(milliseconds / 1000).toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}
