import type { BoundDatasetView, RunStatus } from '../../../domain/runs/question-run.ts';
import type { Queryable } from '../database.ts';

export interface RunPrivacy {
  crowdSize: number;
  noise: { enabled: boolean; scale: number };
}

export interface RunRow {
  id: string;
  clean_room_id: string;
  question_id: string;
  question_display_id: string;
  question_template: string;
  question_name: string;
  clean_room_display_id: string;
  clean_room_name: string;
  bound_datasets: BoundDatasetView[];
  organization_id: string;
  user_id: string | null;
  name: string;
  status: RunStatus;
  progress: number;
  parameters: Record<string, unknown>;
  dataset_bindings: Record<string, string>;
  privacy: RunPrivacy;
  idempotency_key: string | null;
  attempt: number;
  submitted_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  failure_reason: string | null;
  is_retryable: boolean;
}

export interface NewRun {
  id: string;
  cleanRoomId: string;
  questionId: string;
  organizationId: string;
  userId: string | null;
  name: string;
  parameters: Record<string, unknown>;
  datasetBindings: Record<string, string>;
  privacy: RunPrivacy;
  idempotencyKey: string | null;
}

export interface RunFilter {
  status?: RunStatus;
  cleanRoomId?: string;
  after?: { submittedAt: string; id: string };
  limit: number;
}

/**
 * A run with its question, its clean room, and each bound dataset's name and
 * owner. A binding whose dataset row is gone keeps its id with a null name.
 */
const runSelect = `
  SELECT r.*, q.display_id AS question_display_id, q.template AS question_template,
         q.name AS question_name, c.display_id AS clean_room_display_id, c.name AS clean_room_name,
         (SELECT coalesce(jsonb_agg(jsonb_build_object(
                   'macro', b.key, 'datasetId', b.value, 'name', d.name,
                   'ownerOrganization', CASE WHEN o.id IS NULL THEN NULL
                                             ELSE jsonb_build_object('id', o.id, 'name', o.name) END)
                   ORDER BY b.key), '[]'::jsonb)
            FROM jsonb_each_text(r.dataset_bindings) b
            LEFT JOIN datasets d ON d.id = b.value::uuid
            LEFT JOIN organizations o ON o.id = d.organization_id) AS bound_datasets
    FROM question_runs r
    JOIN questions q ON q.id = r.question_id
    JOIN clean_rooms c ON c.id = r.clean_room_id`;

/** Rooms the organization bound to $1 is an accepted partner of. */
const visibleToOrganization = `r.clean_room_id IN (
  SELECT clean_room_id FROM clean_room_partners WHERE organization_id = $1 AND status = 'ACCEPTED')`;

/**
 * Question runs. Status changes are conditional on the current status and,
 * while running, on the attempt number, so a stale worker cannot overwrite a
 * newer attempt, a cancellation, or a result.
 */
export class RunsRepository {
  constructor(private readonly db: Queryable) {}

  /** Inserts the run; with an idempotency key already used, returns the existing run instead. */
  async insertOrGetExisting(run: NewRun): Promise<{ row: RunRow; created: boolean }> {
    const inserted = await this.db.query<{ id: string }>(
      `INSERT INTO question_runs (id, clean_room_id, question_id, organization_id, user_id, name, status,
                                  parameters, dataset_bindings, privacy, idempotency_key)
       VALUES ($1, $2, $3, $4, $5, $6, 'QUEUED', $7::jsonb, $8::jsonb, $9::jsonb, $10)
       ON CONFLICT (organization_id, idempotency_key) DO NOTHING RETURNING id`,
      [
        run.id,
        run.cleanRoomId,
        run.questionId,
        run.organizationId,
        run.userId,
        run.name,
        JSON.stringify(run.parameters),
        JSON.stringify(run.datasetBindings),
        JSON.stringify(run.privacy),
        run.idempotencyKey,
      ],
    );
    const created = inserted.length > 0;
    const rows = created
      ? await this.db.query<RunRow>(`${runSelect} WHERE r.id = $1`, [run.id])
      : await this.db.query<RunRow>(
          `${runSelect} WHERE r.organization_id = $1 AND r.idempotency_key = $2`,
          [run.organizationId, run.idempotencyKey],
        );
    return { row: rows[0]!, created };
  }

