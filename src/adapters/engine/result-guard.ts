import type {
  QuestionDefinition,
  QuestionOutputColumn,
} from '../../domain/questions/question-definition.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { PrivacySettings, QuestionResult, ResultValue } from './engine.ts';
import { createLaplaceNoise } from './laplace-noise.ts';
import type { QuestionTemplate, TotalRows } from './templates/question-template.ts';

type Row = Record<string, ResultValue>;

/**
 * Privacy guard on a question's result rows, applied in five steps.
 *
 * 1. Rows whose true identity counts are under the crowd size are dropped
 *    and counted, total rows included.
 * 2. Each total row that a template declares (`QuestionTemplate.totalRows`)
 *    is paired with the released detail rows of its group. The total is
 *    withheld and counted as suppressed when no detail row of its group is
 *    released, or when the released ones together count fewer true
 *    identities than the crowd size.
 * 3. Released detail rows get Laplace noise when the clean room enables it.
 * 4. Each remaining total gets, for every measure, the sum over its group's
 *    released detail rows after noise. Derived measures are then computed
 *    from the noised counts and from sums over the released detail rows.
 * 5. Only the declared output columns leave, in declared order.
 *
 * Totals are rebuilt because a total counted by the query includes
 * suppressed rows, so subtracting the published detail rows would reveal a
 * suppressed count. The query's total is not published even when every
 * detail row of its group is suppressed, because two runs with different
 * filters could then be subtracted. A rebuilt total is a sum of published
 * numbers: it reveals nothing the detail rows do not, and it needs no noise
 * of its own to agree with them. It equals the query's total when nothing is
 * suppressed only if the detail rows partition the total's identities.
 */
export class ResultGuard {
  private readonly kept: Row[] = [];
  private readonly keptTotals = new Set<Row>();
  private readonly identityColumns: string[];
  /** Measures the query computes, as opposed to measures derived after noise. */
  private readonly queriedMeasures: string[];
  private suppressedRowCount = 0;

  constructor(
    private readonly definition: QuestionDefinition,
    private readonly template: QuestionTemplate,
    private readonly privacy: PrivacySettings,
    private readonly maxRows: number,
  ) {
    const derived = new Set(template.derivedColumns);
    this.identityColumns = definition.outputColumns
      .filter((column) => column.isIdentity)
      .map((column) => column.name);
    this.queriedMeasures = definition.outputColumns
      .filter((column) => column.kind === 'MEASURE' && !derived.has(column.name))
      .map((column) => column.name);
    if (template.totalRows) checkTotalRows(template.totalRows, definition, template.template);
  }

  /** Checks once that the query returns exactly the columns the guard expects, so nothing undeclared can leave. */
  checkColumns(names: string[]): void {
    const derived = new Set(this.template.derivedColumns);
    const expected = [
      ...this.definition.outputColumns
        .filter((column) => !derived.has(column.name))
        .map((column) => column.name),
    ];
    const same = names.length === expected.length && expected.every((name) => names.includes(name));
    if (same) return;

    throw new AppError(
      'ENGINE_FAILED',
      `Template ${this.template.template} returned the columns ${names.join(', ')} instead of ${expected.join(', ')}.`,
    );
  }

  /**
   * Takes one row with true counts: keeps it, or suppresses it under the
   * crowd size. A total row must reach the crowd size here too, before
   * `finish` checks its released detail rows.
   */
  admit(row: Row): void {
    if (!this.meetsCrowdSize(row)) {
      this.suppressedRowCount++;
      return;
    }

    if (this.isTotal(row)) this.keptTotals.add(row);
    this.kept.push(row);
    if (this.kept.length > this.maxRows) {
      throw new AppError(
        'RESULT_TOO_LARGE',
        `Question ${this.template.template} returned more than ${this.maxRows} rows; narrow it with its parameters, such as a shorter date range or fewer values.`,
        { details: { maxRows: this.maxRows } },
      );
    }
  }

