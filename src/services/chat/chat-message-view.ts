import type { ChatMessageRow } from '../../adapters/storage/repositories/chat-messages-repository.ts';
import { toIso } from '../../adapters/storage/repositories/row-mapping.ts';
import { chatFinishReasonSchema, type RunEvidence } from '../../domain/chat/chat-stream-event.ts';
import type {
  ChatAnswerError,
  ChatToolCall,
  ChatToolResult,
  ConversationMessage,
} from '../../domain/chat/conversation.ts';

/** A tool result as stored: the text people see, and the data the model read (kept for later turns). */
export interface StoredToolResult extends ChatToolResult {
  data: Record<string, unknown> | null;
}

/** Content column of a message. A user message has only text. */
export interface StoredMessageContent {
  text: string;
  toolCalls?: ChatToolCall[];
  toolResults?: StoredToolResult[];
  evidence?: RunEvidence[];
  suggestions?: string[];
  error?: ChatAnswerError | null;
}

export function contentOf(row: ChatMessageRow): StoredMessageContent {
  const content = row.content as Partial<StoredMessageContent>;
  return { ...content, text: typeof content.text === 'string' ? content.text : '' };
}

/** Converts a stored message to what clients see. The data tools returned to the model stays on the server. */
export function toMessageView(row: ChatMessageRow): ConversationMessage {
  const content = contentOf(row);
  const finishReason = chatFinishReasonSchema.safeParse(row.finish_reason);
  return {
    id: row.id,
    role: row.role,
    clientMessageId: row.client_message_id,
    text: content.text,
    toolCalls: content.toolCalls ?? [],
    toolResults: (content.toolResults ?? []).map(({ toolCallId, toolName, isError, text }) => ({
      toolCallId,
      toolName,
      isError,
      text,
    })),
    evidence: content.evidence ?? [],
    suggestions: content.suggestions ?? [],
    finishReason: finishReason.success ? finishReason.data : null,
    incomplete: row.incomplete,
    error: content.error ?? null,
    createdAt: toIso(row.created_at),
  };
}
