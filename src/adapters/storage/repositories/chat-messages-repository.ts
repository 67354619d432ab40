import type { Queryable } from '../database.ts';

export interface ChatMessageRow {
  id: string;
  conversation_id: string;
  role: 'user' | 'assistant';
  client_message_id: string;
  content: Record<string, unknown>;
  finish_reason: string | null;
  incomplete: boolean;
  created_at: Date;
  sequence: number;
}

export interface NewChatMessage {
  id: string;
  conversationId: string;
  role: 'user' | 'assistant';
  clientMessageId: string;
  content: Record<string, unknown>;
  finishReason: string | null;
  incomplete: boolean;
}

/** Messages of chat conversations; callers check the conversation's owner first. */
export class ChatMessagesRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Inserts a message. A user message whose client id the conversation
   * already has is not inserted, and the call returns false.
   */
  async insert(message: NewChatMessage): Promise<boolean> {
    // clock_timestamp: created_at is when the message was written, not when its transaction began.
    const rows = await this.db.query(
      `INSERT INTO chat_messages (id, conversation_id, role, client_message_id, content, finish_reason, incomplete, created_at)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, clock_timestamp())
       ON CONFLICT (conversation_id, client_message_id) WHERE role = 'user' DO NOTHING RETURNING id`,
      [
        message.id,
        message.conversationId,
        message.role,
        message.clientMessageId,
        JSON.stringify(message.content),
        message.finishReason,
        message.incomplete,
      ],
    );
    return rows.length > 0;
  }

  async complete(
    id: string,
    content: Record<string, unknown>,
    finishReason: string,
    incomplete: boolean,
  ): Promise<void> {
    await this.db.query(
      `UPDATE chat_messages SET content = $2::jsonb, finish_reason = $3, incomplete = $4 WHERE id = $1`,
      [id, JSON.stringify(content), finishReason, incomplete],
    );
  }

  /** Messages of a conversation, oldest first. */
  async listForConversation(conversationId: string): Promise<ChatMessageRow[]> {
    return this.db.query<ChatMessageRow>(
      `SELECT * FROM chat_messages WHERE conversation_id = $1 ORDER BY sequence`,
      [conversationId],
    );
  }
}
