import type { Queryable } from '../database.ts';

export interface OrganizationRow {
  id: string;
  name: string;
  kind: string;
  created_at: Date;
}

export interface UserRow {
  id: string;
  organization_id: string;
  email: string;
  name: string;
  role: 'ADMIN' | 'MEMBER';
  created_at: Date;
}

/** Organizations and their users. */
export class OrganizationsRepository {
  constructor(private readonly db: Queryable) {}

  async insertOrganization(row: Pick<OrganizationRow, 'id' | 'name' | 'kind'>): Promise<void> {
    await this.db.query('INSERT INTO organizations (id, name, kind) VALUES ($1, $2, $3)', [
      row.id,
      row.name,
      row.kind,
    ]);
  }

  async insertUser(row: Omit<UserRow, 'created_at'>): Promise<void> {
    await this.db.query(
      'INSERT INTO users (id, organization_id, email, name, role) VALUES ($1, $2, $3, $4, $5)',
      [row.id, row.organization_id, row.email, row.name, row.role],
    );
  }

  async findOrganization(id: string): Promise<OrganizationRow | undefined> {
    const rows = await this.db.query<OrganizationRow>('SELECT * FROM organizations WHERE id = $1', [
      id,
    ]);
    return rows[0];
  }

  async findOrganizationByName(name: string): Promise<OrganizationRow | undefined> {
    const rows = await this.db.query<OrganizationRow>(
      'SELECT * FROM organizations WHERE lower(name) = lower($1)',
      [name],
    );
    return rows[0];
  }

  async findOrganizationByUserEmail(email: string): Promise<OrganizationRow | undefined> {
    const rows = await this.db.query<OrganizationRow>(
      `SELECT o.* FROM organizations o JOIN users u ON u.organization_id = o.id
        WHERE lower(u.email) = lower($1)`,
      [email],
    );
    return rows[0];
  }

  async listOrganizations(): Promise<OrganizationRow[]> {
    return this.db.query<OrganizationRow>('SELECT * FROM organizations ORDER BY name');
  }

  async countOrganizations(): Promise<number> {
    const rows = await this.db.query<{ count: number }>(
      'SELECT count(*) AS count FROM organizations',
    );
    return rows[0]?.count ?? 0;
  }

  async findFirstAdmin(organizationId: string): Promise<UserRow | undefined> {
    const rows = await this.db.query<UserRow>(
      `SELECT * FROM users WHERE organization_id = $1 ORDER BY (role = 'ADMIN') DESC, created_at LIMIT 1`,
      [organizationId],
    );
    return rows[0];
  }

  async findUser(id: string): Promise<UserRow | undefined> {
    const rows = await this.db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0];
  }

  /** Finds a user of one organization by id or by email (case-insensitive). */
  async findOrganizationUser(
    organizationId: string,
    user: { id: string } | { email: string },
  ): Promise<UserRow | undefined> {
    const [condition, value] =
      'id' in user ? ['id = $2', user.id] : ['lower(email) = lower($2)', user.email];
    const rows = await this.db.query<UserRow>(
      `SELECT * FROM users WHERE organization_id = $1 AND ${condition}`,
      [organizationId, value],
    );
    return rows[0];
  }
}
