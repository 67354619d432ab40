import { z } from 'zod';
import { QuestionParameterSchema } from '../../domain/questions/question-definition.ts';
import { QuestionSchema, type Question } from '../../domain/questions/question-view.ts';
import { getCleanRoom } from '../../services/clean-rooms/get-clean-room.ts';
import { listCleanRoomQuestions } from '../../services/questions/list-questions.ts';
import { cleanRoomLabel } from './clean-room-label.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';
import { formatTable, joinBlocks } from './tool-text.ts';
import { countText } from '../../domain/text/count-text.ts';

const QuestionSummarySchema = QuestionSchema.pick({
  id: true,
  displayId: true,
  template: true,
  name: true,
  description: true,
  category: true,
}).extend({
  parameters: z.array(QuestionParameterSchema.pick({ name: true, type: true, required: true })),
});

export const listQuestionsTool = defineTool({
  name: 'list_questions',
  title: 'List clean room questions',
  description:
    "Lists the approved questions added to a clean room: audience overlap and index, reach and frequency, conversion attribution, segment sizing. Each shows its display id (CRQ-000001), template key, what it answers and its parameter names. Only approved questions can run, and their results are aggregates with the room's privacy guards. Next: get_question with the template key or display id, and the room id, to see parameter types and allowed values.",
  inputSchema: lenientInput({ cleanRoomId: toolFields.cleanRoomId }),
  outputSchema: z.object({ cleanRoomId: z.string(), items: z.array(QuestionSummarySchema) }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const cleanRoomId = await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const room = await getCleanRoom(services, caller, cleanRoomId);
    const questions = await listCleanRoomQuestions(services, caller, room.id);
    const items = questions.map(toSummary);
    const table = formatTable(
      ['displayId', 'template', 'name', 'parameters'],
      items.map((item) => [
        item.displayId,
        item.template,
        item.name,
        item.parameters.map((parameter) => parameter.name).join(', '),
      ]),
    );
    return {
      structuredContent: { cleanRoomId, items },
      text: joinBlocks([
        `${countText(items.length, 'question')} in ${cleanRoomLabel(room)}:`,
        table,
      ]),
    };
  },
});

function toSummary(question: Question): z.infer<typeof QuestionSummarySchema> {
  return {
    id: question.id,
    displayId: question.displayId,
    template: question.template,
    name: question.name,
    description: question.description,
    category: question.category,
    parameters: question.parameters.map(({ name, type, required }) => ({ name, type, required })),
  };
}
