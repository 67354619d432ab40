import { z } from 'zod';
import {
  MacroCandidatesSchema,
  type MacroCandidates,
} from '../../domain/questions/clean-room-question.ts';
import type { QuestionParameter } from '../../domain/questions/question-definition.ts';
import { QuestionSchema, type Question } from '../../domain/questions/question-view.ts';
import { getCleanRoomQuestion } from '../../services/questions/get-clean-room-question.ts';
import { getQuestion } from '../../services/questions/get-question.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { joinBlocks, listValues } from './tool-text.ts';
import { escapeMarkdown } from '../../domain/text/escape-markdown.ts';

export const getQuestionTool = defineTool({
  name: 'get_question',
  title: 'Get a question and its parameters',
  description:
    "Returns an approved question with everything needed to run it: each parameter's type (DATE as YYYY-MM-DD, INTEGER with its range, ENUM and COLUMN with allowed values, STRING_LIST as an array), whether it is required and its default, the dataset macros it binds and its output columns. Pass the clean room too: COLUMN parameters then list the attribute columns of the datasets that would be bound there, and datasetBindings shows the attached datasets each macro can take (a macro with several candidates needs datasets: { macro: datasetId } in preview_run and start_run). Next: preview_run to check the parameters and see which rows the crowd size would suppress, then start_run.",
  inputSchema: lenientInput({
    questionId: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .describe('Template key (audience_overlap), display id (CRQ-000001) or id of the question.'),
    cleanRoomId: toolFields.cleanRoomId
      .optional()
      .describe(
        'The clean room to resolve COLUMN parameters and dataset bindings in (recommended).',
      ),
  }),
  outputSchema: z.object({
    question: QuestionSchema,
    cleanRoomId: z.string().nullable(),
    /** Candidates per dataset macro in the clean room; null when no room was given. */
    datasetBindings: z.array(MacroCandidatesSchema).nullable(),
  }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    if (input.cleanRoomId === undefined) {
      const question = await getQuestion(services, input.questionId);
      return {
        structuredContent: { question, cleanRoomId: null, datasetBindings: null },
        text: describeQuestion(question, null),
      };
    }

    const cleanRoomId = await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const resolved = await getCleanRoomQuestion(services, caller, cleanRoomId, input.questionId);
    return {
      structuredContent: { ...resolved, cleanRoomId },
      text: describeQuestion(resolved.question, resolved.datasetBindings),
    };
  },
});

function describeQuestion(question: Question, bindings: MacroCandidates[] | null): string {
  const datasets = bindings
    ? bulletList('Datasets:', bindings.map(describeBinding))
    : 'Pass cleanRoomId to see the datasets and columns this question can use there.';
  return joinBlocks([
    `${question.name} (${question.displayId}, template ${question.template})`,
    question.description,
    bulletList('Parameters:', question.parameters.map(describeParameter)),
    `Output columns: ${question.outputColumns.map((column) => column.name).join(', ')}.`,
    datasets,
  ]);
}

/** Writes a heading line followed by a markdown list, or "none" after the heading when the list is empty. */
function bulletList(heading: string, items: string[]): string {
  if (items.length === 0) return `${heading} none.`;
  return [heading, ...items.map((item) => `- ${item}`)].join('\n');
}

function describeParameter(parameter: QuestionParameter): string {
  const required = parameter.required ? 'required' : 'optional';
  const fallback =
    parameter.default === null ? '' : `, default ${JSON.stringify(parameter.default)}`;
  return `${parameter.name} (${parameter.type}, ${required}${fallback}): ${parameter.description} Accepts ${acceptedValues(parameter)}.`;
}

function acceptedValues(parameter: QuestionParameter): string {
  if (parameter.allowedValues !== null) {
    return parameter.allowedValues.length > 0
      ? `one of ${listValues(parameter.allowedValues)}`
      : 'no value here: no attached dataset fits';
  }
  switch (parameter.type) {
    case 'COLUMN':
      return `a column of ${parameter.macro}; pass cleanRoomId to list them`;
    case 'DATE':
      return 'a date as YYYY-MM-DD';
    case 'INTEGER':
      return `an integer from ${parameter.minimum ?? 'any'} to ${parameter.maximum ?? 'any'}`;
    case 'BOOLEAN':
      return 'true or false';
    case 'STRING_LIST':
      return 'an array of texts';
    default:
      return 'a text';
  }
}

function describeBinding(binding: MacroCandidates): string {
  const candidates = binding.candidates
    .map(
      (candidate) =>
        `${escapeMarkdown(candidate.name)} of ${escapeMarkdown(candidate.ownerOrganization.name)} (${candidate.datasetId})`,
    )
    .join('; ');
  if (binding.candidates.length === 0)
    return `${binding.macro}: no attached dataset fits (${binding.description})`;
  if (binding.defaultDatasetId) return `${binding.macro}: ${candidates}, bound by default`;
  return `${binding.macro}: choose one of ${candidates}`;
}
