import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDemoDatasets, type DemoDataset } from '../../src/seed/generate-demo-datasets.ts';
import { withBenchChild, type BenchChild } from '../lib/child-runner.ts';
import { formatFigureValue } from '../lib/report.ts';
import { runAlternatingRounds, type AlternatingResult } from '../lib/rounds.ts';
import type { BenchScenario, ScenarioContext, ScenarioReport } from '../lib/types.ts';
import type { OverlapRequest, OverlapTiming } from './engine-overlap-child.ts';
import { describeOverlapDifference, type OverlapRow } from './overlap-queries.ts';

const childScript = fileURLToPath(new URL('./engine-overlap-child.ts', import.meta.url));
const targetRatio = 1.3;
const crowdSize = 50;
const attribute = 'age_band';
/** DuckDB threads for both the engine and the plain instance: one, because the child is pinned to one core. */
const queryThreads = 1;

/**
 * Times the engine's `audience_overlap` question against the same overlap
 * written as one plain DuckDB query, in alternating rounds in one pinned child.
 */
export const engineOverlapScenario: BenchScenario = {
  name: 'engine-overlap',
  description: `Audience overlap of the seeded advertiser CRM (1M customers at scale 1) with the publisher subscribers (2M) by \`${attribute}\`, with crowd size ${crowdSize} and noise off. The candidate is \`engine.runQuestion('audience_overlap')\`. The baseline is one hand-written DuckDB query over the same Parquet files, on a fresh connection of a plain DuckDB instance.`,
  async run(context) {
    const scale = context.smoke ? 0.01 : 1;
    const rounds = context.smoke ? 1 : 7;
    context.progress(`generating demo datasets at scale ${scale}`);
    const datasets = await generateDemoDatasets({
      directory: join(context.workDirectory, 'demo'),
      scale,
      endDate: '2025-06-30',
      threads: 2,
    });
    const myAudience = findDataset(datasets, 'advertiser_crm');
    const partnerAudience = findDataset(datasets, 'publisher_subscribers');

    const { result, peakMemory, cpusAllowed } = await withBenchChild(
      {
        script: childScript,
        cpus: context.cpuLayout.server,
        pinning: context.pinning,
        requestTimeoutMs: 600_000,
      },
      async (child) => {
        await child.request(openRequest(context, myAudience, partnerAudience));
        const reference = await warmUpAndCompare(child, context);
        return { reference, rounds: await timeRounds(child, context, rounds, reference) };
      },
    );

    return buildReport({
      scale,
      myAudience,
      partnerAudience,
      alternating: result.rounds,
      reference: result.reference,
      maxRssBytes: peakMemory.maxRssBytes,
      cpusAllowed,
      gated: !context.smoke,
    });
  },
};

function findDataset(datasets: DemoDataset[], key: DemoDataset['key']): DemoDataset {
  const dataset = datasets.find((candidate) => candidate.key === key);
  if (dataset === undefined) throw new Error(`generateDemoDatasets returned no ${key} dataset`);
  return dataset;
}

function openRequest(
  context: ScenarioContext,
  myAudience: DemoDataset,
  partnerAudience: DemoDataset,
): OverlapRequest {
  const bind = (dataset: DemoDataset) => ({
    datasetId: dataset.key,
    location: dataset.location,
    columns: dataset.columns,
  });
  return {
    kind: 'open',
    myAudience: bind(myAudience),
    partnerAudience: bind(partnerAudience),
    attribute,
    crowdSize,
    threads: queryThreads,
    tempDirectory: join(context.workDirectory, 'engine-temp'),
  };
}

/** Runs both paths once untimed and fails the scenario unless they return the same rows. */
async function warmUpAndCompare(
  child: BenchChild,
  context: ScenarioContext,
): Promise<OverlapRow[]> {
  context.progress('warm-up and result check');
  const plain = await child.request<OverlapTiming>({ kind: 'plain' } satisfies OverlapRequest);
  const engine = await child.request<OverlapTiming>({ kind: 'engine' } satisfies OverlapRequest);
  assertSameRows(engine.rows, plain.rows);
  if (plain.rows.length === 0)
    throw new Error('The overlap returned no rows above the crowd size; the data is wrong');
  return plain.rows;
}

