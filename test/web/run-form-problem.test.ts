import { describe, expect, it } from 'vitest';
import { findQuestionDefinition } from '../../src/domain/questions/catalog.ts';
import { ApiError } from '../../web/src/api/api-error.ts';
import { toProblem } from '../../web/src/pages/run-form/form-problem.ts';

const ROOM_ID = 'CR-000002';

function questionOf(template: string) {
  const definition = findQuestionDefinition(template);
  if (definition === undefined) throw new Error(`no question definition ${template}`);
  return definition;
}

function unsuitable(macro: string, dataTypes: string[]): ApiError {
  return new ApiError(422, 'DATASET_UNSUITABLE', `No dataset fits ${macro}; PUT /api/v1/...`, {
    macro,
    dataTypes,
  });
}

describe('run form problem', () => {
  it('links a missing own dataset to the attach control', () => {
    const problem = toProblem(
      unsuitable('@exposures', ['EXPOSURES']),
      questionOf('reach_frequency'),
      ROOM_ID,
    );

    expect(problem.message).toBe('No dataset attached to this clean room fits @exposures.');
    expect(problem.message).not.toContain('/api/v1');
    expect(problem.attachLink).toEqual({
      to: `/cleanrooms/${ROOM_ID}?attachType=EXPOSURES#attach-dataset`,
      label: 'Attach a dataset of type EXPOSURES',
    });
    expect(problem.parameter).toBeNull();
  });

  it('asks a partner for a partner macro', () => {
    const problem = toProblem(
      unsuitable('@partner_audience', ['CRM', 'AUDIENCE']),
      questionOf('audience_overlap'),
      ROOM_ID,
    );

    expect(problem.message).toBe(
      'No dataset attached to this clean room fits @partner_audience. A partner must attach one of type CRM or AUDIENCE.',
    );
    expect(problem.attachLink).toBeNull();
  });

  it('explains a dataset detached meanwhile', () => {
    const error = new ApiError(422, 'DATASET_NOT_ATTACHED', 'attach it first with PUT /api/v1/...');
    const problem = toProblem(error, questionOf('reach_frequency'), ROOM_ID);

    expect(problem.message).toContain('no longer attached to this clean room');
    expect(problem.message).not.toContain('/api/v1');
    expect(problem.attachLink?.to).toBe(`/cleanrooms/${ROOM_ID}#attach-dataset`);
  });

  it('keeps the message of a bad parameter', () => {
    const error = new ApiError(422, 'PARAMETER_INVALID', 'date_start must be before date_end', {
      parameter: 'date_start',
    });
    const problem = toProblem(error, questionOf('reach_frequency'), ROOM_ID);

    expect(problem.message).toBe('date_start must be before date_end');
    expect(problem.parameter?.name).toBe('date_start');
    expect(problem.attachLink).toBeNull();
  });
});
