import { randomUUID } from 'node:crypto';
import type { AnswerStopMessage } from '../../domain/chat/answer-stop-message.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { runningAnswersOf } from './running-answers.ts';

/**
 * Time the process writing an answer has to confirm a stop sent over the
 * topic, in milliseconds. Both messages are one Redis PUBLISH each, so a
 * confirmation that takes longer means the process or Redis is in trouble.
 */
const STOP_CONFIRM_TIMEOUT_MS = 3_000;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StopAnswerOptions {
  /** Milliseconds to wait for another process to confirm the stop, STOP_CONFIRM_TIMEOUT_MS by default. */
  confirmTimeoutMs?: number;
}

type StopRequest = Omit<Extract<AnswerStopMessage, { type: 'stop_requested' }>, 'type'>;

/**
 * Stops the caller's answer being written in a conversation, in this process
 * or in another one sharing the database. It ends as aborted, as a closed
 * connection ends it. An answer of another process is found by its live
 * claim, and the stop goes to that process over the answer stop topic (Redis
 * pub/sub when configured). The call returns once that process confirms.
 * Throws GENERATION_NOT_RUNNING when the caller has no answer being written
 * there, and STOP_NOT_CONFIRMED when the process holding the claim cannot be
 * reached or does not confirm in time.
 */
export async function stopAnswer(
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
  options: StopAnswerOptions = {},
): Promise<void> {
  if (runningAnswersOf(context).stop(caller, conversationId)) return;

  const claimId = await liveClaimOf(context, caller, conversationId);
  if (claimId === null) throw notRunning(conversationId);
  if (!context.answerStops.crossesProcesses) throw unreachable(conversationId, 'no REDIS_URL');

  const request: StopRequest = {
    requestId: randomUUID(),
    conversationId,
    claimId,
    ...owner(caller),
  };
  const timeoutMs = options.confirmTimeoutMs ?? STOP_CONFIRM_TIMEOUT_MS;
  if (await requestStop(context, request, timeoutMs)) return;

  // The answer may have ended while the request travelled, and its claim with it.
  if ((await liveClaimOf(context, caller, conversationId)) !== claimId)
    throw notRunning(conversationId);
  throw unreachable(conversationId, `no confirmation within ${timeoutMs} ms`);
}

async function liveClaimOf(
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
): Promise<string | null> {
  if (!UUID_PATTERN.test(conversationId)) return null;
  return repositories(context.db).conversations.findLiveAnswerClaim(caller, conversationId);
}

/**
 * Publishes the stop request and waits for its confirmation. Returns false
 * when none came within `timeoutMs`, and throws STOP_NOT_CONFIRMED when the
 * request could not be published.
 */
async function requestStop(
  context: ServiceContext,
  request: StopRequest,
  timeoutMs: number,
): Promise<boolean> {
  const topic = context.answerStops;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe = () => {};
  const confirmed = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    unsubscribe = topic.subscribe((message) => {
      if (message.type === 'stop_confirmed' && message.requestId === request.requestId)
        resolve(true);
    });
  });

  try {
    await topic.publish({ type: 'stop_requested', ...request });
    return await confirmed;
  } catch (err) {
    context.log.warn(
      { err, conversationId: request.conversationId },
      'answer stop not sent to other processes',
    );
    throw unreachable(request.conversationId, 'the stop could not be sent', err);
  } finally {
    clearTimeout(timer);
    unsubscribe();
  }
}

function owner(caller: Caller): { organizationId: string; userId: string } {
  return { organizationId: caller.organizationId, userId: caller.userId };
}

function notRunning(conversationId: string): AppError {
  return new AppError(
    'GENERATION_NOT_RUNNING',
    `Conversation ${conversationId} has no answer of yours being written; nothing to stop.`,
    { details: { conversationId } },
  );
}

/** Builds the error for an answer in another process that this one could not reach. `reason` goes into the internal message only. */
function unreachable(conversationId: string, reason: string, cause?: unknown): AppError {
  return new AppError(
    'STOP_NOT_CONFIRMED',
    `The answer in conversation ${conversationId} is written by another server process, which did not confirm the stop (${reason}).`,
    {
      details: { conversationId },
      userMessage: `The answer in conversation ${conversationId} is being written by another server, which did not confirm the stop. Send stop again; if that server stopped, the conversation takes messages again within 30 seconds.`,
      retryable: true,
      cause,
    },
  );
}
