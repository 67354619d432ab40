import { stepCountIs, streamText, type ModelMessage, type StopCondition, type ToolSet } from 'ai';
import type { ChatStreamEvent } from '../../domain/chat/chat-stream-event.ts';
import type { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type ServiceContext } from '../service-context.ts';
import { AnswerClaim } from './answer-claim.ts';
import { AnswerRecorder } from './answer-recorder.ts';
import { chatRuntimeOf, type ChatRuntime } from './chat-runtime.ts';
import { createChatTools } from './chat-tools.ts';
import { conversationHistory } from './conversation-history.ts';
import { followUpSuggestions } from './follow-up-suggestions.ts';
import { conversationNotFound } from './load-conversation.ts';
import { openAnswer, type OpenedAnswer } from './open-answer.ts';
import { RepeatedCallGuard } from './repeated-call-guard.ts';
import { runningAnswersOf } from './running-answers.ts';
import { stoppedCallEvents } from './stopped-call-events.ts';
import { chatSystemPrompt } from './system-prompt.ts';
import { ToolExecutions } from './tool-executions.ts';
import { translateStreamPart, type TranslateContext } from './translate-stream-part.ts';

export interface AnswerMessageInput {
  /** The conversation to continue, or null to start one. answer_started carries the new id. */
  conversationId: string | null;
  /** The client's id for the user message (1-100 characters), used as its idempotency key. */
  clientMessageId: string;
  /** The user's message, at most CHAT_MESSAGE_MAX_CHARACTERS long. */
  text: string;
  /** Aborted when the user presses stop or the socket closes. Generation then stops with finishReason 'aborted'. */
  signal: AbortSignal;
}

/**
 * Answers one user message: stores it, runs the model with the shared tools
 * in a loop bounded by the step limit and the repeated-call guard, streams
 * what happens as chat events, and stores the answer however it ends.
 * Throws before the first event when the message cannot be answered (a
 * duplicate clientMessageId, a conversation of someone else, a message too
 * long, or GENERATION_RUNNING while the conversation answers another message,
 * in this process or in another one sharing the database).
 *
 * The answer ends early, as aborted, when `input.signal` aborts or stopAnswer
 * stops it from this or another process. It ends as an error
 * (ANSWER_CLAIM_LOST) when it loses its claim on the conversation, and then
 * stores nothing if another answer claimed the conversation since.
 */
export async function* answerMessage(
  context: ServiceContext,
  caller: Caller,
  input: AnswerMessageInput,
): AsyncGenerator<ChatStreamEvent> {
  const userStop = new AbortController();
  // Claimed before the message is stored, so a second message sent meanwhile is rejected, not stored.
  let hold =
    input.conversationId === null
      ? null
      : await holdConversation(context, caller, input.conversationId, userStop);
  try {
    const opened = await openAnswer(context, caller, input);
    // A new conversation's id reaches the client only with answer_started, so nothing can claim it first.
    hold ??= await holdConversation(context, caller, opened.conversationId, userStop);
    if (!hold) throw conversationNotFound(opened.conversationId);

    const signal = AbortSignal.any([input.signal, userStop.signal]);
    yield* answerOpened(context, caller, { ...input, signal }, opened, hold.claim);
  } finally {
    await hold?.release();
  }
}

/** An answer's claim on its conversation, registered so that a stop from any process finds the answer. */
interface ConversationHold {
  claim: AnswerClaim;
  release(): Promise<void>;
}

/** Claims the conversation and registers the answer. Returns null when the caller has no such conversation. */
async function holdConversation(
  context: ServiceContext,
  caller: Caller,
  conversationId: string,
  userStop: AbortController,
): Promise<ConversationHold | null> {
  const timing = chatRuntimeOf(context).claimTiming;
  const claim = await AnswerClaim.acquire(context, caller, conversationId, timing);
  if (!claim) return null;

  const unregister = runningAnswersOf(context).add({
    conversationId,
    owner: { organizationId: caller.organizationId, userId: caller.userId },
    claimId: claim.id,
    stop: () => userStop.abort(),
  });
  return {
    claim,
    release: async () => {
      unregister();
      await claim.release();
    },
  };
}

