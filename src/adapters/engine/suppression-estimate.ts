import type { DuckDBConnection } from '@duckdb/node-api';
import { AppError } from '../../domain/errors/app-error.ts';
import { validateParameters } from '../../domain/questions/validate-parameters.ts';
import type { Logger } from '../logging/logger.ts';
import { throwIfAborted } from './abort.ts';
import type { QuestionDefinition } from '../../domain/questions/question-definition.ts';
import type { SegmentVerdict, SuppressionEstimate } from '../../domain/runs/run-preview.ts';
import { unmatchedValues, type UnmatchedValues } from '../../domain/runs/unmatched-values.ts';
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
  const requested = requestedValues(query, parameters);
  const tally = new VerdictTally(
    input.crowdSize,
    input.ownMacros.includes(query.dimensionMacro),
    requested,
  );
  await readBounds(connection, query, tally, input.signal);
  const estimate = tally.finish(query, labelOf(definition, query.filterParameter));

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

/** Values of the query's list parameter, or null when it has none or the request left it empty. */
function requestedValues(
  query: SegmentBoundsQuery,
  parameters: Record<string, unknown>,
): string[] | null {
  const values = query.filterParameter === null ? null : parameters[query.filterParameter];
  return Array.isArray(values) ? values.map(String) : null;
}

function labelOf(definition: QuestionDefinition, parameterName: string | null): string {
  const parameter = definition.parameters.find((candidate) => candidate.name === parameterName);
  return parameter?.displayName ?? parameterName ?? '';
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
  /** Requested values seen with any bound, and with a bound that reaches the crowd size. */
  private readonly seen = new Set<string>();
  private readonly seenMayPass = new Set<string>();

  /**
   * With `ownDimension`, the dimension's values come from the caller's own
   * data, so suppressed values and values with no rows may be named.
   */
  constructor(
    private readonly crowdSize: number,
    private readonly ownDimension: boolean,
    private readonly requested: string[] | null,
  ) {}

  add(value: string | null, upperBound: number, isTotal: boolean): void {
    const verdict: SegmentVerdict =
      upperBound >= this.crowdSize ? 'MAY_PASS' : 'WILL_BE_SUPPRESSED';
    if (isTotal) {
      this.totalRow = verdict;
      return;
    }
    if (value !== null) {
      this.seen.add(value);
      if (verdict === 'MAY_PASS') this.seenMayPass.add(value);
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

  /**
   * Reports requested values without rows by name only from the caller's own
   * data. From a partner's data it reports those without a segment that may
   * pass. The preview lists the segments that may pass, so this reveals
   * nothing more, whereas naming the values without rows would reveal which
   * of the others fall under the crowd size.
   */
  private unmatched(query: SegmentBoundsQuery, label: string): UnmatchedValues | null {
    if (this.requested === null || query.filterParameter === null) return null;

    const found = this.ownDimension ? this.seen : this.seenMayPass;
    return unmatchedValues({
      parameter: query.filterParameter,
      label,
      values: this.requested.filter((value) => !found.has(value)),
      reason: this.ownDimension ? 'NO_ROWS' : 'NONE_MAY_PASS',
      macro: query.dimensionMacro,
      crowdSize: this.crowdSize,
    });
  }

  finish(query: SegmentBoundsQuery, filterLabel: string): SuppressionEstimate {
    return {
      dimension: query.dimension,
      dimensionMacro: query.dimensionMacro,
      mayPass: { count: this.mayPassCount, values: sortValues(this.mayPass) },
      willBeSuppressed: {
        count: this.suppressedCount,
        values: this.ownDimension ? sortValues(this.suppressed) : null,
      },
      totalRow: this.totalRowVerdict(),
      filterParameter: query.filterParameter,
      unmatchedValues: this.unmatched(query, filterLabel),
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
