import type { AuditEvent } from '../../domain/audit/audit-event.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import {
  decodeCursor,
  resolvePageSize,
  toPage,
  type Page,
  type PageQuery,
} from '../../domain/pagination/page.ts';
import type { AuditEventRow } from '../../adapters/storage/repositories/audit-repository.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import { loadCleanRoom } from '../clean-rooms/load-clean-room.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/** Lists what the caller's organization did, newest first. */
export async function listAuditEvents(
  context: ServiceContext,
  caller: Caller,
  query: PageQuery,
): Promise<Page<AuditEvent>> {
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const rows = await repositories(context.db).audit.listForOrganization(
    caller.organizationId,
    decodeEventCursor(query.cursor),
    limit,
  );
  return toPage(rows, limit, toAuditEvent, (row) => [row.id]);
}

/**
 * Lists what every partner did in a clean room, newest first, so partners
 * see changes such as new privacy settings or attached datasets.
 */
export async function listCleanRoomAuditEvents(
  context: ServiceContext,
  caller: Caller,
  cleanRoomRef: string,
  query: PageQuery,
): Promise<Page<AuditEvent>> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, cleanRoomRef);
  const limit = resolvePageSize(query.limit, context.settings.pageSizeMax);
  const rows = await repos.audit.listForCleanRoom(room.id, decodeEventCursor(query.cursor), limit);
  return toPage(rows, limit, toAuditEvent, (row) => [row.id]);
}

function decodeEventCursor(cursor: string | undefined): number | null {
  const position = decodeCursor(cursor);
  if (position === null) return null;

  const [id] = position;
  if (position.length === 1 && typeof id === 'number' && Number.isSafeInteger(id) && id > 0)
    return id;
  throw new AppError(
    'CURSOR_INVALID',
    `Cursor "${cursor}" does not belong to this list; pass the nextCursor of the previous page unchanged.`,
    {
      details: { cursor },
    },
  );
}

function toAuditEvent(row: AuditEventRow): AuditEvent {
  return {
    id: row.id,
    organizationId: row.organization_id,
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
