import type { CleanRoomParameters } from '../../domain/clean-rooms/clean-room.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { CleanRoomRow } from '../../adapters/storage/repositories/clean-rooms-repository.ts';

/** Rejects a crowd size under the platform's minimum. */
export function checkCrowdSizeFloor(crowdSize: number | undefined, minimum: number): void {
  if (crowdSize === undefined || crowdSize >= minimum) return;

  throw new AppError(
    'PRIVACY_VIOLATION',
    `CROWD_SIZE ${crowdSize} is below this platform's minimum of ${minimum}; choose ${minimum} or more.`,
    { details: { field: 'cleanRoomParameters.CROWD_SIZE', received: crowdSize, minimum } },
  );
}

/** Rejects noise switched on with no scale, which would add nothing while claiming noise. */
export function checkNoiseScale(noiseEnabled: boolean, scale: number): void {
  if (!noiseEnabled || scale > 0) return;

  throw new AppError(
    'VALIDATION_FAILED',
    'ENABLE_NOISE is true but DATA_DECIBEL is 0; set DATA_DECIBEL to the Laplace scale, such as 1.',
    { details: { field: 'cleanRoomParameters.DATA_DECIBEL', received: scale } },
  );
}

/**
 * Rejects loosening a room's privacy settings while another organization's
 * data is attached. Partners attached their data under the settings in
 * force, so until those datasets are detached an owner may only tighten
 * them: raise the crowd size, turn noise on, or raise its scale.
 */
export function checkPrivacyNotLoosened(
  room: CleanRoomRow,
  requested: Partial<CleanRoomParameters>,
  partnerDataAttached: boolean,
): void {
  if (!partnerDataAttached) return;

  const loosened: string[] = [];
  if (requested.CROWD_SIZE !== undefined && requested.CROWD_SIZE < room.crowd_size)
    loosened.push('CROWD_SIZE');
  if (requested.ENABLE_NOISE === false && room.noise_enabled) loosened.push('ENABLE_NOISE');
  if (
    requested.DATA_DECIBEL !== undefined &&
    room.noise_enabled &&
    requested.DATA_DECIBEL < room.noise_scale
  ) {
    loosened.push('DATA_DECIBEL');
  }
  if (loosened.length === 0) return;

  throw new AppError(
    'PRIVACY_VIOLATION',
    `Partners' datasets are attached to ${room.display_id}, so its privacy settings can only be tightened; ${loosened.join(', ')} would loosen them. Partners must detach their datasets first.`,
    { details: { fields: loosened } },
  );
}
