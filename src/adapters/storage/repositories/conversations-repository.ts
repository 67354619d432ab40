import type { Queryable } from '../database.ts';

export interface ConversationRow {
  id: string;
  organization_id: string;
  user_id: string;
  title: string;
  first_client_message_id: string | null;
  /** Claim of the answer being written, or null when no answer is being written. See claimAnswer. */
  answer_claim_id: string | null;
  answer_claim_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** The user who owns a conversation; every read and write is filtered by both ids. */
export interface ConversationOwner {
  organizationId: string;
  userId: string;
}

export interface ConversationListFilter {
  after?: { updatedAt: string; id: string };
  limit: number;
}

/** Chat conversations, each visible only to the user who started it. */
export class ConversationsRepository {
  constructor(private readonly db: Queryable) {}

  /**
   * Inserts a conversation started by the message `firstClientMessageId`.
   * Returns undefined when the owner already started one with that message
   * id; a concurrent insert of the same id waits for the other to commit.
   */
  async insert(
    owner: ConversationOwner,
    id: string,
    title: string,
    firstClientMessageId: string,
  ): Promise<ConversationRow | undefined> {
    const rows = await this.db.query<ConversationRow>(
      `INSERT INTO conversations (id, organization_id, user_id, title, first_client_message_id)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (organization_id, user_id, first_client_message_id)
         WHERE first_client_message_id IS NOT NULL DO NOTHING
       RETURNING *`,
      [id, owner.organizationId, owner.userId, title, firstClientMessageId],
    );
    return rows[0];
  }

  /** Finds the owner's conversation started by the message `firstClientMessageId`. */
  async findByFirstMessage(
    owner: ConversationOwner,
    firstClientMessageId: string,
  ): Promise<ConversationRow | undefined> {
    const rows = await this.db.query<ConversationRow>(
      `SELECT * FROM conversations
        WHERE organization_id = $1 AND user_id = $2 AND first_client_message_id = $3`,
      [owner.organizationId, owner.userId, firstClientMessageId],
    );
    return rows[0];
  }

  async findOwned(owner: ConversationOwner, id: string): Promise<ConversationRow | undefined> {
    const rows = await this.db.query<ConversationRow>(
      'SELECT * FROM conversations WHERE id = $1 AND organization_id = $2 AND user_id = $3',
      [id, owner.organizationId, owner.userId],
    );
    return rows[0];
  }

  /** Lists the owner's conversations, most recently active first; fetches `limit + 1` rows. */
  async listOwned(
    owner: ConversationOwner,
    filter: ConversationListFilter,
  ): Promise<ConversationRow[]> {
    const params: unknown[] = [owner.organizationId, owner.userId];
    let keyset = '';
    if (filter.after) {
      params.push(filter.after.updatedAt, filter.after.id);
      keyset = 'AND (updated_at, id) < ($3::timestamptz, $4::uuid)';
    }
    params.push(filter.limit + 1);
    return this.db.query<ConversationRow>(
      `SELECT * FROM conversations WHERE organization_id = $1 AND user_id = $2 ${keyset}
        ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
  }

  async touch(id: string): Promise<void> {
    await this.db.query('UPDATE conversations SET updated_at = clock_timestamp() WHERE id = $1', [
      id,
    ]);
  }

  /**
   * Claims the owner's conversation for an answer for `ttlMs` milliseconds,
   * unless another claim has not expired yet. Returns false when the claim is
   * taken or the owner has no such conversation. Expiry is measured on the
   * database clock, so the clocks of the web processes do not matter.
   */
  async claimAnswer(
    owner: ConversationOwner,
    id: string,
    claimId: string,
    ttlMs: number,
  ): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE conversations
          SET answer_claim_id = $4,
              answer_claim_expires_at = clock_timestamp() + $5::double precision * interval '1 millisecond'
        WHERE id = $1 AND organization_id = $2 AND user_id = $3
          AND (answer_claim_id IS NULL OR answer_claim_expires_at <= clock_timestamp())
        RETURNING id`,
      [id, owner.organizationId, owner.userId, claimId, ttlMs],
    );
    return rows.length > 0;
  }

  /**
   * Extends a claim to `ttlMs` milliseconds from now. Returns false when the
   * claim is no longer held or has expired, even if no other claim replaced
   * it yet: its holder then stops writing.
   */
  async renewAnswerClaim(id: string, claimId: string, ttlMs: number): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE conversations
          SET answer_claim_expires_at = clock_timestamp() + $3::double precision * interval '1 millisecond'
        WHERE id = $1 AND answer_claim_id = $2 AND answer_claim_expires_at > clock_timestamp()
        RETURNING id`,
      [id, claimId, ttlMs],
    );
    return rows.length > 0;
  }

  /** Returns the id of the claim on the owner's conversation if it has not expired, else null. */
  async findLiveAnswerClaim(owner: ConversationOwner, id: string): Promise<string | null> {
    const rows = await this.db.query<{ answer_claim_id: string }>(
      `SELECT answer_claim_id FROM conversations
        WHERE id = $1 AND organization_id = $2 AND user_id = $3
          AND answer_claim_id IS NOT NULL AND answer_claim_expires_at > clock_timestamp()`,
      [id, owner.organizationId, owner.userId],
    );
    return rows[0]?.answer_claim_id ?? null;
  }

  /**
   * Locks the conversation row until the transaction ends if `claimId` is
   * still its claim, expired or not. Returns false, locking nothing, when
   * another claim replaced it or the conversation is gone. Call it inside a
   * transaction: a claim by another process then waits for the commit.
   */
  async lockAnswerClaim(id: string, claimId: string): Promise<boolean> {
    const rows = await this.db.query(
      'SELECT id FROM conversations WHERE id = $1 AND answer_claim_id = $2 FOR UPDATE',
      [id, claimId],
    );
    return rows.length > 0;
  }

  /** Clears a claim, unless another claim has replaced it since. */
  async releaseAnswerClaim(id: string, claimId: string): Promise<void> {
    await this.db.query(
      `UPDATE conversations SET answer_claim_id = NULL, answer_claim_expires_at = NULL
        WHERE id = $1 AND answer_claim_id = $2`,
      [id, claimId],
    );
  }

  /** Deletes the conversation and its messages; false when the owner has no such conversation. */
  async deleteOwned(owner: ConversationOwner, id: string): Promise<boolean> {
    const rows = await this.db.query(
      `DELETE FROM conversations WHERE id = $1 AND organization_id = $2 AND user_id = $3 RETURNING id`,
      [id, owner.organizationId, owner.userId],
    );
    return rows.length > 0;
  }
}
