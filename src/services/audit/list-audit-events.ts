import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeCursor,
  resolvePageSize,
  toPage,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import type { AuditEventRow } from '../../adapters/storage/repositories/audit-repository.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

export interface AuditEvent {
  id: number;
  action: string;
  objectType: string;
  objectId: string;
  cleanRoomId: string | null;
  userId: string | null;
  apiKeyId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
}

/** Lists what the caller's organization did, newest first. */
export async function listAuditEvents(context: ServiceContext, caller: Caller, query: PageQuery) {
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const before = decodeCursor(query.cursor)?.[0];
  const rows = await repositories(context.db).audit.listForOrganization(
    caller.organizationId,
    typeof before === 'number' ? before : null,
    limit,
  );
  return toPage(rows, limit, toAuditEvent, (row) => [row.id]);
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    action: row.action,
    objectType: row.object_type,
    objectId: row.object_id,
    cleanRoomId: row.clean_room_id,
    userId: row.user_id,
    apiKeyId: row.api_key_id,
    details: row.details,
    createdAt: toIso(row.created_at),
  };
}
