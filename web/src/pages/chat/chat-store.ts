import { useEffect, useSyncExternalStore } from 'react';
import type { ServerMessage } from '../../../../src/domain/chat/ws-protocol.ts';
import { ApiError } from '../../api/api-error.ts';
import { getChatSocket } from '../../ws/chat-socket.ts';
import { chatReducer, initialChatState, type ChatAction, type ChatState } from './chat-state.ts';

/**
 * The chat of this tab. It lives outside the chat page, so leaving the page
 * and coming back keeps the conversation and its answer streaming. The id
 * of the open conversation is kept in sessionStorage, so a reload reopens
 * it from the server.
 */

/** sessionStorage key of the open conversation, kept per tab and deleted with the tab. */
const OPEN_CONVERSATION_KEY = 'cleanroom.chat.open-conversation';

interface OpenConversation {
  userId: string;
  conversationId: string;
}

let state: ChatState = initialChatState;
/** Id of the user that `state` belongs to, so another user signing in on this tab starts fresh. */
let userId: string | null = null;
const listeners = new Set<() => void>();
let stopListening: (() => void) | null = null;
/**
 * Client id of a message whose answer stops as soon as it starts: Stop was
 * pressed before the server named the new conversation that stop needs.
 */
let stopWhenStarted: string | null = null;

function rememberOpenConversation(): void {
  if (userId === null || state.conversationId === null) {
    sessionStorage.removeItem(OPEN_CONVERSATION_KEY);
    return;
  }
  const open: OpenConversation = { userId, conversationId: state.conversationId };
  sessionStorage.setItem(OPEN_CONVERSATION_KEY, JSON.stringify(open));
}

function readOpenConversation(): OpenConversation | null {
  try {
    const open = JSON.parse(sessionStorage.getItem(OPEN_CONVERSATION_KEY) ?? 'null') as unknown;
    const valid =
      typeof open === 'object' &&
      open !== null &&
      typeof (open as OpenConversation).userId === 'string' &&
      typeof (open as OpenConversation).conversationId === 'string';
    return valid ? (open as OpenConversation) : null;
  } catch {
    return null;
  }
}

function dispatch(action: ChatAction): void {
  const next = chatReducer(state, action);
  if (next === state) return;
  const conversationChanged = next.conversationId !== state.conversationId;
  state = next;
  if (conversationChanged) rememberOpenConversation();
  for (const listener of listeners) listener();
}

function onServerMessage(message: ServerMessage): void {
  if (message.type === 'chat') {
    const { event, conversationId } = message;
    if (event.type === 'answer_started' && event.replyTo === stopWhenStarted) {
      stopWhenStarted = null;
      getChatSocket().send({ type: 'stop', conversationId });
    }
    dispatch({ type: 'event', conversationId, event });
    return;
  }
  if (message.type !== 'error') return;

  // An error for the sent message (CHAT_MESSAGE_TOO_LONG, GENERATION_RUNNING ...)
  // arrives before its answer starts, so the message got no answer. Its text
  // goes back to the message field for the user to fix or send again.
  if (message.id !== null && message.id === state.pendingReplyTo) {
    dispatch({ type: 'failed', message: message.message, rejectedClientId: message.id });
    return;
  }
  const followingAnswer =
    state.streamingMessageId !== null && message.conversationId === state.conversationId;
  if (message.code === 'RESUME_UNAVAILABLE' && followingAnswer) {
    dispatch({
      type: 'failed',
      message:
        'The last answer is still being written, but this server cannot stream it to this page. Open the conversation again in a moment to read it.',
    });
  }
}

function listenToSocket(): void {
  stopListening ??= getChatSocket().subscribe(onServerMessage);
}

/** Reads a conversation over REST and shows it, following an answer still being written. */
export async function openConversation(conversationId: string): Promise<void> {
  dispatch({ type: 'opening', conversationId });
  try {
    const { fetchConversation } = await import('../../api/conversations.ts');
    const conversation = await fetchConversation(conversationId);
    dispatch({ type: 'opened', conversation });
    if (state.conversationId === conversationId && state.streamingMessageId !== null) {
      getChatSocket().resume(conversationId);
    }
  } catch (error) {
    if (state.conversationId !== conversationId) return;
    const notFound = error instanceof ApiError && error.status === 404;
    const reason = error instanceof Error ? error.message : String(error);
    dispatch({
      type: 'reset',
      error: notFound
        ? 'That conversation no longer exists, so a new one has started.'
        : `The conversation could not be opened: ${reason}`,
    });
  }
}

/** Starts an empty conversation, which the server creates with its first message. */
export function startNewConversation(): void {
  dispatch({ type: 'reset' });
}

/** Sends a message in the open conversation, or starts one. */
export function sendChatMessage(text: string): void {
  const clientId = getChatSocket().send({
    type: 'send_message',
    conversationId: state.conversationId,
    text,
  });
  dispatch({ type: 'sent', clientId, text });
}

/** Stops the answer being written. Runs it started keep going, and the answer still reports them. */
export function stopChatAnswer(): void {
  if (state.conversationId === null) {
    stopWhenStarted = state.pendingReplyTo;
    return;
  }
  getChatSocket().send({ type: 'stop', conversationId: state.conversationId });
}

/** Forgets the chat of the user who signed out. */
export function resetChat(): void {
  stopListening?.();
  stopListening = null;
  userId = null;
  stopWhenStarted = null;
  state = initialChatState;
  sessionStorage.removeItem(OPEN_CONVERSATION_KEY);
  for (const listener of listeners) listener();
}

/** Takes the chat over for a user, reopening the conversation this tab had open before a reload. */
function adoptChat(signedInUserId: string): void {
  listenToSocket();
  if (userId === signedInUserId) return;

  const open = readOpenConversation();
  userId = signedInUserId;
  state = initialChatState;
  if (open?.userId === signedInUserId) void openConversation(open.conversationId);
  else rememberOpenConversation();
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Returns the signed-in user's chat, and keeps it in step with the socket. */
export function useChat(signedInUserId: string): ChatState {
  useEffect(() => adoptChat(signedInUserId), [signedInUserId]);
  return useSyncExternalStore(subscribe, () =>
    userId === signedInUserId ? state : initialChatState,
  );
}
