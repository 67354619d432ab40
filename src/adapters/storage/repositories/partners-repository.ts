import type { Queryable } from '../database.ts';

export interface PartnerRow {
  id: string;
  clean_room_id: string;
  organization_id: string;
  organization_name: string;
  organization_kind: string;
  role: 'OWNER' | 'ANALYST' | 'VIEWER';
  status: 'PENDING' | 'ACCEPTED' | 'DECLINED';
  added_at: Date;
}

const partnerSelect = `
  SELECT p.id, p.clean_room_id, p.organization_id, o.name AS organization_name,
         o.kind AS organization_kind, p.role, p.status, p.added_at
    FROM clean_room_partners p JOIN organizations o ON o.id = p.organization_id`;

/** Partner organizations of clean rooms and their roles. */
export class PartnersRepository {
  constructor(private readonly db: Queryable) {}

  async insert(row: {
    id: string;
    cleanRoomId: string;
    organizationId: string;
    role: string;
  }): Promise<boolean> {
    const rows = await this.db.query(
      `INSERT INTO clean_room_partners (id, clean_room_id, organization_id, role)
       VALUES ($1, $2, $3, $4) ON CONFLICT (clean_room_id, organization_id) DO NOTHING RETURNING id`,
      [row.id, row.cleanRoomId, row.organizationId, row.role],
    );
    return rows.length > 0;
  }

  async listForRoom(cleanRoomId: string): Promise<PartnerRow[]> {
    return this.db.query<PartnerRow>(
      `${partnerSelect} WHERE p.clean_room_id = $1 ORDER BY p.added_at, p.id`,
      [cleanRoomId],
    );
  }

  async find(cleanRoomId: string, partnerId: string): Promise<PartnerRow | undefined> {
    const rows = await this.db.query<PartnerRow>(
      `${partnerSelect} WHERE p.clean_room_id = $1 AND (p.id::text = $2 OR p.organization_id::text = $2)`,
      [cleanRoomId, partnerId],
    );
    return rows[0];
  }

  async findByOrganization(
    cleanRoomId: string,
    organizationId: string,
  ): Promise<PartnerRow | undefined> {
    const rows = await this.db.query<PartnerRow>(
      `${partnerSelect} WHERE p.clean_room_id = $1 AND p.organization_id = $2 AND p.status = 'ACCEPTED'`,
      [cleanRoomId, organizationId],
    );
    return rows[0];
  }

  async countOwners(cleanRoomId: string): Promise<number> {
    const rows = await this.db.query<{ count: number }>(
      `SELECT count(*) AS count FROM clean_room_partners WHERE clean_room_id = $1 AND role = 'OWNER'`,
      [cleanRoomId],
    );
    return rows[0]?.count ?? 0;
  }

  async remove(id: string): Promise<void> {
    await this.db.query('DELETE FROM clean_room_partners WHERE id = $1', [id]);
  }
}
