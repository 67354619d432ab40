import { z } from 'zod';

/**
 * What the chat assistant emits while it answers one user message. The
 * WebSocket layer numbers these per conversation and relays them; the web
 * app renders them. Shared by server, web app and tests.
 */

/** The run behind a number the assistant reports, for the web app's evidence card. */
export const runEvidenceSchema = z.object({
  runId: z.uuid(),
  cleanRoomId: z.uuid(),
  cleanRoomName: z.string(),
  questionId: z.uuid(),
  questionName: z.string(),
  parameters: z.record(z.string(), z.unknown()),
  privacy: z.object({
    crowdSize: z.number().int(),
    noiseScale: z.number().nullable(),
  }),
  status: z.string(),
  /** Output rows published and suppressed by k-min; null until the run has completed. */
  rowsReleased: z.number().int().nullable(),
  rowsSuppressed: z.number().int().nullable(),
});
export type RunEvidence = z.infer<typeof runEvidenceSchema>;

/** Why an answer ended; anything but `stop` is shown to the user as incomplete or stopped. */
export const chatFinishReasonSchema = z.enum([
  'stop',
  'length',
  'step_limit',
  'repeated_tool_call',
  'aborted',
  'error',
]);
export type ChatFinishReason = z.infer<typeof chatFinishReasonSchema>;

export const chatStreamEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('answer_started'),
    conversationId: z.uuid(),
    /** Id of the assistant message being written. */
    messageId: z.uuid(),
    /** The client's id of the user message this answers. */
    replyTo: z.string(),
  }),
  z.object({ type: z.literal('text_delta'), messageId: z.uuid(), text: z.string() }),
  z.object({
    type: z.literal('tool_call'),
    messageId: z.uuid(),
    toolCallId: z.string(),
    toolName: z.string(),
    input: z.unknown(),
  }),
  z.object({
    type: z.literal('tool_result'),
    messageId: z.uuid(),
    toolCallId: z.string(),
    toolName: z.string(),
    isError: z.boolean(),
    /** The tool's short text for people; tool errors are shown plainly with it. */
    text: z.string(),
    /** True for a progress update while the tool still runs (a run being waited for); its final result follows. */
    preliminary: z.boolean().optional(),
  }),
  z.object({ type: z.literal('evidence'), messageId: z.uuid(), evidence: runEvidenceSchema }),
  z.object({
    type: z.literal('answer_finished'),
    messageId: z.uuid(),
    finishReason: chatFinishReasonSchema,
    /** True when the answer was cut off (token limit, step limit, stop, error). */
    incomplete: z.boolean(),
    /** Follow-up questions the web app offers as buttons. */
    suggestions: z.array(z.string()),
  }),
  z.object({
    type: z.literal('answer_error'),
    messageId: z.uuid().nullable(),
    code: z.string(),
    message: z.string(),
  }),
]);
export type ChatStreamEvent = z.infer<typeof chatStreamEventSchema>;