async function* answerOpened(
  context: ServiceContext,
  caller: Caller,
  input: AnswerMessageInput,
  opened: OpenedAnswer,
  claim: AnswerClaim,
): AsyncGenerator<ChatStreamEvent> {
  const runtime = chatRuntimeOf(context);
  const recorder = new AnswerRecorder();
  const guard = new RepeatedCallGuard();
  // Aborted when the consumer stops reading early, so the model and its tools stop too.
  const consumerGone = new AbortController();
  const signal = AbortSignal.any([input.signal, claim.lost, consumerGone.signal]);
  const log = context.log.child({
    conversationId: opened.conversationId,
    messageId: opened.messageId,
  });
  let stored = false;

  try {
    yield {
      type: 'answer_started',
      conversationId: opened.conversationId,
      messageId: opened.messageId,
      replyTo: input.clientMessageId,
    };
    yield* modelEvents(context, caller, opened, input.text, {
      runtime,
      recorder,
      guard,
      signal,
      log,
    });
    const lossError = claim.lossError;
    if (lossError) yield claimLostEvent(opened.messageId, lossError, recorder);
    else if (input.signal.aborted) recorder.aborted = true;
    const suggestions = await suggestionsFor(context, caller, recorder, log);
    const finished = finishedEvent(opened.messageId, recorder, guard, runtime, suggestions);
    await storeAnswer(claim, opened, recorder, finished, log);
    stored = true;
    yield finished;
  } finally {
    consumerGone.abort();
    // Reached without storing when the consumer stopped reading early: the answer is stored as aborted.
    if (!stored) {
      recorder.aborted = true;
      await storeAnswer(
        claim,
        opened,
        recorder,
        finishedEvent(
          opened.messageId,
          recorder,
          guard,
          runtime,
          await suggestionsFor(context, caller, recorder, log),
        ),
        log,
      );
    }
  }
}

/** The parts of one answer that persist across its model steps. */
interface AnswerSession {
  runtime: ChatRuntime;
  recorder: AnswerRecorder;
  guard: RepeatedCallGuard;
  signal: AbortSignal;
  log: ServiceContext['log'];
}

/** Runs the model loop and translates its stream into chat events. A failure becomes an answer_error event. */
async function* modelEvents(
  context: ServiceContext,
  caller: Caller,
  opened: OpenedAnswer,
  text: string,
  session: AnswerSession,
): AsyncGenerator<ChatStreamEvent> {
  const { runtime, recorder, guard, signal, log } = session;
  const translate: TranslateContext = {
    services: { ...context, log },
    caller,
    messageId: opened.messageId,
    recorder,
    evidenceSent: new Set(),
  };
  const messages = modelMessages(opened, text, runtime);
  const executions = new ToolExecutions();
  const tools = createChatTools({ services: context, caller, guard, executions });
  try {
    for await (const part of runModel(runtime, messages, tools, guard, signal, log)) {
      for (const event of await translateStreamPart(part, translate))
        yield recorded(event, recorder);
    }
    if (signal.aborted) yield* stoppedCallEvents(executions, translate);
  } catch (error) {
    recorder.failed = true;
    yield recorded(unexpectedErrorEvent(opened.messageId, error, log), recorder);
  }
}

/** Keeps the first answer_error on the recorder, so the stored answer says why it failed. */
function recorded(event: ChatStreamEvent, recorder: AnswerRecorder): ChatStreamEvent {
  if (event.type === 'answer_error' && recorder.error === null)
    recorder.error = { code: event.code, message: event.message };
  return event;
}

function modelMessages(opened: OpenedAnswer, text: string, runtime: ChatRuntime): ModelMessage[] {
  const history = conversationHistory(opened.earlierMessages, runtime.limits.historyTokenBudget);
  return [...history, { role: 'user', content: text }];
}

