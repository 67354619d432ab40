import { randomUUID } from 'node:crypto';
import { cacheTags } from '../../adapters/cache/cache-keys.ts';
import {
  DEFAULT_CLEAN_ROOM_PARAMETERS,
  type CleanRoom,
  type CreateCleanRoomRequest,
} from '../../domain/clean-rooms/clean-room.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { questionCatalog } from '../../domain/questions/catalog.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { checkCrowdSizeFloor, checkNoiseScale } from './check-privacy-change.ts';
import { toCleanRoomView } from './clean-room-view.ts';

/**
 * Creates a clean room owned by the caller's organization, with every
 * approved question added to it.
 */
export async function createCleanRoom(
  context: ServiceContext,
  caller: Caller,
  request: CreateCleanRoomRequest,
): Promise<CleanRoom> {
  const parameters = { ...DEFAULT_CLEAN_ROOM_PARAMETERS, ...request.cleanRoomParameters };
  checkCrowdSizeFloor(parameters.CROWD_SIZE, context.settings.minCrowdSize);
  checkNoiseScale(parameters.ENABLE_NOISE, parameters.DATA_DECIBEL);
  const startAt = request.startAt ?? new Date().toISOString().slice(0, 10);
  if (request.endAt && request.endAt < startAt) {
    throw new AppError(
      'VALIDATION_FAILED',
      `endAt ${request.endAt} is before startAt ${startAt}; pass a later endAt.`,
      {
        details: { field: 'endAt' },
      },
    );
  }

  const id = randomUUID();
  await context.db.transaction(async (tx) => {
    const repos = repositories(tx);
    await repos.cleanRooms.insert({
      id,
      ownerOrganizationId: caller.organizationId,
      name: request.name,
      description: request.description,
      type: request.type,
      startAt,
      endAt: request.endAt ?? null,
      crowdSize: parameters.CROWD_SIZE,
      noiseEnabled: parameters.ENABLE_NOISE,
      noiseScale: parameters.DATA_DECIBEL,
      exportEnabled: parameters.ENABLE_EXPORT,
    });
    await repos.partners.insert({
      id: randomUUID(),
      cleanRoomId: id,
      organizationId: caller.organizationId,
      role: 'OWNER',
    });
    await addCatalogQuestions(repos, id);
    await repos.audit.record(caller, {
      action: 'clean_room.create',
      objectType: 'clean_room',
      objectId: id,
      cleanRoomId: id,
    });
  });
  await context.cache.invalidateTags([cacheTags.organizationRooms(caller.organizationId)]);

  const room = await repositories(context.db).cleanRooms.findVisible(caller.organizationId, id);
  return toCleanRoomView(room!);
}

async function addCatalogQuestions(
  repos: ReturnType<typeof repositories>,
  cleanRoomId: string,
): Promise<void> {
  for (const definition of questionCatalog) {
    const question = await repos.questions.find(definition.template);
    if (question) await repos.questions.addToRoom(cleanRoomId, question.id);
  }
}
