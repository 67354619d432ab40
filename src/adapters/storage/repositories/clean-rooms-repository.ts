import type { Queryable } from '../database.ts';

export interface CleanRoomRow {
  id: string;
  display_id: string;
  owner_organization_id: string;
  owner_organization_name: string;
  name: string;
  description: string;
  type: string;
  /** Stored status, or EXPIRED once end_at has passed. */
  status: 'ACTIVE' | 'INACTIVE' | 'EXPIRED';
  start_at: Date | string;
  end_at: Date | string | null;
  crowd_size: number;
  noise_enabled: boolean;
  noise_scale: number;
  export_enabled: boolean;
  my_role: 'OWNER' | 'ANALYST' | 'VIEWER';
  partners_count: number;
  /** A Date, or ISO 8601 text in list rows, which arrive as JSON (see `listStatement`). */
  created_at: Date | string;
  updated_at: Date | string;
}

export interface NewCleanRoom {
  id: string;
  ownerOrganizationId: string;
  name: string;
  description: string;
  type: string;
  startAt: string;
  endAt: string | null;
  crowdSize: number;
  noiseEnabled: boolean;
  noiseScale: number;
  exportEnabled: boolean;
}

export interface CleanRoomFilter {
  search?: string;
  status?: 'ACTIVE' | 'INACTIVE' | 'EXPIRED';
  /** Only rooms with an accepted partner organization of this kind (PUBLISHER...) other than the caller's. */
  partnerKind?: string;
  /** Only rooms with an attached dataset of a fitting type and supplier for each of these dataset inputs. */
  datasetsFor?: readonly AttachedDatasetNeed[];
  /** Keyset position: rooms strictly after (created_at, id) in descending order. */
  after?: { createdAt: string; id: string };
  limit: number;
}

/** A question's dataset input as a room filter: an attached dataset of one of the types, from the supplier. */
export interface AttachedDatasetNeed {
  dataTypes: readonly string[];
  /** RUNNER is the caller's organization, PARTNER another one and ANY either. */
  suppliedBy: 'RUNNER' | 'PARTNER' | 'ANY';
}

const SUPPLIER_CONDITIONS: Record<AttachedDatasetNeed['suppliedBy'], string> = {
  RUNNER: 'AND ad.organization_id = $1',
  PARTNER: 'AND ad.organization_id <> $1',
  ANY: '',
};

/** Columns of a room as seen by the organization bound to parameter $1. */
const visibleRoomSelect = `
  SELECT r.id, r.display_id, r.owner_organization_id, o.name AS owner_organization_name,
         r.name, r.description, r.type,
         CASE WHEN r.end_at IS NOT NULL AND r.end_at < current_date THEN 'EXPIRED' ELSE r.status END AS status,
         r.start_at, r.end_at, r.crowd_size, r.noise_enabled, r.noise_scale, r.export_enabled,
         me.role AS my_role,
         (SELECT count(*) FROM clean_room_partners p WHERE p.clean_room_id = r.id) AS partners_count,
         r.created_at, r.updated_at
    FROM clean_rooms r
    JOIN organizations o ON o.id = r.owner_organization_id
    JOIN clean_room_partners me ON me.clean_room_id = r.id AND me.organization_id = $1 AND me.status = 'ACCEPTED'`;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Clean rooms, always read through the caller's partnership. */
export class CleanRoomsRepository {
  constructor(private readonly db: Queryable) {}

  async insert(room: NewCleanRoom): Promise<void> {
    await this.db.query(
      `INSERT INTO clean_rooms (id, display_id, owner_organization_id, name, description, type, status,
                                start_at, end_at, crowd_size, noise_enabled, noise_scale, export_enabled)
       VALUES ($1, 'CR-' || lpad(nextval('clean_room_display_seq')::text, 6, '0'), $2, $3, $4, $5, 'ACTIVE',
               $6, $7, $8, $9, $10, $11)`,
      [
        room.id,
        room.ownerOrganizationId,
        room.name,
        room.description,
        room.type,
        room.startAt,
        room.endAt,
        room.crowdSize,
        room.noiseEnabled,
        room.noiseScale,
        room.exportEnabled,
      ],
    );
  }

  /** Finds a room visible to the organization by UUID or display id (`CR-000001`). */
  async findVisible(organizationId: string, reference: string): Promise<CleanRoomRow | undefined> {
    const column = UUID_PATTERN.test(reference) ? 'r.id' : 'r.display_id';
    const rows = await this.db.query<CleanRoomRow>(`${visibleRoomSelect} WHERE ${column} = $2`, [
      organizationId,
      UUID_PATTERN.test(reference) ? reference : reference.toUpperCase(),
    ]);
    return rows[0];
  }

