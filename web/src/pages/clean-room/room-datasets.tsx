import { useQuery } from '@tanstack/react-query';
import { useEffect, useRef, type RefObject } from 'react';
import { useLocation, useSearchParams } from 'react-router';
import type { CleanRoom } from '../../../../src/domain/clean-rooms/clean-room.ts';
import type { Dataset } from '../../../../src/domain/datasets/dataset-view.ts';
import { fetchAllDatasets, fetchRoomDatasets } from '../../api/resources.ts';
import { cleanRoomNotFound } from '../../app/not-found-texts.ts';
import { useSignedInSession } from '../../app/session-context.tsx';
import { QueryStatus } from '../../components/QueryStatus.tsx';
import { countText } from '../../lib/count-text.ts';
import { AttachDatasetForm } from './attach-dataset-form.tsx';
import { ATTACH_DATASET_ANCHOR } from './attach-dataset-path.ts';
import { roomDatasetsKey } from './room-dataset-queries.ts';
import {
  useRoomDatasetActions,
  type DatasetActionNotice,
  type FocusRequest,
} from './use-room-dataset-actions.ts';

function AttachedDataset({
  dataset,
  own,
  pending,
  onDetach,
}: {
  dataset: Dataset;
  own: boolean;
  pending: boolean;
  onDetach(dataset: Dataset): void;
}) {
  return (
    <li>
      {dataset.name} · {dataset.dataType} · {countText(dataset.rowCount, 'row')} ·{' '}
      {dataset.ownerOrganization.name}{' '}
      {own && (
        <button
          type="button"
          className="secondary-button"
          aria-label={`Detach ${dataset.name}`}
          disabled={pending}
          onClick={() => onDetach(dataset)}
        >
          Detach
        </button>
      )}
    </li>
  );
}

function Notice({
  notice,
  noticeRef,
}: {
  notice: DatasetActionNotice | null;
  noticeRef: RefObject<HTMLParagraphElement | null>;
}) {
  if (notice === null) return null;
  return (
    <p
      ref={noticeRef}
      tabIndex={-1}
      role={notice.kind === 'failed' ? 'alert' : 'status'}
      className={notice.kind === 'failed' ? 'error' : undefined}
      data-testid="dataset-action-notice"
    >
      {notice.text}
    </p>
  );
}

/**
 * Moves focus after an attach or detach, and to the attach control when the
 * page was opened with its anchor, as the run form's link does.
 */
function useDatasetFocus(
  focusRequest: FocusRequest | null,
  ready: boolean,
  selectRef: RefObject<HTMLSelectElement | null>,
  noticeRef: RefObject<HTMLParagraphElement | null>,
  anchorRef: RefObject<HTMLElement | null>,
): void {
  const location = useLocation();
  const focusedAnchorFor = useRef<string | null>(null);

  useEffect(() => {
    if (focusRequest === null) return;
    const select = focusRequest.target === 'select' ? selectRef.current : null;
    (select ?? noticeRef.current)?.focus();
  }, [focusRequest, selectRef, noticeRef]);

  useEffect(() => {
    if (!ready || location.hash !== `#${ATTACH_DATASET_ANCHOR}`) return;
    if (focusedAnchorFor.current === location.key) return;
    focusedAnchorFor.current = location.key;
    (selectRef.current ?? anchorRef.current)?.focus();
  }, [ready, location, selectRef, anchorRef]);
}

/**
 * Lists the datasets attached to a clean room, every partner's, with Detach
 * for the caller's organization's own and a control to attach others of them.
 */
export function RoomDatasets({ room }: { room: CleanRoom }) {
  const session = useSignedInSession();
  const [searchParams] = useSearchParams();
  const attached = useQuery({
    queryKey: roomDatasetsKey(room.id),
    queryFn: () => fetchRoomDatasets(room.id),
  });
  const own = useQuery({ queryKey: ['datasets', 'all'], queryFn: fetchAllDatasets });
  const { attach, detach, notice, focusRequest } = useRoomDatasetActions(room);
  const selectRef = useRef<HTMLSelectElement>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const anchorRef = useRef<HTMLHeadingElement>(null);
  useDatasetFocus(
    focusRequest,
    attached.isSuccess && own.isSuccess,
    selectRef,
    noticeRef,
    anchorRef,
  );

  const attachedIds = new Set(attached.data?.items.map((dataset) => dataset.id));
  const available = own.data?.filter((dataset) => !attachedIds.has(dataset.id)) ?? [];
  const requestedTypes = searchParams.get('attachType')?.split(',').filter(Boolean) ?? [];
  const pending = attach.isPending || detach.isPending;
  return (
    <section aria-labelledby="datasets-title">
      <h2 id="datasets-title">Datasets</h2>
      <QueryStatus
        query={attached}
        what="the attached datasets"
        explain={cleanRoomNotFound(room.displayId)}
      />
      {attached.data?.items.length === 0 && <p className="muted">No datasets are attached.</p>}
      <ul aria-label="Attached datasets">
        {attached.data?.items.map((dataset) => (
          <AttachedDataset
            key={dataset.id}
            dataset={dataset}
            own={dataset.ownerOrganization.id === session.organization.id}
            pending={pending}
            onDetach={(chosen) => detach.mutate(chosen)}
          />
        ))}
      </ul>
      <h3 id={ATTACH_DATASET_ANCHOR} ref={anchorRef} tabIndex={-1}>
        Attach a dataset
      </h3>
      <QueryStatus query={own} what="your datasets" />
      {attached.isSuccess && own.isSuccess && (
        <AttachDatasetForm
          room={room}
          available={available}
          requestedTypes={requestedTypes}
          attachedTypes={new Set(attached.data.items.map((dataset) => dataset.dataType))}
          pending={pending}
          selectRef={selectRef}
          onAttach={(dataset) => attach.mutate(dataset)}
        />
      )}
      <Notice notice={notice} noticeRef={noticeRef} />
    </section>
  );
}
