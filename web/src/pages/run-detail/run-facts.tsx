import { Fragment } from 'react';
import { Link } from 'react-router';
import type { QuestionRun } from '../../../../src/domain/runs/question-run.ts';
import { labeledParameters } from '../../lib/run-parameters.ts';

function ParameterList({ run }: { run: QuestionRun }) {
  const parameters = labeledParameters(run);
  if (parameters.length === 0) return <>None</>;

  return (
    <dl className="facts" data-testid="run-parameters">
      {parameters.map((parameter) => (
        <Fragment key={parameter.name}>
          <dt>{parameter.label}</dt>
          <dd>{parameter.text ?? <span className="muted">not set</span>}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function DatasetList({ run }: { run: QuestionRun }) {
  // A run cached before datasets were described has their ids only.
  if (run.boundDatasets.length === 0) {
    const ids = Object.entries(run.datasets);
    if (ids.length === 0) return <>None</>;
    return (
      <ul className="plain-list" data-testid="run-datasets">
        {ids.map(([macro, datasetId]) => (
          <li key={macro}>
            <code>{macro}</code>: dataset {datasetId}
          </li>
        ))}
      </ul>
    );
  }
  return (
    <ul className="plain-list" data-testid="run-datasets">
      {run.boundDatasets.map((dataset) => (
        <li key={dataset.macro}>
          <code>{dataset.macro}</code>:{' '}
          {dataset.name === null
            ? `deleted dataset ${dataset.datasetId}`
            : `${dataset.name} (${dataset.ownerOrganization?.name ?? 'unknown owner'})`}
        </li>
      ))}
    </ul>
  );
}

/** Shows what a run was run over: the clean room, the question, the parameters and the datasets. */
export function RunFacts({ run }: { run: QuestionRun }) {
  return (
    <dl className="facts" data-testid="run-facts">
      <dt>Clean room</dt>
      <dd>
        <Link to={`/cleanrooms/${run.cleanRoomId}`}>
          {run.cleanRoom === null
            ? 'Open the clean room'
            : `${run.cleanRoom.displayId} · ${run.cleanRoom.name}`}
        </Link>
      </dd>
      <dt>Question</dt>
      <dd>
        {run.questionName === null
          ? run.questionDisplayId
          : `${run.questionDisplayId} · ${run.questionName}`}
      </dd>
      <dt>Parameters</dt>
      <dd>
        <ParameterList run={run} />
      </dd>
      <dt>Datasets</dt>
      <dd>
        <DatasetList run={run} />
      </dd>
    </dl>
  );
}
