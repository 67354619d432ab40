import type { Queryable } from '../database.ts';

export interface PushSubscriptionRow {
  id: string;
  user_id: string;
  organization_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  created_at: Date;
}

/** Web Push subscriptions per user, and the marker that a run's notification went out. */
export class PushSubscriptionsRepository {
  constructor(private readonly db: Queryable) {}

  /** Stores a subscription; an endpoint already stored moves to this user with the new keys. */
  async upsert(row: Omit<PushSubscriptionRow, 'created_at'>): Promise<PushSubscriptionRow> {
    const rows = await this.db.query<PushSubscriptionRow>(
      `INSERT INTO push_subscriptions (id, user_id, organization_id, endpoint, p256dh, auth)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (endpoint) DO UPDATE
         SET user_id = excluded.user_id, organization_id = excluded.organization_id,
             p256dh = excluded.p256dh, auth = excluded.auth
       RETURNING *`,
      [row.id, row.user_id, row.organization_id, row.endpoint, row.p256dh, row.auth],
    );
    return rows[0]!;
  }

  async listForUser(userId: string): Promise<PushSubscriptionRow[]> {
    return this.db.query<PushSubscriptionRow>(
      'SELECT * FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at, id',
      [userId],
    );
  }

  /** Deletes a user's subscription by endpoint; returns false when the user has none there. */
  async deleteForUser(userId: string, endpoint: string): Promise<boolean> {
    const rows = await this.db.query(
      'DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2 RETURNING id',
      [userId, endpoint],
    );
    return rows.length > 0;
  }

  /** Deletes a subscription the push service reported gone (404 or 410). */
  async deleteById(id: string): Promise<void> {
    await this.db.query('DELETE FROM push_subscriptions WHERE id = $1', [id]);
  }

  async count(): Promise<number> {
    const rows = await this.db.query<{ count: number }>(
      'SELECT count(*) AS count FROM push_subscriptions',
    );
    return rows[0]?.count ?? 0;
  }

  /**
   * Records that the notification of a run's final status is being sent.
   * Returns false when another process recorded it first, so exactly one sends.
   */
  async claimRunNotification(runId: string, status: string): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO push_notifications_sent (run_id, status) VALUES ($1, $2)
       ON CONFLICT (run_id) DO NOTHING RETURNING run_id`,
      [runId, status],
    );
    return rows.length > 0;
  }
}
