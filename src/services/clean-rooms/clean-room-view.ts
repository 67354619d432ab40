import type { CleanRoom } from '../../domain/clean-rooms/clean-room.ts';
import type { CleanRoomRow } from '../../adapters/storage/repositories/clean-rooms-repository.ts';
import {
  toDateString,
  toDateStringOrNull,
  toIso,
} from '../../adapters/storage/repositories/row-mapping.ts';

export function toCleanRoomView(row: CleanRoomRow): CleanRoom {
  return {
    id: row.id,
    displayId: row.display_id,
    name: row.name,
    description: row.description,
    type: row.type as CleanRoom['type'],
    status: row.status,
    ownerOrganization: { id: row.owner_organization_id, name: row.owner_organization_name },
    startAt: toDateString(row.start_at),
    endAt: toDateStringOrNull(row.end_at),
    cleanRoomParameters: {
      CROWD_SIZE: row.crowd_size,
      ENABLE_NOISE: row.noise_enabled,
      DATA_DECIBEL: row.noise_scale,
      ENABLE_EXPORT: row.export_enabled,
    },
    myRole: row.my_role,
    partnersCount: row.partners_count,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
  };
}
