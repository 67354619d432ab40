import { randomUUID } from 'node:crypto';
import type { ChatMessageRow } from '../../adapters/storage/repositories/chat-messages-repository.ts';
import { CHAT_MESSAGE_MAX_CHARACTERS, countCharacters } from '../../domain/chat/conversation.ts';
import { AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import { repositories, type Repositories, type ServiceContext } from '../service-context.ts';
import { loadConversation } from './load-conversation.ts';

/** Maximum length of a conversation title, in characters, taken from the first message. */
const TITLE_MAX_CHARACTERS = 80;

export interface OpenAnswerInput {
  conversationId: string | null;
  clientMessageId: string;
  text: string;
}

/** A stored user message and the assistant message that will answer it. */
export interface OpenedAnswer {
  conversationId: string;
  messageId: string;
  /** The conversation's messages before this one, oldest first. */
  earlierMessages: ChatMessageRow[];
}

/**
 * Stores the user message and an empty assistant message marked
 * incomplete in one transaction, creating the conversation when it is new.
 * Rejects a client message id the conversation already has.
 */
export async function openAnswer(
  context: ServiceContext,
  caller: Caller,
  input: OpenAnswerInput,
): Promise<OpenedAnswer> {
  checkInput(input);
  return context.db.transaction(async (tx) => {
    const repos = repositories(tx);
    const conversationId = input.conversationId
      ? (await loadConversation(repos, caller, input.conversationId)).id
      : await startConversation(repos, caller, input);
    const earlierMessages = await repos.chatMessages.listForConversation(conversationId);
    await insertUserMessage(repos, conversationId, input);

    const messageId = randomUUID();
    await repos.chatMessages.insert({
      id: messageId,
      conversationId,
      role: 'assistant',
      clientMessageId: input.clientMessageId,
      content: { text: '' },
      finishReason: null,
      incomplete: true,
    });
    await repos.conversations.touch(conversationId);
    return { conversationId, messageId, earlierMessages };
  });
}

/**
 * Creates the conversation a first message starts. A retry of that message
 * (the same clientMessageId with conversationId null) is rejected as a
 * duplicate naming the conversation it started, so it is never answered twice.
 */
async function startConversation(
  repos: Repositories,
  caller: Caller,
  input: OpenAnswerInput,
): Promise<string> {
  const title = titleOf(input.text);
  const inserted = await repos.conversations.insert(
    caller,
    randomUUID(),
    title,
    input.clientMessageId,
  );
  if (inserted) return inserted.id;

  const existing = await repos.conversations.findByFirstMessage(caller, input.clientMessageId);
  throw await repeatedIdError(repos, existing?.id ?? null, input);
}

function checkInput(input: OpenAnswerInput): void {
  const idLength = input.clientMessageId.length;
  if (idLength < 1 || idLength > 100)
    throw new AppError(
      'VALIDATION_FAILED',
      `clientMessageId has ${idLength} characters; send 1 to 100 characters, unique per message.`,
      { details: { field: 'clientMessageId' } },
    );
  if (input.text.trim().length === 0)
    throw new AppError('VALIDATION_FAILED', 'The message is empty; type a question.', {
      details: { field: 'text' },
    });

  const length = countCharacters(input.text);
  if (length > CHAT_MESSAGE_MAX_CHARACTERS)
    throw new AppError(
      'CHAT_MESSAGE_TOO_LONG',
      `The message has ${length} characters; the limit is ${CHAT_MESSAGE_MAX_CHARACTERS}. Shorten it or split it into several messages.`,
      { details: { length, maximum: CHAT_MESSAGE_MAX_CHARACTERS } },
    );
}

async function insertUserMessage(
  repos: Repositories,
  conversationId: string,
  input: OpenAnswerInput,
): Promise<void> {
  const inserted = await repos.chatMessages.insert({
    id: randomUUID(),
    conversationId,
    role: 'user',
    clientMessageId: input.clientMessageId,
    content: { text: input.text },
    finishReason: null,
    incomplete: false,
  });
  if (inserted) return;

  throw await repeatedIdError(repos, conversationId, input);
}

/**
 * Returns the error for a clientMessageId the conversation already has: a
 * retry of the same text is a duplicate that is not answered again, and
 * another text under the same id is rejected as MESSAGE_ID_REUSED.
 */
async function repeatedIdError(
  repos: Repositories,
  conversationId: string | null,
  input: OpenAnswerInput,
): Promise<AppError> {
  if (conversationId !== null) {
    const earlierText = await sentText(repos, conversationId, input.clientMessageId);
    if (earlierText !== undefined && earlierText !== input.text)
      return reusedId(input.clientMessageId, conversationId);
  }
  return duplicateMessage(input.clientMessageId, conversationId);
}

/** Returns the text of the user message sent under `clientMessageId`, read again because a concurrent send may have just stored it. */
async function sentText(
  repos: Repositories,
  conversationId: string,
  clientMessageId: string,
): Promise<string | undefined> {
  const messages = await repos.chatMessages.listForConversation(conversationId);
  const sent = messages.find(
    (message) => message.role === 'user' && message.client_message_id === clientMessageId,
  );
  const text = sent?.content.text;
  return typeof text === 'string' ? text : undefined;
}

function reusedId(clientMessageId: string, conversationId: string): AppError {
  return new AppError(
    'MESSAGE_ID_REUSED',
    `clientMessageId "${clientMessageId}" was already used in conversation ${conversationId} for a message with another text, so this message was neither stored nor answered. Send it again with a new clientMessageId.`,
    { details: { conversationId, clientMessageId } },
  );
}

function duplicateMessage(clientMessageId: string, conversationId: string | null): AppError {
  return new AppError(
    'CHAT_MESSAGE_DUPLICATE',
    `Message "${clientMessageId}" was already sent in conversation ${conversationId ?? '(deleted)'}, so it is not answered again. Send a new message with a new clientMessageId.`,
    { details: { conversationId, clientMessageId } },
  );
}

function titleOf(text: string): string {
  const firstLine = text.trim().split('\n')[0] ?? '';
  return firstLine.length > TITLE_MAX_CHARACTERS
    ? `${firstLine.slice(0, TITLE_MAX_CHARACTERS - 3)}...`
    : firstLine;
}
