import type {
  QuestionDefinition,
  QuestionOutputColumn,
} from '../../domain/questions/question-definition.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { PrivacySettings, QuestionResult, ResultValue } from './engine.ts';
import { createLaplaceNoise } from './laplace-noise.ts';
import type { QuestionTemplate } from './templates/question-template.ts';

type Row = Record<string, ResultValue>;

/**
 * Privacy guard on a question's result rows, applied in four steps. First,
 * rows whose true identity counts are under the crowd size are dropped and
 * counted. Then the kept rows get Laplace noise when the clean room enables
 * it, and derived measures are recomputed from the noised counts and from
 * totals over the kept rows only. A total that included suppressed rows would
 * let a reader subtract the visible rows and recover a suppressed count.
 * Last, only the declared output columns leave, in declared order.
 */
export class ResultGuard {
  private readonly kept: Row[] = [];
  private readonly identityColumns: string[];
  private suppressedRowCount = 0;

  constructor(
    private readonly definition: QuestionDefinition,
    private readonly template: QuestionTemplate,
    private readonly privacy: PrivacySettings,
    private readonly maxRows: number,
  ) {
    this.identityColumns = definition.outputColumns
      .filter((column) => column.isIdentity)
      .map((column) => column.name);
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

  /** Takes one row with true counts: keeps it, or suppresses it under the crowd size. */
  admit(row: Row): void {
    if (this.identityColumns.some((name) => !(Number(row[name] ?? 0) >= this.privacy.crowdSize))) {
      this.suppressedRowCount++;
      return;
    }

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
    const noiseApplied = this.applyNoise();
    const totals = this.releasedTotals();
    for (const row of this.kept) this.template.deriveMeasures?.(row, totals);

    return {
      columns: this.definition.outputColumns.map(({ name, dataType }) => ({ name, dataType })),
      rows: this.kept.map((row) =>
        this.definition.outputColumns.map((column) => row[column.name] ?? null),
      ),
      suppressedRowCount: this.suppressedRowCount,
      noiseApplied,
      privacy: this.privacy,
    };
  }

  /** Sums each numeric measure over the kept rows, after noise. */
  private releasedTotals(): Record<string, number> {
    const measures = this.definition.outputColumns.filter((column) => column.kind === 'MEASURE');
    const totals: Record<string, number> = {};
    for (const { name } of measures) {
      totals[name] = this.kept.reduce(
        (sum, row) => sum + (typeof row[name] === 'number' ? row[name] : 0),
        0,
      );
    }
    return totals;
  }

  /** Adds noise to every kept row's noised measures. */
  private applyNoise(): boolean {
    const noised = this.definition.outputColumns.filter((column) => column.noise);
    const { enabled, scale } = this.privacy.noise;
    if (!enabled || noised.length === 0) return false;

    const draw = createLaplaceNoise(scale, this.privacy.noiseSeed);
    for (const row of this.kept) {
      for (const column of noised)
        row[column.name] = noisy(row[column.name] ?? null, column.dataType, draw);
    }
    return true;
  }
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
