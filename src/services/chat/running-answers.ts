import type { ConversationOwner } from '../../adapters/storage/repositories/conversations-repository.ts';
import type { AnswerStopMessage } from '../../domain/chat/answer-stop-message.ts';
import type { ServiceContext } from '../service-context.ts';

/** An answer this process is writing, as a stop finds it. */
export interface RunningAnswer {
  conversationId: string;
  owner: ConversationOwner;
  /** Id of the answer's claim on its conversation, which a stop from another process names. */
  claimId: string;
  /** Stops the answer as the user's stop does, so it ends with finishReason aborted. */
  stop(): void;
}

type StopRequest = Extract<AnswerStopMessage, { type: 'stop_requested' }>;

/**
 * The answers this process is writing, by conversation, whichever interface
 * started them. It acts on the stop requests other processes publish for a
 * claim this process holds, and confirms each stop it made.
 */
export class RunningAnswers {
  private readonly byConversation = new Map<string, RunningAnswer>();

  constructor(private readonly context: Pick<ServiceContext, 'answerStops' | 'log'>) {
    context.answerStops.subscribe((message) => {
      if (message.type === 'stop_requested') this.stopRequested(message);
    });
  }

  /** Registers an answer and returns the function that removes it once the answer ended. */
  add(answer: RunningAnswer): () => void {
    this.byConversation.set(answer.conversationId, answer);
    return () => {
      if (this.byConversation.get(answer.conversationId) === answer)
        this.byConversation.delete(answer.conversationId);
    };
  }

  /** Stops the owner's answer in the conversation. Returns false when this process writes none there for them. */
  stop(owner: ConversationOwner, conversationId: string): boolean {
    const answer = this.byConversation.get(conversationId);
    if (!answer || !sameOwner(answer.owner, owner)) return false;

    answer.stop();
    return true;
  }

  private stopRequested(request: StopRequest): void {
    const answer = this.byConversation.get(request.conversationId);
    if (answer?.claimId !== request.claimId || !this.stop(request, request.conversationId)) return;

    const { log, answerStops } = this.context;
    log.info(
      { conversationId: request.conversationId, requestId: request.requestId },
      'answer stopped at the request of another process',
    );
    answerStops
      .publish({ type: 'stop_confirmed', requestId: request.requestId })
      .catch((err: unknown) =>
        log.warn(
          { err, conversationId: request.conversationId, requestId: request.requestId },
          'answer stop not confirmed to the requesting process',
        ),
      );
  }
}

/** Keyed by the topic, which every child context of a platform (per request, per log) shares. */
const registries = new WeakMap<object, RunningAnswers>();

/** Returns the platform's running answers, listening to stop requests from the first call on. */
export function runningAnswersOf(
  context: Pick<ServiceContext, 'answerStops' | 'log'>,
): RunningAnswers {
  let registry = registries.get(context.answerStops);
  if (!registry) {
    registry = new RunningAnswers(context);
    registries.set(context.answerStops, registry);
  }
  return registry;
}

function sameOwner(left: ConversationOwner, right: ConversationOwner): boolean {
  return left.organizationId === right.organizationId && left.userId === right.userId;
}
