import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { CleanRoomQuestion } from '../../../src/domain/questions/clean-room-question.ts';
import type { Question } from '../../../src/domain/questions/question-view.ts';
import type { CreateRunRequest } from '../../../src/domain/runs/question-run.ts';
import type { RunPreview } from '../../../src/domain/runs/run-preview.ts';
import { fetchCleanRoomQuestion, previewRun, submitRun } from '../api/resources.ts';
import { cleanRoomNotFound, questionNotFound } from '../app/not-found-texts.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { countText } from '../lib/count-text.ts';
import { DatasetBindingField, initialDatasetId } from './run-form/dataset-binding-field.tsx';
import { toProblem, type FormProblem } from './run-form/form-problem.ts';
import {
  initialValue,
  ParameterField,
  parameterControlId,
  type ParameterValue,
} from './run-form/parameter-field.tsx';
import { QueuedRunNotice } from './run-form/queued-run-notice.tsx';
import { usePageTitle } from '../app/use-page-title.ts';

function PreviewSummary({ preview }: { preview: RunPreview }) {
  const { estimate } = preview;
  const suppressed = estimate.willBeSuppressed;
  return (
    <section className="preview" aria-labelledby="preview-title" data-testid="run-preview">
      <h2 id="preview-title">Preview</h2>
      <p>
        Crowd size {preview.privacy.crowdSize}. By {estimate.dimension}:{' '}
        {countText(estimate.mayPass.count, 'segment')} may pass, {suppressed.count.toLocaleString()}{' '}
        will be suppressed.
      </p>
      {suppressed.values !== null && suppressed.values.length > 0 && (
        <p>Suppressed: {suppressed.values.map((value) => value ?? '(empty)').join(', ')}</p>
      )}
      {estimate.unmatchedValues !== null && (
        <p className="notice" data-testid="preview-unmatched">
          {estimate.unmatchedValues.message}
        </p>
      )}
      <p className="hint" data-testid="preview-bound">
        The counts compare an upper bound on each segment’s people with the crowd size, taken before
        the parties’ data is matched, so “will be suppressed” is certain but “may pass” is not.
      </p>
      <p className="hint">{estimate.method}</p>
    </section>
  );
}

/**
 * Builds the run request. Only macros with a choice of datasets are sent,
 * because the server binds the single fitting dataset of the others.
 */
function buildRequest(
  resolved: CleanRoomQuestion,
  values: Record<string, ParameterValue>,
  datasets: Record<string, string | undefined>,
): CreateRunRequest {
  const parameters = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  );
  const chosen = resolved.datasetBindings
    .filter((binding) => binding.candidates.length > 1)
    .flatMap((binding) => {
      const datasetId = datasets[binding.macro];
      return datasetId === undefined ? [] : [[binding.macro, datasetId] as const];
    });
  return {
    questionId: resolved.question.template,
    parameters,
    ...(chosen.length > 0 ? { datasets: Object.fromEntries(chosen) } : {}),
  };
}

function useRunFormState(resolved: CleanRoomQuestion) {
  const [values, setValues] = useState(() =>
    Object.fromEntries(
      resolved.question.parameters.map((parameter) => [parameter.name, initialValue(parameter)]),
    ),
  );
  const [datasets, setDatasets] = useState(() =>
    Object.fromEntries(
      resolved.datasetBindings.map((binding) => [binding.macro, initialDatasetId(binding)]),
    ),
  );
  const setValue = (name: string, value: ParameterValue) =>
    setValues((previous) => ({ ...previous, [name]: value }));
  const setDataset = (macro: string, datasetId: string) =>
    setDatasets((previous) => ({ ...previous, [macro]: datasetId }));
  return { values, datasets, setValue, setDataset };
}

/** Moves focus to the control of a rejected parameter, so the user lands where the fix goes. */
function useFocusOnProblem(problem: FormProblem | null): void {
  useEffect(() => {
    if (problem?.parameter)
      document.getElementById(parameterControlId(problem.parameter.name))?.focus();
  }, [problem]);
}

/**
 * Returns the Idempotency-Key for a run request. The key stays the same while
 * the request is unchanged, so a retried or replayed submission starts the run
 * once. A changed request gets a new key, so a second run queued offline is
 * not rejected as a reuse of the first one's key.
 */
function useIdempotencyKey(): (request: CreateRunRequest) => string {
  const last = useRef<{ body: string; key: string } | null>(null);
  return (request) => {
    const body = JSON.stringify(request);
    if (last.current?.body !== body) last.current = { body, key: crypto.randomUUID() };
    return last.current.key;
  };
}

