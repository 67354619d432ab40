import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../../domain/errors/app-error.ts';
import { validateParameters } from '../../domain/questions/validate-parameters.ts';
import type { Logger } from '../logging/logger.ts';
import { throwIfAborted } from './abort.ts';
import type { SegmentVerdict, SuppressionEstimate } from '../../domain/runs/run-preview.ts';
import type { EstimateSuppressionInput } from './engine.ts';
import { checkGroupingColumns } from './grouping-guard.ts';
import { bindDatasets, checkPrivacySettings, findQuestion } from './question-runner.ts';
import { toResultValue } from './result-values.ts';
import { segmentBoundsQueries, type SegmentBoundsQuery } from './templates/segment-bounds.ts';

/** Maximum segment values listed per verdict, so an attribute with many values stays readable. */
const LISTED_VALUES_MAX = 100;

/**
 * Estimates which output rows of a question the crowd size would suppress.
 * It makes the runner's checks (datasets fit their macros, no grouping by
 * identifier or PII columns, valid parameters) and then reads one upper
 * bound per segment. Bounds never leave the engine, only verdicts do.
 */
export async function estimateSuppression(
  connection: DuckDBConnection,
  input: EstimateSuppressionInput,
  log: Logger,
): Promise<SuppressionEstimate> {
  const startedAt = performance.now();
  const { definition, template } = findQuestion(input.template);
  checkPrivacySettings({
    crowdSize: input.crowdSize,
    noise: { enabled: false, scale: 0 },
    noiseSeed: null,
  });
  const datasets = bindDatasets(definition, input.datasets);
  checkGroupingColumns(template.groupingColumns(input.parameters), datasets);
  const columnsByMacro = new Map([...datasets].map(([macro, dataset]) => [macro, dataset.columns]));
  const parameters = validateParameters(definition, input.parameters, columnsByMacro);

  const query = boundsQuery(input.template)({ datasets, parameters });
  const tally = new VerdictTally(input.crowdSize, input.ownMacros.includes(query.dimensionMacro));
  await readBounds(connection, query, tally, input.signal);
  const estimate = tally.finish(query);

  log.info(
    {
      template: input.template,
      mayPass: estimate.mayPass.count,
      willBeSuppressed: estimate.willBeSuppressed.count,
      durationMs: Math.round(performance.now() - startedAt),
    },
    'suppression estimated',
  );
  return estimate;
}

function boundsQuery(templateKey: string) {
  const build = segmentBoundsQueries.get(templateKey);
  if (build) return build;

  throw new AppError(
    'ENGINE_FAILED',
    `The engine cannot estimate suppression for question template "${templateKey}".`,
    { details: { template: templateKey } },
  );
}

async function readBounds(
  connection: DuckDBConnection,
  query: SegmentBoundsQuery,
  tally: VerdictTally,
  signal: AbortSignal | undefined,
): Promise<void> {
  const statement = await connection.prepare(query.sql);
  try {
    statement.bind(query.values, query.types);
    const result = await statement.stream();
    for (
      let chunk = await result.fetchChunk();
      chunk && chunk.rowCount > 0;
      chunk = await result.fetchChunk()
    ) {
      throwIfAborted(signal);
      for (const [value, bound, isTotal] of chunk.getRows()) {
        const segment = toResultValue(value ?? null);
        tally.add(segment === null ? null : String(segment), Number(bound), isTotal === true);
      }
    }
  } finally {
    statement.destroySync();
  }
}

/** Sorts segments by verdict as their bounds arrive, keeping no bound. */
class VerdictTally {
  private readonly mayPass: (string | null)[] = [];
  private readonly suppressed: (string | null)[] = [];
  private mayPassCount = 0;
  private suppressedCount = 0;
  private totalRow: SegmentVerdict | null = null;

  constructor(
    private readonly crowdSize: number,
    private readonly nameSuppressedValues: boolean,
  ) {}

  add(value: string | null, upperBound: number, isTotal: boolean): void {
    const verdict: SegmentVerdict =
      upperBound >= this.crowdSize ? 'MAY_PASS' : 'WILL_BE_SUPPRESSED';
    if (isTotal) {
      this.totalRow = verdict;
      return;
    }

    if (verdict === 'MAY_PASS') {
      this.mayPassCount++;
      if (this.mayPass.length < LISTED_VALUES_MAX) this.mayPass.push(value);
      return;
    }
    this.suppressedCount++;
    if (this.suppressed.length < LISTED_VALUES_MAX) this.suppressed.push(value);
  }

  /** A published TOTAL sums the released segments, so it exists only when a segment may pass. */
  private totalRowVerdict(): SegmentVerdict | null {
    if (this.totalRow === null) return null;
    return this.mayPassCount > 0 ? 'MAY_PASS' : 'WILL_BE_SUPPRESSED';
  }

  finish(query: SegmentBoundsQuery): SuppressionEstimate {
    return {
      dimension: query.dimension,
      dimensionMacro: query.dimensionMacro,
      mayPass: { count: this.mayPassCount, values: sortValues(this.mayPass) },
      willBeSuppressed: {
        count: this.suppressedCount,
        values: this.nameSuppressedValues ? sortValues(this.suppressed) : null,
      },
      totalRow: this.totalRowVerdict(),
      method: query.method,
    };
  }
}

/** Sorts as results are ordered: by value, null last. */
function sortValues(values: (string | null)[]): (string | null)[] {
  return [...values].sort((left, right) => {
    if (left === null) return right === null ? 0 : 1;
    if (right === null) return -1;
    if (left === right) return 0;
    return left < right ? -1 : 1;
  });
}
