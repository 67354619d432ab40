import { z } from 'zod';
import { QuestionRunSchema } from '../../domain/runs/question-run.ts';
import { getRun } from '../../services/runs/get-run.ts';
import { lenientInput } from './lenient-input.ts';
import { describeRun, nextStepForRun } from './run-text.ts';
import { defineTool } from './tool-definition.ts';
import { READ_ONLY_ANNOTATIONS, toolFields } from './tool-fields.ts';

export const getRunTool = defineTool({
  name: 'get_run',
  title: 'Get a question run',
  description:
    'Returns a run of one of your clean rooms: status (QUEUED, RUNNING, COMPLETED, FAILED, CANCELLED), progress in percent, parameters, bound datasets, privacy settings copied from the room, timestamps and, for a failed run, the reason and whether retrying may help. hint names the next step. Next: get_results once COMPLETED.',
  inputSchema: lenientInput({ runId: toolFields.runId }),
  outputSchema: z.object({ run: QuestionRunSchema, hint: z.string() }),
  annotations: READ_ONLY_ANNOTATIONS,

  async handler(input, { services, caller }) {
    const run = await getRun(services, caller, input.runId);
    const hint = nextStepForRun(run);
    return { structuredContent: { run, hint }, text: `${describeRun(run)} ${hint}` };
  },
});