  /** Rooms visible to the organization whose name equals `name`, ignoring case. */
  async findVisibleByName(organizationId: string, name: string): Promise<CleanRoomRow[]> {
    return this.db.query<CleanRoomRow>(
      `${visibleRoomSelect} WHERE lower(r.name) = lower($2) LIMIT 20`,
      [organizationId, name],
    );
  }

  async listVisible(organizationId: string, filter: CleanRoomFilter): Promise<CleanRoomRow[]> {
    const params: unknown[] = [organizationId];
    const conditions: string[] = [];
    if (filter.search) {
      params.push(`%${escapeLike(filter.search)}%`);
      conditions.push(`(r.name ILIKE $${params.length} OR r.display_id ILIKE $${params.length})`);
    }
    if (filter.status === 'EXPIRED') conditions.push('r.end_at < current_date');
    if (filter.status === 'ACTIVE' || filter.status === 'INACTIVE') {
      params.push(filter.status);
      conditions.push(
        `r.status = $${params.length} AND (r.end_at IS NULL OR r.end_at >= current_date)`,
      );
    }
    if (filter.partnerKind) {
      params.push(filter.partnerKind);
      conditions.push(`EXISTS (SELECT 1 FROM clean_room_partners kp
                                JOIN organizations ko ON ko.id = kp.organization_id
                               WHERE kp.clean_room_id = r.id AND kp.organization_id <> $1
                                 AND kp.status = 'ACCEPTED' AND ko.kind = $${params.length})`);
    }
    for (const need of filter.datasetsFor ?? []) {
      params.push(need.dataTypes);
      conditions.push(`EXISTS (SELECT 1 FROM clean_room_datasets a
                                JOIN datasets ad ON ad.id = a.dataset_id
                               WHERE a.clean_room_id = r.id AND ad.data_type = ANY($${params.length}::text[])
                                 ${SUPPLIER_CONDITIONS[need.suppliedBy]})`);
    }
    if (filter.after) {
      params.push(filter.after.createdAt, filter.after.id);
      conditions.push(
        `(r.created_at, r.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`,
      );
    }
    params.push(filter.limit + 1);
    const rows = await this.db.query<{ room: CleanRoomRow }>(
      listStatement(conditions, params.length),
      params,
    );
    return rows.map((row) => row.room);
  }

  async update(id: string, changes: Record<string, unknown>): Promise<void> {
    const entries = Object.entries(changes).filter(([, value]) => value !== undefined);
    if (entries.length === 0) return;

    const assignments = entries.map(([column], index) => `${column} = $${index + 2}`);
    await this.db.query(
      `UPDATE clean_rooms SET ${assignments.join(', ')}, updated_at = now() WHERE id = $1`,
      [id, ...entries.map(([, value]) => value)],
    );
  }
}

/** List statements by their conditions; a few dozen filter combinations at most. */
const listStatements = new Map<string, string>();

/**
 * Returns the list statement for these conditions, the same string each
 * time. The database adapter looks statements up by text three times per
 * query, and V8 keeps a string's hash, so a reused text is found without
 * rehashing it.
 *
 * Each room comes back as one `json` column. For every query, pg parses a
 * description of each column, builds a value parser per column and copies a
 * dictionary-mode object per row. With the 18 columns of a room, that cost
 * more than the rest of an uncached list request. One column parsed by
 * JSON.parse raised the uncached list from about 9,400 to about 12,100
 * requests per second (15 s loads, alternating, on the 2-core bench
 * machine). Timestamps then arrive as ISO 8601 text with the session's
 * offset, which `toIso` reads.
 */
function listStatement(conditions: readonly string[], limitIndex: number): string {
  const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
  const key = `${where} $${limitIndex}`;
  let statement = listStatements.get(key);
  if (statement === undefined) {
    statement = `SELECT row_to_json(room) AS room
                   FROM (${visibleRoomSelect} ${where}
                         ORDER BY r.created_at DESC, r.id DESC LIMIT $${limitIndex}) room
                  ORDER BY room.created_at DESC, room.id DESC`;
    listStatements.set(key, statement);
  }
  return statement;
}

/** Escapes LIKE wildcards so a search for "50%" matches the literal text. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}
