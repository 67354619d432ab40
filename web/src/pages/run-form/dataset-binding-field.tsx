import type { MacroCandidates } from '../../../../src/domain/questions/clean-room-question.ts';

/** Returns the dataset a macro starts with: the server's default, else the first attached dataset that fits. */
export function initialDatasetId(binding: MacroCandidates): string | undefined {
  return binding.defaultDatasetId ?? binding.candidates[0]?.datasetId;
}

function candidateText(candidate: MacroCandidates['candidates'][number]): string {
  return `${candidate.name} (${candidate.ownerOrganization.name})`;
}

/**
 * Shows which attached dataset a question's macro reads. A macro with
 * several fitting datasets gets a choice, and one with a single dataset
 * names it. For a macro with none, it explains how to fix the clean room.
 */
export function DatasetBindingField({
  binding,
  value,
  onChange,
}: {
  binding: MacroCandidates;
  value: string | undefined;
  onChange(datasetId: string): void;
}) {
  if (binding.candidates.length === 0) {
    return (
      <p className="error">
        No dataset attached to this clean room fits {binding.macro} ({binding.description}). Attach
        one before running this question.
      </p>
    );
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
