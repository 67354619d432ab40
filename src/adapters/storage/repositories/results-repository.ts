import type { ResultValue } from '../../engine/engine.ts';
import type { UnmatchedValues } from '../../../domain/runs/unmatched-values.ts';
import type { Queryable } from '../database.ts';
import type { RunPrivacy } from './runs-repository.ts';

export interface ResultRow {
  run_id: string;
  columns: { name: string; dataType: 'STRING' | 'INTEGER' | 'DOUBLE' | 'DATE' }[];
  row_count: number;
  suppressed_row_count: number;
  noise_applied: boolean;
  privacy: RunPrivacy;
  unmatched_values: UnmatchedValues | null;
  created_at: Date;
}

export interface NewResult {
  runId: string;
  columns: ResultRow['columns'];
  rows: ResultValue[][];
  suppressedRowCount: number;
  noiseApplied: boolean;
  privacy: RunPrivacy;
  unmatchedValues: UnmatchedValues | null;
}

/** Rows sent per INSERT, so one statement stays well under PostgreSQL's 1 GB parameter limit. */
const INSERT_BATCH_ROWS = 5000;

/** Results of completed runs: a header row plus one row per output row. */
export class ResultsRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores a result once; a second call for the same run does nothing and returns false. */
  async insert(result: NewResult): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO question_run_results (run_id, columns, row_count, suppressed_row_count, noise_applied, privacy,
                                         unmatched_values)
       VALUES ($1, $2::jsonb, $3, $4, $5, $6::jsonb, $7::jsonb) ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
      [
        result.runId,
        JSON.stringify(result.columns),
        result.rows.length,
        result.suppressedRowCount,
        result.noiseApplied,
        JSON.stringify(result.privacy),
        result.unmatchedValues === null ? null : JSON.stringify(result.unmatchedValues),
      ],
    );
    if (inserted.length === 0) return false;

    for (let start = 0; start < result.rows.length; start += INSERT_BATCH_ROWS) {
      await this.db.query(
        `INSERT INTO question_run_result_rows (run_id, row_number, "values")
         SELECT $1, $2 + ordinality - 1, value FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY`,
        [result.runId, start, JSON.stringify(result.rows.slice(start, start + INSERT_BATCH_ROWS))],
      );
    }
    return true;
  }

  async findHeader(runId: string): Promise<ResultRow | undefined> {
    const rows = await this.db.query<ResultRow>(
      'SELECT * FROM question_run_results WHERE run_id = $1',
      [runId],
    );
    return rows[0];
  }

  async readRows(runId: string, offset: number, limit: number): Promise<ResultValue[][]> {
    const rows = await this.db.query<{ values: ResultValue[] }>(
      `SELECT "values" FROM question_run_result_rows WHERE run_id = $1 AND row_number >= $2
        ORDER BY row_number LIMIT $3`,
      [runId, offset, limit],
    );
    return rows.map((row) => row.values);
  }
}