function assertSameRows(engine: OverlapRow[], plain: OverlapRow[]): void {
  const difference = describeOverlapDifference(engine, plain);
  if (difference !== null)
    throw new Error(`audience_overlap and the plain query disagree: ${difference}`);
}

function timeRounds(
  child: BenchChild,
  context: ScenarioContext,
  rounds: number,
  reference: OverlapRow[],
): Promise<AlternatingResult> {
  const timeOne = async (kind: 'engine' | 'plain') => {
    const timing = await child.request<OverlapTiming>({ kind } satisfies OverlapRequest);
    assertSameRows(timing.rows, reference);
    return timing.durationMs;
  };
  context.progress(`${rounds} alternating rounds`);
  return runAlternatingRounds({
    rounds,
    baseline: () => timeOne('plain'),
    candidate: () => timeOne('engine'),
    onRetry: (foreignCpuShare, attempt) =>
      context.progress(
        `round attempt ${attempt} saw ${(foreignCpuShare * 100).toFixed(1)}% foreign CPU; repeating it`,
      ),
  });
}

interface OverlapMeasurements {
  scale: number;
  myAudience: DemoDataset;
  partnerAudience: DemoDataset;
  alternating: AlternatingResult;
  reference: OverlapRow[];
  maxRssBytes: number;
  cpusAllowed: string | null;
  gated: boolean;
}

function buildReport(measured: OverlapMeasurements): ScenarioReport {
  const { alternating } = measured;
  const rowsShown = measured.reference
    .map(
      (row) =>
        `${row.attributeValue} ${row.matchedCount.toLocaleString('en-US')}/${row.partnerCount.toLocaleString('en-US')}`,
    )
    .join(', ');
  return {
    figures: [
      {
        name: 'overlap time, engine / plain DuckDB (median of per-round ratios)',
        value: alternating.medianRatio,
        unit: 'x',
        target: measured.gated ? { comparison: '<=', value: targetRatio } : null,
        noisy: alternating.noisy,
      },
      {
        name: 'overlap time, engine (median)',
        value: alternating.candidateMedianMs,
        unit: 'ms',
        target: null,
        noisy: alternating.noisy,
      },
      {
        name: 'overlap time, plain DuckDB (median)',
        value: alternating.baselineMedianMs,
        unit: 'ms',
        target: null,
        noisy: alternating.noisy,
      },
    ],
    details: [
      `Scale ${measured.scale}: ${measured.myAudience.rowCount.toLocaleString('en-US')} advertiser customers, ${measured.partnerAudience.rowCount.toLocaleString('en-US')} publisher subscribers (ZSTD Parquet written by generateDemoDatasets).`,
      `Both paths run in one fresh child pinned to CPU ${measured.cpusAllowed ?? 'unknown'} (Cpus_allowed_list of the child) with DuckDB threads = ${queryThreads}, after one untimed warm-up of each. Times are measured in the child around the call and include opening the connection.`,
      `Both paths returned the same rows in every round (matched / partner count): ${rowsShown}.`,
      `Peak RSS of the child (engine and plain instance together): ${formatFigureValue(measured.maxRssBytes / 1024 / 1024, 'MB')}.`,
      `Target: the engine takes at most ${targetRatio}x the plain query's time.`,
    ],
    tables: [
      {
        title: 'Rounds',
        columns: ['Round', 'Plain DuckDB', 'Engine', 'Ratio', 'Foreign CPU', 'Attempts', 'Noisy'],
        rows: alternating.rounds.map((round) => [
          String(round.round),
          formatFigureValue(round.baselineMs, 'ms'),
          formatFigureValue(round.candidateMs, 'ms'),
          formatFigureValue(round.ratio, 'x'),
          `${(round.foreignCpuShare * 100).toFixed(1)}%`,
          String(round.attempts),
          round.noisy ? 'yes' : 'no',
        ]),
      },
    ],
  };
}
