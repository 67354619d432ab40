import type { QueryClient } from '@tanstack/react-query';
import type { CleanRoom } from '../../../../src/domain/clean-rooms/clean-room.ts';

/** Query key of the datasets attached to a clean room. */
export const roomDatasetsKey = (cleanRoomId: string) => ['cleanroom', cleanRoomId, 'datasets'];

/**
 * Marks stale every query that shows which datasets a room has: its attached
 * datasets and the run forms' dataset checks. Pages key a room by its id or by
 * its display id, as the URL names it, so both are matched.
 */
export function invalidateRoomDatasets(
  queryClient: QueryClient,
  room: Pick<CleanRoom, 'id' | 'displayId'>,
): Promise<void> {
  const references: unknown[] = [room.id, room.displayId];
  return queryClient.invalidateQueries({
    predicate: ({ queryKey }) =>
      queryKey[0] === 'cleanroom' &&
      references.includes(queryKey[1]) &&
      (queryKey[2] === 'datasets' || queryKey[2] === 'question'),
  });
}
