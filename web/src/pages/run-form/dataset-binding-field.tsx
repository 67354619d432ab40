import { Link } from 'react-router';
import type { MacroCandidates } from '../../../../src/domain/questions/clean-room-question.ts';
import { attachDatasetPath } from '../clean-room/attach-dataset-path.ts';

/** Returns the dataset a macro starts with: the server's default, else the first attached dataset that fits. */
export function initialDatasetId(binding: MacroCandidates): string | undefined {
  return binding.defaultDatasetId ?? binding.candidates[0]?.datasetId;
}

function candidateText(candidate: MacroCandidates['candidates'][number]): string {
  return `${candidate.name} (${candidate.ownerOrganization.name})`;
}

/**
 * Explains a macro no attached dataset fits, with a link to the room's
 * attach control when the caller's own dataset can fill it. Each
 * organization attaches only its own datasets, so for a macro a partner
 * supplies, the text asks a partner to attach one.
 */
function MissingDataset({
  binding,
  cleanRoomId,
  dataTypes,
}: {
  binding: MacroCandidates;
  cleanRoomId: string;
  dataTypes: readonly string[];
}) {
  const types = dataTypes.join(' or ');
  const missing = `No dataset attached to this clean room fits ${binding.macro} (${binding.description}).`;
  if (binding.suppliedBy === 'PARTNER') {
    return (
      <p className="error" data-testid="missing-dataset">
        {missing} A partner must attach one of type {types}, because each organization attaches only
        its own datasets.
      </p>
    );
  }
  return (
    <p className="error" data-testid="missing-dataset">
      {missing}{' '}
      <Link to={attachDatasetPath(cleanRoomId, dataTypes)}>Attach a dataset of type {types}</Link>{' '}
      before running this question.
    </p>
  );
}

/**
 * Shows which attached dataset a question's macro reads. A macro with
 * several fitting datasets gets a choice, and one with a single dataset
 * names it. For a macro with none, it links to where to attach one.
 */
export function DatasetBindingField({
  binding,
  cleanRoomId,
  dataTypes,
  value,
  onChange,
}: {
  binding: MacroCandidates;
  cleanRoomId: string;
  /** The dataset types the macro accepts. */
  dataTypes: readonly string[];
  value: string | undefined;
  onChange(datasetId: string): void;
}) {
  if (binding.candidates.length === 0) {
    return <MissingDataset binding={binding} cleanRoomId={cleanRoomId} dataTypes={dataTypes} />;
  }
  const [only] = binding.candidates;
  if (binding.candidates.length === 1 && only !== undefined) {
    return (
      <p className="hint">
        {binding.macro}: {candidateText(only)}
      </p>
    );
  }

  const id = `dataset-${binding.macro.replace(/[^a-z0-9_-]/gi, '')}`;
  return (
    <div className="field">
      <label htmlFor={id}>Dataset for {binding.macro}</label>
      <select id={id} value={value ?? ''} onChange={(event) => onChange(event.target.value)}>
        {binding.candidates.map((candidate) => (
          <option key={candidate.datasetId} value={candidate.datasetId}>
            {candidateText(candidate)}
          </option>
        ))}
      </select>
      <p className="hint">{binding.description}</p>
    </div>
  );
}
