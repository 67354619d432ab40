import type { Caller } from '../../../domain/organizations/caller.ts';
import type { Queryable } from '../database.ts';

export interface AuditEventInput {
  action: string;
  objectType: string;
  objectId: string;
  cleanRoomId?: string | null;
  details?: Record<string, unknown>;
}

export interface AuditEventRow {
  id: number;
  organization_id: string;
  user_id: string | null;
  api_key_id: string | null;
  action: string;
  object_type: string;
  object_id: string;
  clean_room_id: string | null;
  details: Record<string, unknown>;
  created_at: Date;
}

/** Append-only record of who did what to which object. */
export class AuditRepository {
  constructor(private readonly db: Queryable) {}

  async record(caller: Caller, event: AuditEventInput): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_events (organization_id, user_id, api_key_id, action, object_type, object_id,
                                 clean_room_id, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
      [
        caller.organizationId,
        caller.userId,
        caller.apiKeyId,
        event.action,
        event.objectType,
        event.objectId,
        event.cleanRoomId ?? null,
        JSON.stringify(event.details ?? {}),
      ],
    );
  }

  async listForOrganization(organizationId: string, beforeId: number | null, limit: number) {
    return this.db.query<AuditEventRow>(
      `SELECT * FROM audit_events WHERE organization_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [organizationId, beforeId, limit + 1],
    );
  }

  /** Events about one clean room, by any of its partners, newest first. */
  async listForCleanRoom(cleanRoomId: string, beforeId: number | null, limit: number) {
    return this.db.query<AuditEventRow>(
      `SELECT * FROM audit_events WHERE clean_room_id = $1 AND ($2::bigint IS NULL OR id < $2)
        ORDER BY id DESC LIMIT $3`,
      [cleanRoomId, beforeId, limit + 1],
    );
  }
}
