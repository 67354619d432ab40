-- Chat assistant conversations. A conversation belongs to one user of one
-- organization; no other user, even of the same organization, can read it.

CREATE TABLE conversations (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organizations (id),
  user_id uuid NOT NULL REFERENCES users (id),
  title text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_user_idx ON conversations (organization_id, user_id, updated_at DESC, id DESC);

-- One row per message. content holds the text and, for assistant messages,
-- the tool calls and results, evidence and suggestions of the answer.
CREATE TABLE chat_messages (
  id uuid PRIMARY KEY,
  -- Write order, which timestamps cannot give: PGlite's clock steps in whole milliseconds.
  sequence bigint GENERATED ALWAYS AS IDENTITY,
  conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('user', 'assistant')),
  -- The client's id of a user message, or of the user message an assistant message answers.
  client_message_id text NOT NULL,
  content jsonb NOT NULL,
  finish_reason text,
  incomplete boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chat_messages_conversation_idx ON chat_messages (conversation_id, sequence);
-- A retried user message (same client id) is recognised instead of answered twice.
CREATE UNIQUE INDEX chat_messages_client_id_idx ON chat_messages (conversation_id, client_message_id) WHERE role = 'user';
