import { computeForeignCpuShare, takeCpuSnapshot } from './cpu-accounting.ts';

/** A round that saw more foreign CPU than this share of the machine is repeated. */
export const maxForeignCpuShare = 0.075;
/** After this many attempts the last one is kept and its figure is marked noisy. */
export const maxAttemptsPerRound = 3;

export interface MeasuredRound<T> {
  value: T;
  /** Foreign CPU share of the attempt that was kept. */
  foreignCpuShare: number;
  attempts: number;
  noisy: boolean;
}

/**
 * Runs `task` between two CPU snapshots and repeats it while other programs
 * used more than `maxForeignCpuShare` of the machine, up to
 * `maxAttemptsPerRound` times.
 */
export async function measureRound<T>(
  task: () => Promise<T>,
  onRetry?: (foreignCpuShare: number, attempt: number) => void,
): Promise<MeasuredRound<T>> {
  let attempt = 0;
  for (;;) {
    attempt += 1;
    const before = takeCpuSnapshot();
    const value = await task();
    const foreignCpuShare = computeForeignCpuShare(before, takeCpuSnapshot());

    const quiet = foreignCpuShare <= maxForeignCpuShare;
    if (quiet || attempt >= maxAttemptsPerRound) {
      return { value, foreignCpuShare, attempts: attempt, noisy: !quiet };
    }
    onRetry?.(foreignCpuShare, attempt);
  }
}

export interface AlternatingRound {
  round: number;
  baselineMs: number;
  candidateMs: number;
  /** candidateMs / baselineMs. */
  ratio: number;
  foreignCpuShare: number;
  attempts: number;
  noisy: boolean;
}

export interface AlternatingResult {
  rounds: AlternatingRound[];
  /** Median of the per-round ratios: the figure to compare with a target. */
  medianRatio: number;
  baselineMedianMs: number;
  candidateMedianMs: number;
  /** True when any round stayed above the foreign CPU limit after every retry. */
  noisy: boolean;
}

export interface AlternatingRoundsOptions {
  rounds: number;
  /** Each returns the duration in ms of one execution, measured where it ran. */
  baseline: () => Promise<number>;
  candidate: () => Promise<number>;
  onRetry?: (foreignCpuShare: number, attempt: number) => void;
}

/**
 * Runs baseline and candidate in alternation (baseline, candidate, baseline,
 * ...), so that drift of the machine hits both alike. Each pair is one round
 * for the foreign CPU check and gives one ratio.
 */
export async function runAlternatingRounds(
  options: AlternatingRoundsOptions,
): Promise<AlternatingResult> {
  const rounds: AlternatingRound[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    const measured = await measureRound(async () => {
      const baselineMs = await options.baseline();
      const candidateMs = await options.candidate();
      return { baselineMs, candidateMs };
    }, options.onRetry);
    const { baselineMs, candidateMs } = measured.value;
    rounds.push({
      round,
      baselineMs,
      candidateMs,
      ratio: candidateMs / baselineMs,
      foreignCpuShare: measured.foreignCpuShare,
      attempts: measured.attempts,
      noisy: measured.noisy,
    });
  }

  return {
    rounds,
    medianRatio: median(rounds.map((round) => round.ratio)),
    baselineMedianMs: median(rounds.map((round) => round.baselineMs)),
    candidateMedianMs: median(rounds.map((round) => round.candidateMs)),
    noisy: rounds.some((round) => round.noisy),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const upper = sorted[middle] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[middle - 1] as number) + upper) / 2;
}
