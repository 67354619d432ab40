import { z } from 'zod';
import { QuestionRunSchema } from '../../domain/runs/question-run.ts';
import { cancelRun } from '../../services/runs/cancel-run.ts';
import { lenientInput } from './lenient-input.ts';
import { describeRun } from './run-text.ts';
import { defineTool } from './tool-definition.ts';
import { toolFields } from './tool-fields.ts';

export const cancelRunTool = defineTool({
  name: 'cancel_run',
  title: 'Cancel a question run',
  description:
    "Cancels a QUEUED or RUNNING run; a cancelled run produces no result and cannot be resumed. You can cancel your organization's runs, and a room OWNER can cancel any partner's. A run that already finished is rejected with its status. Only cancel when the user asks or a run was started by mistake.",
  inputSchema: lenientInput({ runId: toolFields.runId }),
  outputSchema: z.object({ run: QuestionRunSchema }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: false,
  },

  async handler(input, { services, caller }) {
    const run = await cancelRun(services, caller, input.runId);
    return { structuredContent: { run }, text: describeRun(run) };
  },
});
