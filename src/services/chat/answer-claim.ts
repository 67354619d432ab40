import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Queryable } from '../../adapters/storage/database.ts';
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
 *
 * A claim that a renewal finds expired or replaced, or that was not renewed
 * before its expiry, is lost: `lost` aborts, and the answer stops. The
 * expiry is tracked on this process's monotonic clock from the moment each
 * claim or renewal was sent, which is never later than the expiry on the
 * database clock. So the answer stops before another process can claim the
 * conversation.
 */
export class AnswerClaim {
  private readonly renewTimer: NodeJS.Timeout;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly loss = new AbortController();
  /** Set once the answer stores or releases, after which a late renewal result changes nothing. */
  private ending = false;
  private released = false;

  private constructor(
    private readonly context: ServiceContext,
    readonly conversationId: string,
    /** The claim's id in the database, which a stop from another process names. */
    readonly id: string,
    private readonly timing: ClaimTiming,
    claimedAt: number,
  ) {
    this.renewTimer = setInterval(() => void this.renew(), timing.renewMs);
    this.renewTimer.unref();
    this.extendUntil(claimedAt + timing.ttlMs);
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
    const requestedAt = performance.now();
    if (await conversations.claimAnswer(caller, conversationId, claimId, timing.ttlMs))
      return new AnswerClaim(context, conversationId, claimId, timing, requestedAt);
    if (!(await conversations.findOwned(caller, conversationId))) return null;

    throw new AppError(
      'GENERATION_RUNNING',
      `Conversation ${conversationId} is still answering a message; stop that answer or wait for answer_finished, then send again.`,
      { details: { conversationId } },
    );
  }

  /** Signal aborted once the claim is lost. */
  get lost(): AbortSignal {
    return this.loss.signal;
  }

  /** The ANSWER_CLAIM_LOST error shown to the user once the claim is lost, else null. */
  get lossError(): AppError | null {
    return this.loss.signal.aborted ? (this.loss.signal.reason as AppError) : null;
  }

  /**
   * Runs `write` and clears the claim in one transaction, if the conversation
   * still carries this claim. The conversation row stays locked meanwhile, so
   * another process cannot claim it in between. A claim that expired but was
   * not replaced still counts, because no other answer wrote since. Returns
   * false, writing nothing, when another claim replaced this one or the
   * conversation is gone.
   */
  async storeIfClaimed(write: (tx: Queryable) => Promise<void>): Promise<boolean> {
    this.end();
    const stored = await this.context.db.transaction(async (tx) => {
      const conversations = repositories(tx).conversations;
      if (!(await conversations.lockAnswerClaim(this.conversationId, this.id))) return false;

      await write(tx);
      await conversations.releaseAnswerClaim(this.conversationId, this.id);
      return true;
    });
    this.released ||= stored;
    return stored;
  }

  /** Clears the claim unless storeIfClaimed already did. A failure is logged and left to the expiry. */
  async release(): Promise<void> {
    this.end();
    if (this.released) return;

    this.released = true;
    try {
      await repositories(this.context.db).conversations.releaseAnswerClaim(
        this.conversationId,
        this.id,
      );
    } catch (err) {
      this.context.log.warn(
        { err, conversationId: this.conversationId },
        'answer claim not released; it lapses at its expiry',
      );
    }
  }

  private async renew(): Promise<void> {
    const requestedAt = performance.now();
    try {
      const renewed = await repositories(this.context.db).conversations.renewAnswerClaim(
        this.conversationId,
        this.id,
        this.timing.ttlMs,
      );
      if (renewed) this.extendUntil(requestedAt + this.timing.ttlMs);
      else this.lose('expired or taken by another process');
    } catch (err) {
      // The claim stays valid until its expiry, and the next renewal tries again.
      this.context.log.warn(
        { err, conversationId: this.conversationId },
        'answer claim not renewed; the answer stops if its claim expires first',
      );
    }
  }

  /** Moves the local expiry to `expiresAt`, a performance.now() time, and loses the claim there. */
  private extendUntil(expiresAt: number): void {
    if (this.ending || this.loss.signal.aborted) return;

    clearTimeout(this.expiryTimer);
    const remainingMs = Math.max(0, expiresAt - performance.now());
    this.expiryTimer = setTimeout(() => this.lose('not renewed before its expiry'), remainingMs);
    this.expiryTimer.unref();
  }

  private lose(cause: string): void {
    if (this.ending || this.loss.signal.aborted) return;

    this.stopTimers();
    this.context.log.warn(
      { conversationId: this.conversationId, claimId: this.id, cause },
      'answer claim lost; the answer stops',
    );
    this.loss.abort(
      new AppError(
        'ANSWER_CLAIM_LOST',
        `The answer in conversation ${this.conversationId} lost its claim (${cause}), so it stopped.`,
        {
          details: { conversationId: this.conversationId },
          userMessage:
            'The answer stopped because this server lost its hold on the conversation: the database could not be reached in time, or another server took the conversation over. Reload the conversation and send your message again.',
          retryable: true,
        },
      ),
    );
  }

  private end(): void {
    this.ending = true;
    this.stopTimers();
  }

  private stopTimers(): void {
    clearInterval(this.renewTimer);
    clearTimeout(this.expiryTimer);
  }
}
