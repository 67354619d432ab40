import { z } from 'zod';
import type { QuestionParameter } from '../../../../src/domain/questions/question-definition.ts';
import type { Question } from '../../../../src/domain/questions/question-view.ts';
import { ApiError } from '../../api/api-error.ts';
import { attachDatasetPath } from '../clean-room/attach-dataset-path.ts';

/**
 * A failed preview or submission, tied to the parameter the server rejected
 * when it named one. `attachLink` points at the room's attach control when
 * attaching a dataset fixes the problem.
 */
export interface FormProblem {
  message: string;
  parameter: QuestionParameter | null;
  attachLink: { to: string; label: string } | null;
}

/** The parts of a question that explain its errors. */
type QuestionShape = Pick<Question, 'parameters' | 'datasetMacros'>;

const UnsuitableDetailsSchema = z.object({ macro: z.string(), dataTypes: z.array(z.string()) });

/**
 * Rewrites the dataset errors whose server messages give REST and CLI
 * instructions into web app text, keyed on their error codes. Each
 * organization attaches only its own datasets, so a macro a partner
 * supplies gets no attach link.
 */
function datasetProblem(
  error: ApiError,
  question: QuestionShape,
  cleanRoomId: string,
): FormProblem | null {
  const unsuitable = UnsuitableDetailsSchema.safeParse(error.details);
  if (error.code === 'DATASET_UNSUITABLE' && unsuitable.success) {
    const { macro, dataTypes } = unsuitable.data;
    const definition = question.datasetMacros.find((candidate) => candidate.macro === macro);
    if (definition?.suppliedBy === 'PARTNER') {
      return {
        message: `No dataset attached to this clean room fits ${macro}. A partner must attach one of type ${dataTypes.join(' or ')}.`,
        parameter: null,
        attachLink: null,
      };
    }
    return {
      message: `No dataset attached to this clean room fits ${macro}.`,
      parameter: null,
      attachLink: {
        to: attachDatasetPath(cleanRoomId, dataTypes),
        label: `Attach a dataset of type ${dataTypes.join(' or ')}`,
      },
    };
  }
  if (error.code === 'DATASET_NOT_ATTACHED') {
    return {
      message:
        'The chosen dataset is no longer attached to this clean room. Reload this page to choose from the attached datasets.',
      parameter: null,
      attachLink: { to: attachDatasetPath(cleanRoomId), label: 'Attach a dataset' },
    };
  }
  return null;
}

const SeparatorDetailsSchema = z.object({
  parameter: z.string(),
  separator: z.string(),
  suggestedValues: z.array(z.string()),
});

/**
 * Words PARAMETER_SEPARATOR_INVALID for the form's list field, whose label
 * the form shows next to it, without the server's advice for API callers.
 */
function separatorProblem(error: ApiError, question: QuestionShape): FormProblem | null {
  const details = SeparatorDetailsSchema.safeParse(error.details);
  if (error.code !== 'PARAMETER_SEPARATOR_INVALID' || !details.success) return null;

  const { parameter: name, separator, suggestedValues } = details.data;
  const parameter = question.parameters.find((candidate) => candidate.name === name) ?? null;
  const separatorText =
    separator === '\t' ? 'a tab' : /[\r\n]/.test(separator) ? 'a line break' : `"${separator}"`;
  return {
    message: `Separate values with commas, not ${separatorText}: enter ${suggestedValues.join(', ')}.`,
    parameter,
    attachLink: null,
  };
}

/** Error codes whose details name the rejected parameter. */
const PARAMETER_ERROR_CODES = new Set(['PARAMETER_INVALID', 'PARAMETER_SEPARATOR_INVALID']);

export function toProblem(
  error: unknown,
  question: QuestionShape,
  cleanRoomId: string,
): FormProblem {
  const fromDataset =
    error instanceof ApiError ? datasetProblem(error, question, cleanRoomId) : null;
  if (fromDataset !== null) return fromDataset;

  const fromSeparator = error instanceof ApiError ? separatorProblem(error, question) : null;
  if (fromSeparator !== null) return fromSeparator;

  const message = error instanceof Error ? error.message : String(error);
  const named =
    error instanceof ApiError && PARAMETER_ERROR_CODES.has(error.code)
      ? error.details.parameter
      : undefined;
  const parameter = question.parameters.find((candidate) => candidate.name === named) ?? null;
  return { message, parameter, attachLink: null };
}
