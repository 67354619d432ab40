-- The client's id of the message that started a conversation, so a retried
-- first message (sent again with conversationId null) finds the conversation
-- it created instead of starting a second one. Unique per user.
-- Conversations created before this migration have none.
ALTER TABLE conversations ADD COLUMN first_client_message_id text;
CREATE UNIQUE INDEX conversations_first_message_idx
  ON conversations (organization_id, user_id, first_client_message_id)
  WHERE first_client_message_id IS NOT NULL;
