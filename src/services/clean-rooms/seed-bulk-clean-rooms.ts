import { AppError } from '../../domain/errors/app-error.ts';
import { DEFAULT_CROWD_SIZE } from '../../domain/clean-rooms/clean-room.ts';
import { questionCatalog } from '../../domain/questions/catalog.ts';
import type { Database } from '../../adapters/storage/database.ts';
import { repositories } from '../service-context.ts';

/** Most rooms one call inserts; bounds the size of the single statement's transaction. */
export const BULK_CLEAN_ROOMS_MAX = 1_000_000;

export interface BulkCleanRoomsRequest {
  organizationName: string;
  count: number;
  /**
   * Also adds the approved questions to every room. Off by default: the list
   * does not read them, and their foreign key checks triple the insert time.
   */
  withQuestions?: boolean;
}

/**
 * Inserts `count` clean rooms owned by one organization in a single
 * INSERT ... SELECT over generate_series, each with the organization as
 * owner, for load tests of the clean room list.
 * Names cycle through eight campaign words so searches match some rooms,
 * and every tenth room is INACTIVE so the status filter has work to do.
 */
export async function seedBulkCleanRooms(
  db: Database,
  request: BulkCleanRoomsRequest,
): Promise<{ organizationId: string; inserted: number }> {
  if (
    !Number.isInteger(request.count) ||
    request.count < 1 ||
    request.count > BULK_CLEAN_ROOMS_MAX
  ) {
    throw new AppError(
      'VALIDATION_FAILED',
      `count ${request.count} is invalid; pass a whole number from 1 to ${BULK_CLEAN_ROOMS_MAX}.`,
    );
  }
  const organization = await repositories(db).organizations.findOrganizationByName(
    request.organizationName,
  );
  if (!organization) {
    throw new AppError(
      'ORGANIZATION_NOT_FOUND',
      `No organization is named "${request.organizationName}"; check the name.`,
    );
  }

  const rows = await db.query<{ inserted: number }>(BULK_INSERT_SQL, [
    organization.id,
    request.count,
    DEFAULT_CROWD_SIZE,
    request.withQuestions ? questionCatalog.map((question) => question.template) : [],
  ]);
  // Fresh statistics let the planner walk clean_rooms_created_idx for a page instead of sorting every room.
  for (const table of ['clean_rooms', 'clean_room_partners', 'clean_room_questions']) {
    await db.query(`ANALYZE ${table}`);
  }
  return { organizationId: organization.id, inserted: rows[0]?.inserted ?? 0 };
}

/**
 * One statement, so the rooms, their owner rows and their questions commit
 * together. Display ids past CR-999999 keep all their digits, because lpad
 * would cut them to six. created_at steps back one millisecond per room so
 * the newest-first order is stable.
 */
const BULK_INSERT_SQL = `
  WITH numbered AS (
    SELECT g, gen_random_uuid() AS id, nextval('clean_room_display_seq') AS display_number
      FROM generate_series(1, $2::int) AS g
  ),
  rooms AS (
    INSERT INTO clean_rooms (id, display_id, owner_organization_id, name, description, type, status,
                             start_at, end_at, crowd_size, noise_enabled, noise_scale, export_enabled, created_at)
    SELECT id,
           'CR-' || CASE WHEN display_number < 1000000 THEN lpad(display_number::text, 6, '0')
                         ELSE display_number::text END,
           $1,
           (ARRAY['Spring', 'Summer', 'Autumn', 'Winter', 'Holiday', 'Loyalty', 'Retargeting', 'Brand lift'])[1 + g % 8]
             || ' campaign ' || lpad(g::text, 7, '0'),
           'Generated for load tests of the clean room list.',
           'Hybrid',
           CASE WHEN g % 10 = 0 THEN 'INACTIVE' ELSE 'ACTIVE' END,
           current_date, NULL, $3, false, 0, false,
           now() - g * interval '1 millisecond'
      FROM numbered
    RETURNING id
  ),
  owners AS (
    INSERT INTO clean_room_partners (id, clean_room_id, organization_id, role)
    SELECT gen_random_uuid(), id, $1, 'OWNER' FROM rooms
  ),
  room_questions AS (
    INSERT INTO clean_room_questions (clean_room_id, question_id)
    SELECT rooms.id, q.id FROM rooms CROSS JOIN questions q WHERE q.template = ANY($4::text[])
  )
  SELECT count(*)::int AS inserted FROM rooms`;
