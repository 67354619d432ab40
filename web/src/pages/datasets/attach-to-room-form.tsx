import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import type { CleanRoom } from '../../../../src/domain/clean-rooms/clean-room.ts';
import type { Dataset } from '../../../../src/domain/datasets/dataset-view.ts';
import { attachDataset, fetchCleanRooms } from '../../api/resources.ts';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { invalidateRoomDatasets } from '../clean-room/room-dataset-queries.ts';
import { actionFailureText } from '../clean-room/use-room-dataset-actions.ts';

/** Rooms the caller's organization may attach datasets to: any role but VIEWER, and not ended. */
async function fetchAttachableRooms(): Promise<CleanRoom[]> {
  // NOTE: reads the first page only (LIST_PAGE_SIZE rooms); rooms past it are not offered.
  const page = await fetchCleanRooms({ search: '', status: '' }, undefined);
  return page.items.filter((room) => room.myRole !== 'VIEWER' && room.status !== 'EXPIRED');
}

function AttachedNotice({ room, dataset }: { room: CleanRoom; dataset: Dataset }) {
  const noticeRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => noticeRef.current?.focus(), []);
  return (
    <p role="status" tabIndex={-1} ref={noticeRef} data-testid="attach-to-room-notice">
      Attached {dataset.name} to {room.name}.{' '}
      <Link to={`/cleanrooms/${encodeURIComponent(room.id)}`}>Open {room.name}</Link>
    </p>
  );
}

/**
 * Offers to attach a dataset that was just imported to one of the caller's
 * clean rooms. The room named by `?attachTo=` (an id or display id), which
 * the room page's import link sets, is chosen at the start.
 */
export function AttachToRoomForm({ dataset }: { dataset: Dataset }) {
  const queryClient = useQueryClient();
  const [searchParams] = useSearchParams();
  const rooms = useQuery({ queryKey: ['cleanrooms', 'attachable'], queryFn: fetchAttachableRooms });
  const [chosenId, setChosenId] = useState<string | null>(null);
  const attach = useMutation({
    mutationFn: (room: CleanRoom) => attachDataset(room.id, dataset.id),
    onSuccess: (_, room) => invalidateRoomDatasets(queryClient, room),
  });

  const requested = searchParams.get('attachTo');
  const choices = rooms.data ?? [];
  const chosen =
    choices.find((room) => room.id === chosenId) ??
    choices.find((room) => room.id === requested || room.displayId === requested) ??
    choices[0];
  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen !== undefined) attach.mutate(chosen);
  };

  if (attach.isSuccess && attach.variables !== undefined) {
    return <AttachedNotice room={attach.variables} dataset={dataset} />;
  }
  return (
    <form className="attach-form" onSubmit={onSubmit} aria-label="Attach to a clean room">
      <QueryStatus query={rooms} what="your clean rooms" />
      {rooms.isSuccess && chosen === undefined && (
        <p className="hint">Your organization has no clean room it can attach datasets to.</p>
      )}
      {chosen !== undefined && (
        <>
          <label htmlFor="attach-to-room">Attach {dataset.name} to a clean room</label>
          <div className="attach-row">
            <select
              id="attach-to-room"
              value={chosen.id}
              onChange={(event) => setChosenId(event.target.value)}
            >
              {choices.map((room) => (
                <option key={room.id} value={room.id}>
                  {room.name} ({room.displayId})
                </option>
              ))}
            </select>
            <button type="submit" disabled={attach.isPending}>
              Attach
            </button>
          </div>
        </>
      )}
      {attach.isError && attach.variables !== undefined && (
        <p className="error" role="alert">
          Could not attach {dataset.name} to {attach.variables.name}:{' '}
          {actionFailureText(attach.error)}
        </p>
      )}
    </form>
  );
}
