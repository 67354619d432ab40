import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { Question } from '../../../src/domain/questions/question-view.ts';
import type { CreateRunRequest } from '../../../src/domain/runs/question-run.ts';
import type { RunPreview } from '../../../src/domain/runs/run-preview.ts';
import { ApiError } from '../api/api-error.ts';
import { fetchRoomDatasets, fetchRoomQuestions, previewRun, submitRun } from '../api/resources.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { initialValue, ParameterField, type ParameterValue } from './run-form/parameter-field.tsx';

function describeError(error: unknown): string {
  if (error instanceof ApiError && error.status === 404 && error.code !== 'CLEAN_ROOM_NOT_FOUND') {
    return 'The preview is not available on this server.';
  }
  return error instanceof Error ? error.message : String(error);
}

function PreviewSummary({ preview }: { preview: RunPreview }) {
  const { estimate } = preview;
  const suppressed = estimate.willBeSuppressed;
  return (
    <section className="preview" aria-labelledby="preview-title" data-testid="run-preview">
      <h2 id="preview-title">Preview</h2>
      <p>
        Crowd size {preview.privacy.crowdSize}. By {estimate.dimension}: {estimate.mayPass.count}{' '}
        segments may pass, {suppressed.count} will be suppressed.
      </p>
      {suppressed.values !== null && suppressed.values.length > 0 && (
        <p>Suppressed: {suppressed.values.map((value) => value ?? '(empty)').join(', ')}</p>
      )}
      <p className="hint">{estimate.method}</p>
    </section>
  );
}

function buildRequest(
  question: Question,
  values: Record<string, ParameterValue>,
): CreateRunRequest {
  const parameters = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  );
  return { questionId: question.template, parameters };
}

/** Attribute columns of the room's datasets: what a COLUMN parameter may name (never identifiers or PII). */
function useAttributeColumns(cleanRoomId: string): string[] {
  const datasets = useQuery({
    queryKey: ['cleanroom', cleanRoomId, 'datasets'],
    queryFn: () => fetchRoomDatasets(cleanRoomId),
  });
  const columns = datasets.data?.items.flatMap((dataset) =>
    dataset.columns
      .filter((column) => column.identifierType === null && !column.isPii)
      .map((column) => column.name),
  );
  return [...new Set(columns ?? [])].sort();
}

function RunForm({ cleanRoomId, question }: { cleanRoomId: string; question: Question }) {
  const navigate = useNavigate();
  const attributeColumns = useAttributeColumns(cleanRoomId);
  const queryClient = useQueryClient();
  const [values, setValues] = useState(() =>
    Object.fromEntries(
      question.parameters.map((parameter) => [parameter.name, initialValue(parameter)]),
    ),
  );
  // One key per form: a retried or replayed submission starts the run once.
  const [idempotencyKey] = useState(() => crypto.randomUUID());
  const request = buildRequest(question, values);
  const preview = useMutation({ mutationFn: () => previewRun(cleanRoomId, request) });
  const submit = useMutation({
    mutationFn: () => submitRun(cleanRoomId, request, idempotencyKey),
    onSuccess: (outcome) => {
      void queryClient.invalidateQueries({ queryKey: ['runs'] });
      if (!('queued' in outcome)) void navigate(`/runs/${outcome.id}`);
    },
  });

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    submit.mutate();
  };

  return (
    <form className="run-form" onSubmit={onSubmit}>
      {question.parameters.map((parameter) => (
        <ParameterField
          key={parameter.name}
          parameter={parameter}
          value={values[parameter.name]}
          suggestions={parameter.type === 'COLUMN' ? attributeColumns : []}
          onChange={(value) => setValues((previous) => ({ ...previous, [parameter.name]: value }))}
        />
      ))}
      {question.datasetMacros.length > 0 && (
        <p className="hint">
          Datasets: {question.datasetMacros.map((macro) => macro.macro).join(', ')}, each bound to
          the dataset attached to the clean room that fits it.
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => preview.mutate()} disabled={preview.isPending}>
          Preview suppressed rows
        </button>
        <button type="submit" disabled={submit.isPending}>
          Start run
        </button>
      </div>
      {preview.isError && (
        <p className="error" role="alert">
          {describeError(preview.error)}
        </p>
      )}
      {preview.data !== undefined && <PreviewSummary preview={preview.data} />}
      {submit.isError && (
        <p className="error" role="alert">
          {describeError(submit.error)}
        </p>
      )}
      {submit.data !== undefined && 'queued' in submit.data && (
        <p className="banner banner-queue" role="status" data-testid="run-queued">
          The run is queued and will be submitted when the server can take it. {submit.data.reason}
        </p>
      )}
    </form>
  );
}

export default function RunFormPage() {
  const { cleanRoomId = '', questionId = '' } = useParams();
  const query = useQuery({
    queryKey: ['cleanroom', cleanRoomId, 'questions'],
    queryFn: () => fetchRoomQuestions(cleanRoomId),
  });
  const question = query.data?.items.find(
    (item) => item.template === questionId || item.id === questionId,
  );
  return (
    <section className="detail-page" aria-labelledby="run-form-title">
      <p>
        <Link to={`/cleanrooms/${cleanRoomId}`}>← Clean room</Link>
      </p>
      <h1 id="run-form-title">{question?.name ?? 'Run a question'}</h1>
      <QueryStatus query={query} what="the question" />
      {query.isSuccess && question === undefined && (
        <p>Question {questionId} is not available in this clean room.</p>
      )}
      {question !== undefined && <RunForm cleanRoomId={cleanRoomId} question={question} />}
    </section>
  );
}
