import { useState, type FormEvent, type RefObject } from 'react';
import { Link } from 'react-router';
import type { CleanRoom } from '../../../../src/domain/clean-rooms/clean-room.ts';
import type { Dataset } from '../../../../src/domain/datasets/dataset-view.ts';
import { countText } from '../../lib/count-text.ts';
import { ATTACH_DATASET_ANCHOR } from './attach-dataset-path.ts';

const SELECT_ID = `${ATTACH_DATASET_ANCHOR}-select`;

function optionText(dataset: Dataset): string {
  return `${dataset.name} · ${dataset.dataType} · ${countText(dataset.rowCount, 'row')}`;
}

/** Returns why the caller's organization cannot attach datasets to the room, or null when it can. */
function attachBlocker(room: CleanRoom): string | null {
  if (room.status === 'EXPIRED') {
    return 'This clean room has ended, so no datasets can be attached to it.';
  }
  if (room.myRole === 'VIEWER') {
    return 'Your organization is a VIEWER in this clean room, so it cannot attach datasets. An owner or analyst can.';
  }
  return null;
}

function ImportLink({ room, text }: { room: CleanRoom; text: string }) {
  return (
    <p className="hint">
      {text} <Link to={`/datasets?attachTo=${encodeURIComponent(room.id)}`}>Import a dataset</Link>
    </p>
  );
}

/**
 * Lets a partner attach one of its organization's datasets that is not in
 * the room yet. `requestedTypes` are the dataset types a question needs, and the
 * first dataset of one of them is chosen at the start.
 */
export function AttachDatasetForm({
  room,
  available,
  requestedTypes,
  attachedTypes,
  pending,
  selectRef,
  onAttach,
}: {
  room: CleanRoom;
  available: readonly Dataset[];
  requestedTypes: readonly string[];
  /** Dataset types attached to the room already, every partner's. */
  attachedTypes: ReadonlySet<string>;
  pending: boolean;
  selectRef: RefObject<HTMLSelectElement | null>;
  onAttach(dataset: Dataset): void;
}) {
  const [chosenId, setChosenId] = useState<string | null>(null);
  const matching = available.filter((dataset) => requestedTypes.includes(dataset.dataType));
  const chosen =
    available.find((dataset) => dataset.id === chosenId) ?? matching[0] ?? available[0] ?? null;

  const blocker = attachBlocker(room);
  if (blocker !== null) return <p className="hint">{blocker}</p>;
  if (chosen === null) {
    return <ImportLink room={room} text="All of your organization's datasets are attached here." />;
  }

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    onAttach(chosen);
  };
  const types = requestedTypes.join(' or ');
  // Once a dataset of a requested type is attached, the question's request is met.
  const stillNeeded = !requestedTypes.some((type) => attachedTypes.has(type));
  return (
    <form className="attach-form" onSubmit={onSubmit} aria-labelledby={ATTACH_DATASET_ANCHOR}>
      <label htmlFor={SELECT_ID}>Your dataset to attach</label>
      <div className="attach-row">
        <select
          id={SELECT_ID}
          ref={selectRef}
          value={chosen.id}
          onChange={(event) => setChosenId(event.target.value)}
        >
          {available.map((dataset) => (
            <option key={dataset.id} value={dataset.id}>
              {optionText(dataset)}
            </option>
          ))}
        </select>
        <button type="submit" disabled={pending}>
          Attach
        </button>
      </div>
      {stillNeeded && requestedTypes.length > 0 && matching.length > 0 && (
        <p className="hint">The question needs a dataset of type {types}.</p>
      )}
      {stillNeeded && requestedTypes.length > 0 && matching.length === 0 && (
        <ImportLink
          room={room}
          text={`The question needs a dataset of type ${types}, and none of yours that are not attached here has that type.`}
        />
      )}
    </form>
  );
}
