import { randomUUID } from 'node:crypto';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';

/** How long a claim lasts and how often its holder renews it. */
export interface ClaimTiming {
  /**
   * Milliseconds a claim lasts without renewal: the longest a conversation
   * stays blocked after the process writing its answer crashed.
   */
  ttlMs: number;
  /** Milliseconds between renewals. */
  renewMs: number;
}

/** Renewals every 10 s, so two renewals in a row can fail before a 30 s claim lapses. */
const DEFAULT_TIMING: ClaimTiming = { ttlMs: 30_000, renewMs: 10_000 };

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The claim of one answer on its conversation. It is a row claim in the
 * database with an expiry, so every process sharing the database (REST and
 * WebSocket, in any web process) writes at most one answer per conversation
 * at a time. The holder renews it while the answer is written and releases
 * it once the answer is stored. The claim of a process that crashed lapses
 * after its time to live, 30 s by default.
 */
export class AnswerClaim {
  private readonly renewTimer: NodeJS.Timeout;

  private constructor(
    private readonly context: ServiceContext,
    readonly conversationId: string,
    private readonly claimId: string,
    private readonly timing: ClaimTiming,
  ) {
    this.renewTimer = setInterval(() => void this.renew(), timing.renewMs);
    this.renewTimer.unref();
  }

  /**
   * Claims the caller's conversation for a new answer. Throws
   * GENERATION_RUNNING while another answer holds it. Returns null when the
   * caller has no such conversation, which the chat service then reports as
   * not found, so another user's conversation is neither claimed nor revealed.
   */
  static async acquire(
    context: ServiceContext,
    caller: Caller,
    conversationId: string,
    timing: ClaimTiming = DEFAULT_TIMING,
  ): Promise<AnswerClaim | null> {
    if (!UUID_PATTERN.test(conversationId)) return null;

    const conversations = repositories(context.db).conversations;
    const claimId = randomUUID();
    if (await conversations.claimAnswer(caller, conversationId, claimId, timing.ttlMs))
      return new AnswerClaim(context, conversationId, claimId, timing);
    if (!(await conversations.findOwned(caller, conversationId))) return null;

    throw new AppError(
      'GENERATION_RUNNING',
      `Conversation ${conversationId} is still answering a message; stop that answer or wait for answer_finished, then send again.`,
      { details: { conversationId } },
    );
  }

  /** Clears the claim. A failure is logged and left to the expiry. */
  async release(): Promise<void> {
    clearInterval(this.renewTimer);
    try {
      await repositories(this.context.db).conversations.releaseAnswerClaim(
        this.conversationId,
        this.claimId,
      );
    } catch (err) {
      this.context.log.warn(
        { err, conversationId: this.conversationId },
        'answer claim not released; it lapses at its expiry',
      );
    }
  }

  private async renew(): Promise<void> {
    try {
      const stillClaimed = await repositories(this.context.db).conversations.renewAnswerClaim(
        this.conversationId,
        this.claimId,
        this.timing.ttlMs,
      );
      if (!stillClaimed)
        this.context.log.warn(
          { conversationId: this.conversationId },
          'answer claim lost after it expired; another answer may run in the conversation',
        );
    } catch (err) {
      // The claim stays valid until its expiry, and the next renewal tries again.
      this.context.log.warn(
        { err, conversationId: this.conversationId },
        'answer claim not renewed',
      );
    }
  }
}
