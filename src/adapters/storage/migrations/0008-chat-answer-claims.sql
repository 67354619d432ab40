-- The claim of the answer being written in a conversation, so that web
-- processes sharing the database write at most one answer per conversation
-- at a time. The process writing the answer renews the claim while it
-- writes and clears it when the answer is stored. A process that crashed
-- leaves its claim behind, and the claim lapses at answer_claim_expires_at.
ALTER TABLE conversations ADD COLUMN answer_claim_id uuid;
ALTER TABLE conversations ADD COLUMN answer_claim_expires_at timestamptz
