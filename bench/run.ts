import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { detectPinning } from './lib/child-runner.ts';
import { collectMachineContext } from './lib/machine-context.ts';
import { writeProgress } from './lib/progress.ts';
import {
  computeFigureStatus,
  renderReport,
  writeReportFile,
  type BenchRun,
  type ScenarioOutcome,
} from './lib/report.ts';
import type { BenchScenario, CpuLayout, ScenarioContext } from './lib/types.ts';
import { cacheEndpointScenario } from './scenarios/cache-endpoint.ts';
import { cacheMixScenario } from './scenarios/cache-mix.ts';
import { cacheRedisOutageScenario } from './scenarios/cache-redis-outage.ts';
import { chatFirstTokenScenario } from './scenarios/chat-first-token.ts';
import { csvImportScenario } from './scenarios/csv-import.ts';
import { engineOverlapScenario } from './scenarios/engine-overlap.ts';
import { mcpToolCallScenario } from './scenarios/mcp-tool-call.ts';
import { httpCachedPayloadScenario } from './scenarios/http-cached-payload.ts';
import { runStartLatencyScenario } from './scenarios/run-start-latency.ts';
import { seedGenerationScenario } from './scenarios/seed-generation.ts';
import { serverMemoryScenario } from './scenarios/server-memory.ts';
import { webBundleSizeScenario } from './scenarios/web-bundle-size.ts';
import { webLargeListScenario } from './scenarios/web-large-list.ts';
import { webPageLoadScenario } from './scenarios/web-page-load.ts';
import { wsFanoutScenario } from './scenarios/ws-fanout.ts';

/**
 * Scenario registry, in run order. A new scenario is a module in
 * bench/scenarios/ exporting a BenchScenario, added here.
 */
const scenarios: readonly BenchScenario[] = [
  csvImportScenario,
  engineOverlapScenario,
  seedGenerationScenario,
  runStartLatencyScenario,
  serverMemoryScenario,
  mcpToolCallScenario,
  httpCachedPayloadScenario,
  cacheEndpointScenario,
  cacheMixScenario,
  cacheRedisOutageScenario,
  chatFirstTokenScenario,
  wsFanoutScenario,
  webBundleSizeScenario,
  webPageLoadScenario,
  webLargeListScenario,
];

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const fullReportPath = join(repositoryRoot, 'docs', 'benchmarks.md');
const resultsDirectory = join(repositoryRoot, 'bench', '.results');
const cpuLayout: CpuLayout = { server: '0', load: '1', all: '0,1' };

const usage = `Usage: npm run bench -- [--smoke] [--only NAME] [--output FILE]

  --smoke        tiny sizes, one round, no gates (CI runs this)
  --only NAME    run one scenario: ${scenarios.map((scenario) => scenario.name).join(', ')}
  --output FILE  report path; defaults to docs/benchmarks.md for a full run of every scenario,
                 else bench/.results/benchmarks-smoke.md or bench/.results/benchmarks-partial.md`;

interface BenchOptions {
  smoke: boolean;
  only: string | undefined;
  output: string | undefined;
}

function parseOptions(): BenchOptions | null {
  const { values } = parseArgs({
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      output: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return null;
  return { smoke: values.smoke, only: values.only, output: values.output };
}

function selectScenarios(only: string | undefined): readonly BenchScenario[] {
  if (only === undefined) return scenarios;
  const selected = scenarios.filter((scenario) => scenario.name === only);
  if (selected.length === 0) {
    const names = scenarios.map((scenario) => scenario.name).join(', ');
    throw new Error(`Unknown scenario --only ${only}: expected one of ${names}`);
  }
  return selected;
}

function reportPathFor(options: BenchOptions): string {
  if (options.output !== undefined) return resolve(options.output);
  if (options.smoke) return join(resultsDirectory, 'benchmarks-smoke.md');
  if (options.only !== undefined) return join(resultsDirectory, 'benchmarks-partial.md');
  return fullReportPath;
}

function commandFor(options: BenchOptions): string {
  const flags = [
    options.smoke ? '--smoke' : null,
    options.only === undefined ? null : `--only ${options.only}`,
  ].filter((flag) => flag !== null);
  return flags.length === 0 ? 'npm run bench' : `npm run bench -- ${flags.join(' ')}`;
}

async function runScenario(
  scenario: BenchScenario,
  context: Omit<ScenarioContext, 'workDirectory' | 'progress'>,
): Promise<ScenarioOutcome> {
  const started = performance.now();
  const workDirectory = await mkdtemp(join(os.tmpdir(), `cleanroom-bench-${scenario.name}-`));
  const progress = (message: string) => writeProgress(`${scenario.name}: ${message}`);
  progress('started');

  try {
    const report = await scenario.run({ ...context, workDirectory, progress });
    progress(`finished in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return {
      ...describeScenario(scenario),
      report,
      error: null,
      durationMs: performance.now() - started,
    };
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    progress(`failed: ${message}`);
    return {
      ...describeScenario(scenario),
      report: null,
      error: message,
      durationMs: performance.now() - started,
    };
  } finally {
    await rm(workDirectory, { recursive: true, force: true });
  }
}

function describeScenario(scenario: BenchScenario): Pick<ScenarioOutcome, 'name' | 'description'> {
  return { name: scenario.name, description: scenario.description };
}

/** Exit status: 1 when a scenario failed, or, outside smoke runs, when a figure missed its target. */
function exitCodeFor(run: BenchRun): number {
  if (run.outcomes.some((outcome) => outcome.report === null)) return 1;
  if (run.smoke) return 0;
  const figures = run.outcomes.flatMap((outcome) => outcome.report?.figures ?? []);
  return figures.some((figure) => computeFigureStatus(figure) === 'not met') ? 1 : 0;
}

async function main(): Promise<number> {
  const options = parseOptions();
  if (options === null) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }

  const started = performance.now();
  const selected = selectScenarios(options.only);
  const machine = collectMachineContext(repositoryRoot);
  const pinning = detectPinning();
  if (pinning.note !== null) writeProgress(pinning.note);

  const outcomes: ScenarioOutcome[] = [];
  for (const scenario of selected) {
    outcomes.push(
      await runScenario(scenario, { smoke: options.smoke, cpuLayout, pinning, machine }),
    );
  }

  const run: BenchRun = {
    command: commandFor(options),
    smoke: options.smoke,
    machine,
    loadAverageAtEnd: os.loadavg().map((load) => Number(load.toFixed(2))),
    pinning,
    cpuLayout,
    durationMs: performance.now() - started,
    outcomes,
  };
  const reportPath = reportPathFor(options);
  await writeReportFile(reportPath, renderReport(run));
  await writeReportFile(
    join(resultsDirectory, `${options.smoke ? 'smoke' : 'full'}-latest.json`),
    `${JSON.stringify(run, null, 2)}\n`,
  );
  writeProgress(`report written to ${relative(process.cwd(), reportPath)}`);
  return exitCodeFor(run);
}

try {
  process.exitCode = await main();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n\n${usage}\n`);
  process.exitCode = 2;
}
