import type { Logger } from '../../adapters/logging/logger.ts';
import type { ChatStreamEvent } from '../../domain/chat/chat-stream-event.ts';
import type { ErrorMessage } from '../../domain/chat/ws-protocol.ts';
import { isAppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import type { ConversationOwner, ConversationStreamLog } from './conversation-stream-log.ts';
import type { ConversationStreamStore } from './conversation-stream-store.ts';
import { WsRequestError } from './ws-request-error.ts';

/** Input of the chat service's answerMessage. */
export interface AnswerMessageInput {
  conversationId: string | null;
  clientMessageId: string;
  text: string;
  signal: AbortSignal;
}

/** The chat service's entry point: streams the answer to one user message. */
export type AnswerFunction = (
  context: ServiceContext,
  caller: Caller,
  input: AnswerMessageInput,
) => AsyncIterable<ChatStreamEvent>;

/** The chat service's hasConversation: whether the caller still has a conversation in the database. */
export type ConversationCheck = (
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
) => Promise<boolean>;

/** The chat service's stopAnswer: stops the caller's answer in a conversation, in this process or another. */
export type AnswerStopper = (
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
) => Promise<void>;

/**
 * A socket waiting for a message's answer to start, to acknowledge the
 * message then, or to send the error that kept the answer from starting.
 */
export interface GenerationWatcher {
  onGenerationStarted(clientMessageId: string, conversationId: string, startSeq: number): void;
  onGenerationFailed(error: ErrorMessage): void;
}

/** The fields of a send_message that start an answer. */
export interface GenerationRequest {
  id: string;
  conversationId: string | null;
  text: string;
}

/** Outcome of one send_message, remembered under its client message id. */
export interface GenerationOutcome {
  clientMessageId: string;
  /** The message as first sent, so a message re-sent under the same id can be compared with it. */
  request: GenerationRequest;
  conversationId: string | null;
  /** Sequence number of the answer's first event (answer_started); null until it starts. */
  startSeq: number | null;
  /** Set when the answer failed before it started. */
  failure: ErrorMessage | null;
  watchers: Set<GenerationWatcher>;
}

interface RunningGeneration {
  owner: ConversationOwner;
  controller: AbortController;
}

/**
 * Answers that are being written, one at most per conversation. Each answer's
 * events go into its conversation's stream log, from where every following
 * socket reads them; an answer keeps going when its socket drops, so the user
 * can resume it, and ends early only on `stop` or when the endpoint closes.
 */
export class ChatGenerations {
  private readonly running = new Map<string, RunningGeneration>();

  constructor(
    private readonly context: ServiceContext,
    private readonly answer: AnswerFunction,
    private readonly store: ConversationStreamStore,
    private readonly log: Logger,
  ) {}

  /** Starts answering; throws WsRequestError GENERATION_RUNNING when the conversation has an answer in progress. */
  start(caller: Caller, message: GenerationRequest, watcher: GenerationWatcher): GenerationOutcome {
    const owner = ownerOf(caller);
    const running =
      message.conversationId === null ? undefined : this.running.get(message.conversationId);
    // Another user's running conversation is left to the chat service, which reports it as not found.
    if (running && sameOwner(running.owner, owner)) {
      throw new WsRequestError(
        'GENERATION_RUNNING',
        `Conversation ${message.conversationId} is still answering a message; send "stop" or wait for answer_finished, then send again.`,
      );
    }

    const generation = { owner, controller: new AbortController() };
    if (message.conversationId !== null && !running) {
      this.running.set(message.conversationId, generation);
    }
    const outcome: GenerationOutcome = {
      clientMessageId: message.id,
      request: { id: message.id, conversationId: message.conversationId, text: message.text },
      conversationId: null,
      startSeq: null,
      failure: null,
      watchers: new Set([watcher]),
    };
    void this.pump(caller, message, generation, outcome);
    return outcome;
  }

  /** Aborts the conversation's answer; false when the caller has none running there. */
  stop(caller: Caller, conversationId: string): boolean {
    const generation = this.running.get(conversationId);
    if (!generation || !sameOwner(generation.owner, ownerOf(caller))) return false;

    generation.controller.abort();
    return true;
  }

  isRunning(conversationId: string): boolean {
    return this.running.has(conversationId);
  }

  /** Aborts every answer, for shutdown. */
  close(): void {
    for (const generation of this.running.values()) generation.controller.abort();
  }

  private async pump(
    caller: Caller,
    message: GenerationRequest,
    generation: RunningGeneration,
    outcome: GenerationOutcome,
  ): Promise<void> {
    let log: ConversationStreamLog | null = null;
    // Yields once so the caller remembers the message id before the answer can start or fail.
    await Promise.resolve();
    try {
      const events = this.answer(this.context, caller, {
        conversationId: message.conversationId,
        clientMessageId: message.id,
        text: message.text,
        signal: generation.controller.signal,
      });
      for await (const event of events) {
        log ??= this.begin(event, generation, outcome);
        if (!log) return;
        this.store.append(log, event);
      }
    } catch (err) {
      if (generation.controller.signal.aborted && !isAppError(err)) {
        this.log.info({ clientMessageId: message.id }, 'chat answer stopped');
        this.endStopped(log, outcome);
        return;
      }
      this.fail(err, log, outcome, message.id);
    } finally {
      this.end(log, generation, message.conversationId);
    }
  }

  /** Opens the log on the answer's first event; returns null, failing the outcome, when that is not answer_started. */
  private begin(
    event: ChatStreamEvent,
    generation: RunningGeneration,
    outcome: GenerationOutcome,
  ): ConversationStreamLog | null {
    const log =
      event.type === 'answer_started'
        ? this.store.open(event.conversationId, generation.owner)
        : null;
    if (!log) {
      this.failBeforeStart(outcome, {
        code: event.type === 'answer_error' ? event.code : 'CHAT_FAILED',
        message:
          event.type === 'answer_error'
            ? event.message
            : 'The answer did not start; send the message again.',
      });
      return null;
    }

    this.running.set(log.conversationId, generation);
    outcome.conversationId = log.conversationId;
    outcome.startSeq = log.lastSeq + 1;
    for (const watcher of outcome.watchers)
      watcher.onGenerationStarted(outcome.clientMessageId, log.conversationId, outcome.startSeq);
    outcome.watchers.clear();
    return log;
  }

  private fail(
    err: unknown,
    log: ConversationStreamLog | null,
    outcome: GenerationOutcome,
    clientMessageId: string,
  ): void {
    const error = describeError(err);
    if (isAppError(err) && err.status < 500) {
      this.log.info({ code: error.code, clientMessageId }, 'chat answer rejected');
    } else {
      this.log.error(
        { err, clientMessageId, conversationId: log?.conversationId },
        'chat answer failed',
      );
    }

    if (!log) {
      this.failBeforeStart(outcome, error);
      return;
    }
    this.store.append(log, { type: 'answer_error', messageId: null, ...error });
  }

  /** Records a stop that ended the answer with an exception rather than with answer_finished. */
  private endStopped(log: ConversationStreamLog | null, outcome: GenerationOutcome): void {
    const stopped = { code: 'STOPPED', message: 'The answer was stopped.' };
    if (log) this.store.append(log, { type: 'answer_error', messageId: null, ...stopped });
    else this.failBeforeStart(outcome, stopped);
  }

  private failBeforeStart(
    outcome: GenerationOutcome,
    error: { code: string; message: string },
  ): void {
    outcome.failure = { type: 'error', id: outcome.clientMessageId, ...error };
    for (const watcher of outcome.watchers) watcher.onGenerationFailed(outcome.failure);
    outcome.watchers.clear();
  }

  private end(
    log: ConversationStreamLog | null,
    generation: RunningGeneration,
    requestedConversationId: string | null,
  ): void {
    if (log) this.store.finish(log);
    for (const conversationId of [log?.conversationId, requestedConversationId]) {
      if (conversationId && this.running.get(conversationId) === generation) {
        this.running.delete(conversationId);
      }
    }
  }
}

/** Converts an error thrown by the chat service to its code and a message safe to show the client. */
function describeError(err: unknown): { code: string; message: string } {
  if (!isAppError(err)) {
    return { code: 'INTERNAL', message: 'The answer failed; send the message again.' };
  }
  if (err.code === 'CHAT_MESSAGE_DUPLICATE') {
    return {
      code: err.code,
      message: `${err.userMessage} Reload the conversation over REST to read the answer.`,
    };
  }
  return { code: err.code, message: err.userMessage };
}

export function ownerOf(caller: Caller): ConversationOwner {
  return { organizationId: caller.organizationId, userId: caller.userId };
}

function sameOwner(left: ConversationOwner, right: ConversationOwner): boolean {
  return left.organizationId === right.organizationId && left.userId === right.userId;
}
