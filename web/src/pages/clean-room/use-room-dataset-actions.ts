import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { CleanRoom } from '../../../../src/domain/clean-rooms/clean-room.ts';
import type { Dataset } from '../../../../src/domain/datasets/dataset-view.ts';
import { ApiError } from '../../api/api-error.ts';
import { attachDataset, detachDataset } from '../../api/resources.ts';
import { invalidateRoomDatasets } from './room-dataset-queries.ts';

/** The outcome of the last attach or detach, shown under the room's datasets. */
export interface DatasetActionNotice {
  kind: 'done' | 'failed';
  text: string;
}

/**
 * Target of keyboard focus once the lists show the outcome: the attach
 * select, or the notice when the select is gone or the action failed. The
 * serial makes a repeated request a new value, so the effect runs again.
 */
export interface FocusRequest {
  target: 'select' | 'notice';
  serial: number;
}

/**
 * Texts for the errors whose server messages name REST routes. The server
 * reports a room its caller's organization has left as not found.
 */
const FAILURE_TEXTS: Partial<Record<string, string>> = {
  CLEAN_ROOM_NOT_FOUND:
    'your organization is no longer a partner of this clean room. Open Clean rooms to see the rooms you can use.',
};

/** Describes a failed attach or detach: the server's message, or why no response came. */
export function actionFailureText(error: unknown): string {
  if (error instanceof TypeError) {
    return 'the server could not be reached. Check your connection and try again.';
  }
  const replaced = error instanceof ApiError ? FAILURE_TEXTS[error.code] : undefined;
  return replaced ?? (error instanceof Error ? error.message : String(error));
}

/**
 * Sets up Attach and Detach for a room's datasets. After either one, the
 * attached list and the run forms' dataset checks are read again before the
 * notice and the focus move, so both describe the new state.
 */
export function useRoomDatasetActions(room: CleanRoom) {
  const queryClient = useQueryClient();
  const [notice, setNotice] = useState<DatasetActionNotice | null>(null);
  const [focusRequest, setFocusRequest] = useState<FocusRequest | null>(null);

  const settle = async (next: DatasetActionNotice, target: FocusRequest['target']) => {
    await invalidateRoomDatasets(queryClient, room);
    setNotice(next);
    setFocusRequest((previous) => ({ target, serial: (previous?.serial ?? 0) + 1 }));
  };

  const attach = useMutation({
    mutationFn: (dataset: Dataset) => attachDataset(room.id, dataset.id),
    onMutate: () => setNotice(null),
    onSuccess: (_, dataset) =>
      settle({ kind: 'done', text: `Attached ${dataset.name} to this clean room.` }, 'select'),
    onError: (error, dataset) =>
      settle(
        { kind: 'failed', text: `Could not attach ${dataset.name}: ${actionFailureText(error)}` },
        'notice',
      ),
  });

  const detach = useMutation({
    mutationFn: (dataset: Dataset) => detachDataset(room.id, dataset.id),
    onMutate: () => setNotice(null),
    onSuccess: (_, dataset) =>
      settle({ kind: 'done', text: `Detached ${dataset.name} from this clean room.` }, 'select'),
    onError: (error, dataset) =>
      settle(
        { kind: 'failed', text: `Could not detach ${dataset.name}: ${actionFailureText(error)}` },
        'notice',
      ),
  });

  return { attach, detach, notice, focusRequest };
}
