import type { Queryable } from '../database.ts';
import type { UserRow } from './organizations-repository.ts';

/** A user with the password hash and organization that sign-in needs. */
export interface UserCredentialRow extends UserRow {
  /** argon2id PHC string, or null when the user has no password. */
  password_hash: string | null;
  organization_name: string;
  organization_kind: string;
}

/** Users' sign-in data; organizations-repository.ts reads and inserts the rest. */
export class UsersRepository {
  constructor(private readonly db: Queryable) {}

  /** Finds a user by email, ignoring case. */
  async findCredentialsByEmail(email: string): Promise<UserCredentialRow | undefined> {
    const rows = await this.db.query<UserCredentialRow>(
      `SELECT u.*, o.name AS organization_name, o.kind AS organization_kind
         FROM users u JOIN organizations o ON o.id = u.organization_id
        WHERE lower(u.email) = lower($1)`,
      [email],
    );
    return rows[0];
  }

  /** Sets a user's password hash; returns false when no user has that id. */
  async setPasswordHash(userId: string, passwordHash: string): Promise<boolean> {
    const rows = await this.db.query(
      'UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING id',
      [userId, passwordHash],
    );
    return rows.length > 0;
  }
}
