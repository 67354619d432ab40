import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../service-context.ts';

/** Owner key of a running answer: organization and user. */
type OwnerKey = string;

/** Keyed by the database handle, which every child context of a platform shares. */
const runningByDatabase = new WeakMap<object, Map<string, OwnerKey>>();

/**
 * The conversations answering a message now, at most one answer each, shared
 * by REST and the WebSocket.
 * NOTE: the registry lives in this process, so two web processes can still
 * answer the same conversation at once; a database lock would close that gap.
 */
export class RunningAnswers {
  private constructor(private readonly running: Map<string, OwnerKey>) {}

  static of(context: Pick<ServiceContext, 'db'>): RunningAnswers {
    let running = runningByDatabase.get(context.db);
    if (!running) {
      running = new Map();
      runningByDatabase.set(context.db, running);
    }
    return new RunningAnswers(running);
  }

  /**
   * Claims the conversation for a new answer; throws GENERATION_RUNNING when
   * the caller's conversation is answering already. Another user's
   * conversation is not claimed, and the chat service reports it as not found.
   */
  claim(caller: Caller, conversationId: string): boolean {
    const owner = ownerKeyOf(caller);
    const current = this.running.get(conversationId);
    if (current === owner)
      throw new AppError(
        'GENERATION_RUNNING',
        `Conversation ${conversationId} is still answering a message; stop that answer or wait for answer_finished, then send again.`,
        { details: { conversationId } },
      );
    if (current !== undefined) return false;

    this.running.set(conversationId, owner);
    return true;
  }

  release(conversationId: string): void {
    this.running.delete(conversationId);
  }
}

function ownerKeyOf(caller: Caller): OwnerKey {
  return `${caller.organizationId}:${caller.userId}`;
}