  finish(): QuestionResult {
    const details = this.kept.filter((row) => !this.keptTotals.has(row));
    const totals = this.pairTotalsWithDetails(details);
    const noiseApplied = this.applyNoise(details);
    for (const [total, group] of totals) this.rebuildTotal(total, group);

    const released = this.kept.filter((row) => !this.keptTotals.has(row) || totals.has(row));
    const detailSums = sumMeasures(details, this.queriedMeasures);
    for (const row of released) this.template.deriveMeasures?.(row, detailSums);

    return {
      columns: this.definition.outputColumns.map(({ name, dataType }) => ({ name, dataType })),
      rows: released.map((row) =>
        this.definition.outputColumns.map((column) => row[column.name] ?? null),
      ),
      suppressedRowCount: this.suppressedRowCount,
      noiseApplied,
      privacy: this.privacy,
    };
  }

  private meetsCrowdSize(row: Row): boolean {
    return this.identityColumns.every((name) => Number(row[name] ?? 0) >= this.privacy.crowdSize);
  }

  private isTotal(row: Row): boolean {
    const totalRows = this.template.totalRows;
    return totalRows !== undefined && row[totalRows.column] === totalRows.value;
  }

  /**
   * Maps each kept total to the released detail rows of its group, and
   * withholds the totals whose detail rows are all suppressed or count too
   * few true identities together. Runs before noise, on true counts.
   */
  private pairTotalsWithDetails(details: Row[]): Map<Row, Row[]> {
    const totals = new Map<Row, Row[]>();
    const totalRows = this.template.totalRows;
    if (!totalRows) return totals;

    const detailsByGroup = groupRows(details, totalRows.groupBy);
    for (const total of this.keptTotals) {
      const group = detailsByGroup.get(groupKey(total, totalRows.groupBy)) ?? [];
      const safe =
        group.length > 0 && this.meetsCrowdSize(sumMeasures(group, this.identityColumns));
      if (safe) totals.set(total, group);
      else this.suppressedRowCount++;
    }
    return totals;
  }

  /** Replaces the query's measures of a total with sums over its released detail rows. */
  private rebuildTotal(total: Row, group: Row[]): void {
    const sums = sumMeasures(group, this.queriedMeasures);
    for (const name of this.queriedMeasures) {
      const counted = group.some((row) => typeof row[name] === 'number');
      total[name] = counted ? (sums[name] ?? 0) : null;
    }
  }

  /** Adds noise to the noised measures of every released detail row. */
  private applyNoise(details: Row[]): boolean {
    const noised = this.definition.outputColumns.filter((column) => column.noise);
    const { enabled, scale } = this.privacy.noise;
    if (!enabled || noised.length === 0) return false;

    const draw = createLaplaceNoise(scale, this.privacy.noiseSeed);
    for (const row of details) {
      for (const column of noised)
        row[column.name] = noisy(row[column.name] ?? null, column.dataType, draw);
    }
    return true;
  }
}

/** Rejects a total declaration that names anything but the definition's dimensions. */
function checkTotalRows(
  totalRows: TotalRows,
  definition: QuestionDefinition,
  templateKey: string,
): void {
  const dimensions = new Set(
    definition.outputColumns
      .filter((column) => column.kind === 'DIMENSION')
      .map((column) => column.name),
  );
  const named = [totalRows.column, ...totalRows.groupBy];
  const invalid = named.filter((name) => !dimensions.has(name));
  if (invalid.length === 0 && !totalRows.groupBy.includes(totalRows.column)) return;

  throw new AppError(
    'ENGINE_FAILED',
    `Template ${templateKey} declares total rows by ${named.join(', ')}; each must be a distinct dimension of ${[...dimensions].join(', ')}.`,
  );
}

/** Sums each named measure over the rows, skipping values that are not numbers as SQL sum skips NULL. */
function sumMeasures(rows: Row[], names: string[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const name of names) {
    sums[name] = rows.reduce(
      (sum, row) => sum + (typeof row[name] === 'number' ? row[name] : 0),
      0,
    );
  }
  return sums;
}

function groupRows(rows: Row[], groupBy: string[]): Map<string, Row[]> {
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const key = groupKey(row, groupBy);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/** Builds a key that distinguishes NULL from the text "null", so a NULL group never merges with another. */
function groupKey(row: Row, groupBy: string[]): string {
  return JSON.stringify(groupBy.map((name) => row[name] ?? null));
}

/** Counts stay whole numbers and no measure goes below zero. */
function noisy(
  value: ResultValue,
  dataType: QuestionOutputColumn['dataType'],
  draw: () => number,
): ResultValue {
  if (typeof value !== 'number') return value;
  const result = Math.max(0, value + draw());
  return dataType === 'INTEGER' ? Math.round(result) : result;
}
