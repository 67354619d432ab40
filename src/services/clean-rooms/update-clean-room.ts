import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import type { CleanRoom, UpdateCleanRoomRequest } from '../../domain/clean-rooms/clean-room.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { toDateString } from '../../adapters/storage/repositories/row-mapping.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import {
  checkCrowdSizeFloor,
  checkNoiseScale,
  checkPrivacyNotLoosened,
} from './check-privacy-change.ts';
import { cleanRoomRead } from './get-clean-room.ts';
import { loadCleanRoom, requireRole } from './load-clean-room.ts';

/** Updates a clean room's name, description, status, end date or parameters; owners only. */
export async function updateCleanRoom(
  context: ServiceContext,
  caller: Caller,
  reference: string,
  request: UpdateCleanRoomRequest,
): Promise<CleanRoom> {
  const repos = repositories(context.db);
  const room = await loadCleanRoom(repos, caller, reference);
  requireRole(room, ['OWNER'], 'updating the clean room');
  const startAt = toDateString(room.start_at);
  if (request.endAt && request.endAt < startAt) {
    throw new AppError(
      'VALIDATION_FAILED',
      `endAt ${request.endAt} is before startAt ${startAt}; pass a later endAt.`,
      {
        details: { field: 'endAt' },
      },
    );
  }

  const parameters = request.cleanRoomParameters ?? {};
  checkCrowdSizeFloor(parameters.CROWD_SIZE, context.settings.minCrowdSize);
  checkNoiseScale(
    parameters.ENABLE_NOISE ?? room.noise_enabled,
    parameters.DATA_DECIBEL ?? room.noise_scale,
  );
  const attached = await repos.datasets.listForRoom(room.id);
  const partnerDataAttached = attached.some(
    (dataset) => dataset.organization_id !== caller.organizationId,
  );
  checkPrivacyNotLoosened(room, parameters, partnerDataAttached);

  await repos.cleanRooms.update(room.id, {
    name: request.name,
    description: request.description,
    status: request.status,
    end_at: request.endAt,
    crowd_size: parameters.CROWD_SIZE,
    noise_enabled: parameters.ENABLE_NOISE,
    noise_scale: parameters.DATA_DECIBEL,
    export_enabled: parameters.ENABLE_EXPORT,
  });
  await repos.audit.record(caller, {
    action: 'clean_room.update',
    objectType: 'clean_room',
    objectId: room.id,
    cleanRoomId: room.id,
    details: { changes: request },
  });
  await context.cache.invalidateTags([cacheTags.cleanRoom(room.id)]);
  // Reading the room back through the cache stores the new version for the next read by id.
  return context.cache.refresh(cleanRoomRead(context, caller, room.id));
}
