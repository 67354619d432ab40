import { z } from 'zod';
import { chatFinishReasonSchema, runEvidenceSchema } from './chat-stream-event.ts';

/** Maximum length of a user message, in characters (Unicode code points, see countCharacters). */
export const CHAT_MESSAGE_MAX_CHARACTERS = 4_000;

/**
 * Counts the Unicode code points of a text, so an emoji counts as one
 * character as typed, not as the two UTF-16 units `length` counts. A
 * character built from several code points (a flag, a family emoji) still
 * counts as several.
 */
export function countCharacters(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    // A high surrogate followed by a low one is one code point, and a lone surrogate counts as one too.
    if (unit >= 0xd800 && unit <= 0xdbff && index + 1 < text.length) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1;
    }
    count += 1;
  }
  return count;
}

export const chatToolCallSchema = z.object({
  toolCallId: z.string(),
  toolName: z.string(),
  input: z.unknown(),
  /** True when the arguments were cut off or not valid JSON, so the call was not run. */
  invalid: z.boolean().optional(),
});
export type ChatToolCall = z.infer<typeof chatToolCallSchema>;

export const chatToolResultSchema = z.object({
  toolCallId: z.string(),
  toolName: z.string(),
  isError: z.boolean(),
  text: z.string(),
});
export type ChatToolResult = z.infer<typeof chatToolResultSchema>;

export const conversationSchema = z.object({
  id: z.uuid(),
  title: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});
export type Conversation = z.infer<typeof conversationSchema>;

export const chatAnswerErrorSchema = z.object({ code: z.string(), message: z.string() });
export type ChatAnswerError = z.infer<typeof chatAnswerErrorSchema>;

export const conversationMessageSchema = z.object({
  id: z.uuid(),
  role: z.enum(['user', 'assistant']),
  /** The client's id of the user message, or of the user message an assistant message answers. */
  clientMessageId: z.string(),
  text: z.string(),
  toolCalls: z.array(chatToolCallSchema),
  toolResults: z.array(chatToolResultSchema),
  evidence: z.array(runEvidenceSchema),
  suggestions: z.array(z.string()),
  /** Null for user messages and for an answer still being written. */
  finishReason: chatFinishReasonSchema.nullable(),
  incomplete: z.boolean(),
  /** The failure that ended an answer with finishReason error, as its answer_error event stated it; null otherwise. */
  error: chatAnswerErrorSchema.nullable(),
  createdAt: z.iso.datetime(),
});
export type ConversationMessage = z.infer<typeof conversationMessageSchema>;

export const conversationDetailSchema = conversationSchema.extend({
  messages: z.array(conversationMessageSchema),
});
export type ConversationDetail = z.infer<typeof conversationDetailSchema>;

/** Body of POST /api/v1/chat. */
export const chatRequestSchema = z
  .object({
    conversationId: z.uuid().nullable().default(null),
    clientMessageId: z
      .string()
      .min(1)
      .max(100)
      .describe(
        'Your id of this message, new for every message. Sent again with the same text it is a retry and is not answered twice (409 CHAT_MESSAGE_DUPLICATE). Sent with another text it is rejected (409 MESSAGE_ID_REUSED).',
      ),
    text: z.string().min(1),
  })
  .strict();
export type ChatRequest = z.infer<typeof chatRequestSchema>;