  async findVisible(organizationId: string, id: string): Promise<RunRow | undefined> {
    const rows = await this.db.query<RunRow>(
      `${runSelect} WHERE ${visibleToOrganization} AND r.id = $2`,
      [organizationId, id],
    );
    return rows[0];
  }

  async find(id: string): Promise<RunRow | undefined> {
    const rows = await this.db.query<RunRow>(`${runSelect} WHERE r.id = $1`, [id]);
    return rows[0];
  }

  async listVisible(organizationId: string, filter: RunFilter): Promise<RunRow[]> {
    const params: unknown[] = [organizationId];
    const conditions = [visibleToOrganization];
    if (filter.status) {
      params.push(filter.status);
      conditions.push(`r.status = $${params.length}`);
    }
    if (filter.cleanRoomId) {
      params.push(filter.cleanRoomId);
      conditions.push(`r.clean_room_id = $${params.length}`);
    }
    if (filter.after) {
      params.push(filter.after.submittedAt, filter.after.id);
      conditions.push(
        `(r.submitted_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    params.push(filter.limit + 1);
    return this.db.query<RunRow>(
      `${runSelect} WHERE ${conditions.join(' AND ')}
        ORDER BY r.submitted_at DESC, r.id DESC LIMIT $${params.length}`,
      params,
    );
  }

  /** Moves a queued (or orphaned running) run to RUNNING under a new attempt number. */
  async claim(id: string): Promise<RunRow | undefined> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE question_runs
          SET status = 'RUNNING', attempt = attempt + 1, progress = 0,
              started_at = coalesce(started_at, now()), failure_reason = NULL, is_retryable = false
        WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING id`,
      [id],
    );
    return rows.length > 0 ? this.find(id) : undefined;
  }

  /** Stores progress; returns false when the attempt no longer owns the run (cancelled or superseded). */
  async updateProgress(id: string, attempt: number, progress: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE question_runs SET progress = greatest(progress, $3)
        WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' RETURNING id`,
      [id, attempt, progress],
    );
    return rows.length > 0;
  }

  /** Marks the attempt's run COMPLETED; false when the attempt no longer owns it. */
  async markCompleted(id: string, attempt: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE question_runs SET status = 'COMPLETED', progress = 100, completed_at = now()
        WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' RETURNING id`,
      [id, attempt],
    );
    return rows.length > 0;
  }

  async markFailed(
    id: string,
    attempt: number,
    reason: string,
    isRetryable: boolean,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE question_runs SET status = 'FAILED', completed_at = now(), failure_reason = $3, is_retryable = $4
        WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' RETURNING id`,
      [id, attempt, reason, isRetryable],
    );
    return rows.length > 0;
  }

  /** Puts a run whose attempt failed transiently back in the queue for the next retry. */
  async markRequeued(id: string, attempt: number, reason: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE question_runs SET status = 'QUEUED', progress = 0, failure_reason = $3, is_retryable = true
        WHERE id = $1 AND attempt = $2 AND status = 'RUNNING' RETURNING id`,
      [id, attempt, reason],
    );
    return rows.length > 0;
  }

  /** Cancels a queued or running run; returns the row after the change, or undefined if it had ended. */
  async cancel(id: string): Promise<RunRow | undefined> {
    const rows = await this.db.query<{ id: string }>(
      `UPDATE question_runs SET status = 'CANCELLED', completed_at = now()
        WHERE id = $1 AND status IN ('QUEUED', 'RUNNING') RETURNING id`,
      [id],
    );
    return rows.length > 0 ? this.find(id) : undefined;
  }

  async status(id: string): Promise<RunStatus | undefined> {
    const rows = await this.db.query<{ status: RunStatus }>(
      'SELECT status FROM question_runs WHERE id = $1',
      [id],
    );
    return rows[0]?.status;
  }
}
