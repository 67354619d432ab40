import type { Queryable } from '../database.ts';

export interface ApiKeyRow {
  id: string;
  organization_id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

/** Columns of a key that authentication reads, with the role of the key's user. */
export interface ApiKeyCredentialRow extends Pick<
  ApiKeyRow,
  'id' | 'organization_id' | 'user_id' | 'prefix' | 'last_used_at' | 'revoked_at'
> {
  user_role: 'ADMIN' | 'MEMBER';
}

/** API keys, stored as SHA-256 hashes only. */
export class ApiKeysRepository {
  constructor(private readonly db: Queryable) {}

  async insert(
    row: Omit<ApiKeyRow, 'created_at' | 'last_used_at' | 'revoked_at'>,
  ): Promise<ApiKeyRow> {
    const rows = await this.db.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, organization_id, user_id, name, prefix, key_hash)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
      [row.id, row.organization_id, row.user_id, row.name, row.prefix, row.key_hash],
    );
    return rows[0]!;
  }

  /**
   * Finds the key with this hash. With the cache off this runs on every request
   * that sends an API key, so it reads only the columns that authentication uses.
   */
  async findByHash(keyHash: string): Promise<ApiKeyCredentialRow | undefined> {
    const rows = await this.db.query<ApiKeyCredentialRow>(
      `SELECT k.id, k.organization_id, k.user_id, k.prefix, k.last_used_at, k.revoked_at,
              u.role AS user_role
         FROM api_keys k JOIN users u ON u.id = k.user_id
        WHERE k.key_hash = $1`,
      [keyHash],
    );
    return rows[0];
  }

  async listForOrganization(organizationId: string): Promise<ApiKeyRow[]> {
    return this.db.query<ApiKeyRow>(
      'SELECT * FROM api_keys WHERE organization_id = $1 ORDER BY created_at, id',
      [organizationId],
    );
  }

  /** Revokes a key of the organization; returns undefined when no such key exists there. */
  async revoke(organizationId: string, id: string): Promise<ApiKeyRow | undefined> {
    const rows = await this.db.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now())
        WHERE id = $1 AND organization_id = $2 RETURNING *`,
      [id, organizationId],
    );
    return rows[0];
  }

  async touchLastUsed(id: string): Promise<void> {
    await this.db.query('UPDATE api_keys SET last_used_at = now() WHERE id = $1', [id]);
  }
}
