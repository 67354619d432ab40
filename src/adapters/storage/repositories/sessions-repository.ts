import type { Queryable } from '../database.ts';

export interface SessionRow {
  id_hash: string;
  user_id: string;
  organization_id: string;
  csrf_token: string;
  created_at: Date;
  last_seen_at: Date;
  expires_at: Date;
  absolute_expires_at: Date;
}

/** A session with the user and organization it signs in. */
export interface SessionWithUserRow extends SessionRow {
  user_email: string;
  user_name: string;
  user_role: 'ADMIN' | 'MEMBER';
  organization_name: string;
  organization_kind: string;
}

/** Web sessions, stored by the SHA-256 of the cookie value only. */
export class SessionsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(
    row: Pick<
      SessionRow,
      | 'id_hash'
      | 'user_id'
      | 'organization_id'
      | 'csrf_token'
      | 'expires_at'
      | 'absolute_expires_at'
    >,
  ): Promise<void> {
    await this.db.query(
      `INSERT INTO sessions (id_hash, user_id, organization_id, csrf_token, expires_at, absolute_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [
        row.id_hash,
        row.user_id,
        row.organization_id,
        row.csrf_token,
        row.expires_at,
        row.absolute_expires_at,
      ],
    );
  }

  async findByHash(idHash: string): Promise<SessionWithUserRow | undefined> {
    const rows = await this.db.query<SessionWithUserRow>(
      `SELECT s.*, u.email AS user_email, u.name AS user_name, u.role AS user_role,
              o.name AS organization_name, o.kind AS organization_kind
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         JOIN organizations o ON o.id = s.organization_id
        WHERE s.id_hash = $1`,
      [idHash],
    );
    return rows[0];
  }

  /** Moves the idle expiry to `expiresAt`, capped at the session's absolute expiry. */
  async renew(idHash: string, expiresAt: Date): Promise<void> {
    await this.db.query(
      `UPDATE sessions SET last_seen_at = now(), expires_at = least($2::timestamptz, absolute_expires_at)
        WHERE id_hash = $1`,
      [idHash, expiresAt],
    );
  }

  async delete(idHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
  }

  /** Deletes every session of a user, so a new password signs out other browsers. */
  async deleteForUser(userId: string): Promise<number> {
    const rows = await this.db.query('DELETE FROM sessions WHERE user_id = $1 RETURNING id_hash', [
      userId,
    ]);
    return rows.length;
  }

  /**
   * Deletes sessions past their expiry; returns how many. Checking expires_at
   * covers the absolute expiry too, because insert and renew cap it there.
   */
  async deleteExpired(now: Date): Promise<number> {
    const rows = await this.db.query(
      'DELETE FROM sessions WHERE expires_at <= $1 RETURNING id_hash',
      [now],
    );
    return rows.length;
  }
}
