import { z } from 'zod';
import { QuestionRunSchema, type QuestionRun } from '../../domain/runs/question-run.ts';
import { createRun } from '../../services/runs/create-run.ts';
import { lenientInput } from './lenient-input.ts';
import { resolveCleanRoomArgument } from './resolve-clean-room-argument.ts';
import { describeRun, nextStepForRun } from './run-text.ts';
import { defineTool, type ToolCallContext } from './tool-definition.ts';
import { runRequestFields } from './tool-fields.ts';
import { isFinished, waitForRun } from './wait-for-run.ts';

/**
 * Maximum wait a call may request, in seconds. The MCP TypeScript SDK client
 * times a request out after 60 s by default (DEFAULT_REQUEST_TIMEOUT_MSEC, SDK 1.32).
 */
const WAIT_SECONDS_MAX = 30;

export const startRunTool = defineTool({
  name: 'start_run',
  title: 'Start a question run',
  description: `Starts a run of an approved question in a clean room and returns its run handle at once (status QUEUED or RUNNING). Check the request with preview_run first. Always pass an idempotencyKey (any unique text you make up, such as a UUID): a retried call with the same key returns the run created first instead of starting a second one. With waitSeconds (up to ${WAIT_SECONDS_MAX}) the call waits for the run to finish, sending progress notifications when the client asked for progress; if the run is still going when the wait ends, the handle comes back with a hint to call get_run. Cancelling the call (MCP notifications/cancelled) stops only the wait, not the run: the run keeps going, and cancel_run stops it. Results are aggregates: rows counting fewer people than the room's crowd size are suppressed. Next: get_run until COMPLETED, then get_results.`,
  inputSchema: lenientInput({
    ...runRequestFields,
    name: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('A name for the run, shown in lists.'),
    idempotencyKey: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe(
        'Unique text per intended run; repeating it returns the first run instead of a new one.',
      ),
    waitSeconds: z
      .number()
      .int()
      .min(0)
      .max(WAIT_SECONDS_MAX)
      .default(0)
      .describe(
        `Seconds to wait for the run to finish, 0 to ${WAIT_SECONDS_MAX}; 0 returns at once.`,
      ),
  }),
  outputSchema: z.object({
    run: QuestionRunSchema,
    /** False when an earlier call with the same idempotency key created the run. */
    created: z.boolean(),
    /** Whether the run reached COMPLETED, FAILED or CANCELLED before the call returned. */
    finished: z.boolean(),
    hint: z.string(),
  }),
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  },

  async handler(input, context) {
    const { services, caller } = context;
    const cleanRoomId = await resolveCleanRoomArgument(services, caller, input.cleanRoomId);
    const outcome = await createRun(services, caller, cleanRoomId, {
      questionId: input.questionId,
      parameters: input.parameters,
      datasets: input.datasets,
      name: input.name,
      idempotencyKey: input.idempotencyKey,
    });
    context.reportRun?.(outcome.run.id);
    const run =
      input.waitSeconds > 0
        ? await waitWithProgress(outcome.run, input.waitSeconds, context)
        : outcome.run;
    // A cancelled call ends here without a result, and the run it created keeps going.
    context.signal.throwIfAborted();

    const finished = isFinished(run);
    const hint = nextStepForRun(run);
    const reused = outcome.created
      ? ''
      : 'An earlier call with this idempotencyKey created the run. ';
    return {
      structuredContent: { run, created: outcome.created, finished, hint },
      text: `${reused}${describeRun(run)} ${hint}`,
    };
  },
});

function waitWithProgress(
  run: QuestionRun,
  seconds: number,
  { services, caller, signal, reportProgress }: ToolCallContext,
): Promise<QuestionRun> {
  return waitForRun(services, caller, run.id, {
    seconds,
    signal,
    onUpdate: (current) =>
      reportProgress(current.progress, 100, `Run ${current.status}, ${current.progress}% done`),
  });
}