function runModel(
  runtime: ChatRuntime,
  messages: ModelMessage[],
  tools: ToolSet,
  guard: RepeatedCallGuard,
  signal: AbortSignal,
  log: ServiceContext['log'],
) {
  const stopWhen: StopCondition<ToolSet>[] = [
    stepCountIs(runtime.limits.maxSteps),
    () => guard.repeated,
    // A step cut off by the token limit ends the answer, and its cut-off tool calls were not run.
    ({ steps }) => steps.at(-1)?.finishReason === 'length',
  ];
  const result = streamText({
    model: runtime.model,
    system: chatSystemPrompt(runtime.now()),
    messages,
    tools,
    stopWhen,
    maxOutputTokens: runtime.limits.maxOutputTokens,
    maxRetries: runtime.limits.maxRetries,
    abortSignal: signal,
    // Errors also arrive as 'error' parts of the stream, which become answer_error events.
    onError: ({ error }) => log.debug({ err: error }, 'chat stream error'),
  });
  return result.fullStream;
}

type FinishedEvent = Extract<ChatStreamEvent, { type: 'answer_finished' }>;

/**
 * Chooses the answer's follow-up suggestions. They are optional, so a
 * failed read (a room or question removed meanwhile, the database) leaves
 * the answer without them instead of failing it.
 */
async function suggestionsFor(
  context: ServiceContext,
  caller: Caller,
  recorder: AnswerRecorder,
  log: ServiceContext['log'],
): Promise<string[]> {
  try {
    return await followUpSuggestions(context, caller, recorder.evidence);
  } catch (err) {
    log.warn({ err }, 'follow-up suggestions not chosen');
    return [];
  }
}

function finishedEvent(
  messageId: string,
  recorder: AnswerRecorder,
  guard: RepeatedCallGuard,
  runtime: ChatRuntime,
  suggestions: string[],
): FinishedEvent {
  const finishReason = recorder.finishReason({
    repeated: guard.repeated,
    maxSteps: runtime.limits.maxSteps,
  });
  return {
    type: 'answer_finished',
    messageId,
    finishReason,
    incomplete: finishReason !== 'stop',
    suggestions,
  };
}

/**
 * Stores the answer and clears its claim, unless another answer claimed the
 * conversation since. An answer that lost its claim still ends for the user
 * when the database fails here, because the database is often why it lost it.
 */
async function storeAnswer(
  claim: AnswerClaim,
  opened: OpenedAnswer,
  recorder: AnswerRecorder,
  finished: FinishedEvent,
  log: ServiceContext['log'],
): Promise<void> {
  try {
    const stored = await claim.storeIfClaimed(async (tx) => {
      const repos = repositories(tx);
      await repos.chatMessages.complete(
        opened.messageId,
        { ...recorder.content(finished.suggestions) },
        finished.finishReason,
        finished.incomplete,
      );
      await repos.conversations.touch(opened.conversationId);
    });
    if (!stored)
      log.warn({}, 'answer not stored: another answer claimed the conversation, or it was deleted');
  } catch (err) {
    if (!claim.lost.aborted) throw err;
    log.warn({ err }, 'answer that lost its claim not stored');
  }
}

/** Marks the answer as ended by the loss of its claim and returns the answer_error event with the reason. */
function claimLostEvent(
  messageId: string,
  lossError: AppError,
  recorder: AnswerRecorder,
): ChatStreamEvent {
  recorder.claimLost = true;
  recorder.error = { code: lossError.code, message: lossError.userMessage };
  return { type: 'answer_error', messageId, ...recorder.error };
}

/** Logs a failure outside the model stream (storage, a bug) in full and returns an event without internals. */
function unexpectedErrorEvent(
  messageId: string,
  error: unknown,
  log: ServiceContext['log'],
): ChatStreamEvent {
  log.error({ err: error }, 'chat answer failed');
  return {
    type: 'answer_error',
    messageId,
    code: 'INTERNAL',
    message: 'The answer failed because of an unexpected server error. Try again.',
  };
}
