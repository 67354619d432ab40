import { z } from 'zod';

/**
 * Messages between web processes that stop an answer written by another
 * process. A process that gets a stop for an answer the user cannot reach
 * locally publishes `stop_requested` naming the answer's claim. The process
 * holding that claim stops the answer and publishes `stop_confirmed` with the
 * same request id.
 */
export const answerStopMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('stop_requested'),
    requestId: z.uuid(),
    conversationId: z.uuid(),
    /** The claim the requesting process found live on the conversation; only its holder acts. */
    claimId: z.uuid(),
    /** The user who sent the stop, who must own the conversation. */
    organizationId: z.string().min(1),
    userId: z.string().min(1),
  }),
  z.object({ type: z.literal('stop_confirmed'), requestId: z.uuid() }),
]);
export type AnswerStopMessage = z.infer<typeof answerStopMessageSchema>;
