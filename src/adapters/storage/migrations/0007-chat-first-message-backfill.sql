-- Fills conversations.first_client_message_id, which 0006 left empty on the
-- conversations that existed then, with the client id of each conversation's
-- first user message (chat_messages stores it with every message).
-- The column is unique per user. Before 0006 a retried first message could
-- start a second conversation with the same id, so of the conversations one
-- user started with one id, only the oldest gets it, and none gets an id that
-- another conversation of the user already has.
UPDATE conversations AS target
   SET first_client_message_id = ranked.client_message_id
  FROM (
    SELECT c.id,
           first_message.client_message_id,
           row_number() OVER (
             PARTITION BY c.organization_id, c.user_id, first_message.client_message_id
             ORDER BY c.created_at, c.id
           ) AS position
      FROM conversations AS c
      JOIN LATERAL (
        SELECT m.client_message_id
          FROM chat_messages AS m
         WHERE m.conversation_id = c.id AND m.role = 'user'
         ORDER BY m.sequence
         LIMIT 1
      ) AS first_message ON true
     WHERE c.first_client_message_id IS NULL
  ) AS ranked
 WHERE target.id = ranked.id
   AND ranked.position = 1
   AND NOT EXISTS (
     SELECT 1
       FROM conversations AS other
      WHERE other.organization_id = target.organization_id
        AND other.user_id = target.user_id
        AND other.first_client_message_id = ranked.client_message_id
   )