/** Sets up Preview and Start run, and keeps the problem the last of them reported. */
function useRunActions(cleanRoomId: string, question: Question, request: CreateRunRequest) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [problem, setProblem] = useState<FormProblem | null>(null);
  useFocusOnProblem(problem);
  const idempotencyKeyFor = useIdempotencyKey();
  const onError = (error: unknown) => setProblem(toProblem(error, question, cleanRoomId));
  const preview = useMutation({
    mutationFn: () => previewRun(cleanRoomId, request),
    onMutate: () => setProblem(null),
    onError,
  });
  const submit = useMutation({
    mutationFn: (idempotencyKey: string) => submitRun(cleanRoomId, request, idempotencyKey),
    onMutate: () => setProblem(null),
    onError,
    onSuccess: (outcome) => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      if (!('queued' in outcome)) void navigate(`/runs/${outcome.id}`);
    },
  });
  const startRun = () => submit.mutate(idempotencyKeyFor(request));
  return { problem, preview, submit, startRun };
}

function RunForm({ cleanRoomId, resolved }: { cleanRoomId: string; resolved: CleanRoomQuestion }) {
  const { question } = resolved;
  const { values, datasets, setValue, setDataset } = useRunFormState(resolved);
  const request = buildRequest(resolved, values, datasets);
  const { problem, preview, submit, startRun } = useRunActions(cleanRoomId, question, request);

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    if (!submit.isPending) startRun();
  };
  const dataTypesOf = (macro: string) =>
    question.datasetMacros.find((candidate) => candidate.macro === macro)?.dataTypes ?? [];

  return (
    <form className="run-form" onSubmit={onSubmit}>
      {question.parameters.map((parameter) => (
        <ParameterField
          key={parameter.name}
          parameter={parameter}
          value={values[parameter.name]}
          error={problem?.parameter?.name === parameter.name ? problem.message : null}
          onChange={(value) => setValue(parameter.name, value)}
        />
      ))}
      {resolved.datasetBindings.map((binding) => (
        <DatasetBindingField
          key={binding.macro}
          binding={binding}
          cleanRoomId={cleanRoomId}
          dataTypes={dataTypesOf(binding.macro)}
          value={datasets[binding.macro]}
          onChange={(datasetId) => setDataset(binding.macro, datasetId)}
        />
      ))}
      <div className="actions">
        {/* aria-disabled, not disabled: a disabled button loses keyboard focus to the page body. */}
        <button
          type="button"
          onClick={() => {
            if (!preview.isPending) preview.mutate();
          }}
          aria-disabled={preview.isPending}
        >
          Preview suppressed rows
        </button>
        <button type="submit" aria-disabled={submit.isPending}>
          Start run
        </button>
      </div>
      {problem !== null && (
        <p className="error" role="alert" data-testid="run-form-error">
          {problem.parameter === null
            ? problem.message
            : `Check ${problem.parameter.displayName}: ${problem.message}`}
          {problem.attachLink !== null && (
            <>
              {' '}
              <Link to={problem.attachLink.to}>{problem.attachLink.label}</Link>.
            </>
          )}
        </p>
      )}
      {/* Focus stays on the Preview button, so the live region announces the preview. */}
      <div aria-live="polite">
        {preview.data !== undefined && problem === null && (
          <PreviewSummary preview={preview.data} />
        )}
      </div>
      {submit.data !== undefined && 'queued' in submit.data && submit.variables !== undefined && (
        <QueuedRunNotice
          key={submit.variables}
          idempotencyKey={submit.variables}
          reason={submit.data.reason}
        />
      )}
    </form>
  );
}

/**
 * Runs a question in a clean room with a form generated from the question
 * as the room resolves it: the attribute columns a COLUMN parameter may
 * name, and the attached datasets each macro can read.
 */
export default function RunFormPage() {
  const { cleanRoomId = '', questionId = '' } = useParams();
  const query = useQuery({
    queryKey: ['cleanroom', cleanRoomId, 'question', questionId],
    queryFn: () => fetchCleanRoomQuestion(cleanRoomId, questionId),
  });
  const resolved = query.data;
  usePageTitle(resolved === undefined ? undefined : `Run ${resolved.question.name}`);
  return (
    <section className="detail-page" aria-labelledby="run-form-title">
      <p>
        <Link to={`/cleanrooms/${cleanRoomId}`}>← Clean room</Link>
      </p>
      <h1 id="run-form-title">{resolved?.question.name ?? 'Run a question'}</h1>
      <QueryStatus
        query={query}
        what="the question"
        explain={{
          ...cleanRoomNotFound(cleanRoomId),
          ...questionNotFound(questionId, cleanRoomId),
        }}
      />
      {resolved !== undefined && <RunForm cleanRoomId={cleanRoomId} resolved={resolved} />}
    </section>
  );
}
