import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBenchChild } from '../lib/child-runner.ts';
import { measureRound, median, type MeasuredRound } from '../lib/rounds.ts';
import { formatFigureValue } from '../lib/report.ts';
import type { BenchScenario, ScenarioContext, ScenarioReport } from '../lib/types.ts';
import type { GenerateRequest, GenerateResponse } from './seed-generation-child.ts';

const childScript = fileURLToPath(new URL('./seed-generation-child.ts', import.meta.url));
const bytesPerMegabyte = 1024 * 1024;
const targetSeconds = 60;

interface GenerationRound {
  response: GenerateResponse;
  maxRssBytes: number;
  vmHwmBytes: number | null;
  cpusAllowed: string | null;
}

/** Times `generateDemoDatasets` at scale 1 in a fresh child on both cores, one child per round. */
export const seedGenerationScenario: BenchScenario = {
  name: 'seed-generation',
  description:
    'Time and peak RSS of `generateDemoDatasets` writing the demo Parquet files (1M CRM customers, 2M subscribers, 10M exposures, 500k conversions, 300k retailer members at scale 1) with 2 DuckDB threads.',
  async run(context) {
    const scale = context.smoke ? 0.01 : 1;
    const roundCount = context.smoke ? 1 : 3;
    const rounds: MeasuredRound<GenerationRound>[] = [];

    for (let round = 1; round <= roundCount; round += 1) {
      context.progress(`round ${round} of ${roundCount}, scale ${scale}`);
      rounds.push(
        await measureRound(() => generateOnce(context, scale, round), reportRetry(context)),
      );
    }
    return buildReport(context, scale, rounds);
  },
};

async function generateOnce(
  context: ScenarioContext,
  scale: number,
  round: number,
): Promise<GenerationRound> {
  const directory = join(context.workDirectory, `round-${round}`);
  const request: GenerateRequest = { directory, scale, endDate: '2025-06-30', threads: 2 };
  try {
    const { result, peakMemory, cpusAllowed } = await withBenchChild(
      {
        script: childScript,
        cpus: context.cpuLayout.all,
        pinning: context.pinning,
        requestTimeoutMs: 600_000,
      },
      (child) => child.request<GenerateResponse>(request),
    );
    return { response: result, ...peakMemory, cpusAllowed };
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

function reportRetry(context: ScenarioContext) {
  return (foreignCpuShare: number, attempt: number) =>
    context.progress(
      `attempt ${attempt} saw ${(foreignCpuShare * 100).toFixed(1)}% foreign CPU; repeating it`,
    );
}

function buildReport(
  context: ScenarioContext,
  scale: number,
  rounds: MeasuredRound<GenerationRound>[],
): ScenarioReport {
  const seconds = median(rounds.map((round) => round.value.response.durationMs / 1000));
  const peakRssMb = Math.max(...rounds.map((round) => round.value.maxRssBytes)) / bytesPerMegabyte;
  const noisy = rounds.some((round) => round.noisy);
  const first = rounds[0]?.value;

  return {
    figures: [
      {
        name: `generation time at scale ${scale} (median)`,
        value: seconds,
        unit: 's',
        target: context.smoke ? null : { comparison: '<=', value: targetSeconds },
        noisy,
      },
      {
        name: 'peak RSS of the generating process',
        value: peakRssMb,
        unit: 'MB',
        target: null,
        noisy,
      },
    ],
    details: [
      `Scale ${scale}: ${first?.response.rowCount.toLocaleString('en-US')} rows in 5 files, ${((first?.response.sizeBytes ?? 0) / bytesPerMegabyte).toFixed(0)} MB of ZSTD Parquet.`,
      `Each round runs in a fresh child pinned to CPUs ${first?.cpusAllowed ?? 'unknown'} (Cpus_allowed_list of the child), with DuckDB threads = 2; the time covers generateDemoDatasets only, not process start.`,
      `Target: under ${targetSeconds} s on this 2-core machine.`,
    ],
    tables: [
      {
        title: 'Rounds',
        columns: [
          'Round',
          'Time',
          'Peak RSS (maxRSS)',
          'VmHWM',
          'Foreign CPU',
          'Attempts',
          'Noisy',
        ],
        rows: rounds.map((round, index) => [
          String(index + 1),
          formatFigureValue(round.value.response.durationMs / 1000, 's'),
          formatFigureValue(round.value.maxRssBytes / bytesPerMegabyte, 'MB'),
          round.value.vmHwmBytes === null
            ? 'unreadable'
            : formatFigureValue(round.value.vmHwmBytes / bytesPerMegabyte, 'MB'),
          `${(round.foreignCpuShare * 100).toFixed(1)}%`,
          String(round.attempts),
          round.noisy ? 'yes' : 'no',
        ]),
      },
    ],
  };
}
