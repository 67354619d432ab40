import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../../src/config/config.ts';
import type { ChatStreamEvent } from '../../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../../src/domain/organizations/caller.ts';
import { authenticateApiKey } from '../../../src/services/auth/authenticate-api-key.ts';
import {
  answerMessage,
  type AnswerMessageInput,
} from '../../../src/services/chat/answer-message.ts';
import { createChatRuntime } from '../../../src/services/chat/chat-runtime.ts';
import type { ServiceContext } from '../../../src/services/service-context.ts';
import { DEMO_END_DATE, type TestPlatform } from '../../support/test-platform.ts';

/** Noon UTC on the last day of the demo data, so "last 30 days" is the demo window. */
export const DEMO_TODAY = new Date(`${DEMO_END_DATE}T12:00:00Z`);

/** Puts the offline engine with a fixed clock (or the runtime the env describes) on the platform. */
export function useChatRuntime(test: TestPlatform, env: Record<string, string> = {}): void {
  test.platform.context.chat = createChatRuntime(loadConfig(env), { now: () => DEMO_TODAY });
}

export async function callerFor(test: TestPlatform, key: string): Promise<Caller> {
  return authenticateApiKey(test.platform.context, key);
}

/** Adds a user to an organization, as an administrator would, and returns them as a caller. */
export async function addUser(context: ServiceContext, organizationId: string): Promise<Caller> {
  const userId = randomUUID();
  await context.db.query(
    `INSERT INTO users (id, organization_id, email, name, role) VALUES ($1, $2, $3, 'Second user', 'MEMBER')`,
    [userId, organizationId, `second-${userId}@example.com`],
  );
  return { organizationId, userId, apiKeyId: null, role: 'MEMBER' };
}

/** Sends one message and collects every event of its answer. */
export async function ask(
  context: ServiceContext,
  caller: Caller,
  text: string,
  options: Partial<AnswerMessageInput> = {},
): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  const input: AnswerMessageInput = {
    conversationId: null,
    clientMessageId: randomUUID(),
    text,
    signal: new AbortController().signal,
    ...options,
  };
  for await (const event of answerMessage(context, caller, input)) events.push(event);
  return events;
}

export function ofType<Type extends ChatStreamEvent['type']>(
  events: ChatStreamEvent[],
  type: Type,
): Extract<ChatStreamEvent, { type: Type }>[] {
  return events.filter(
    (event): event is Extract<ChatStreamEvent, { type: Type }> => event.type === type,
  );
}

export function textOf(events: ChatStreamEvent[]): string {
  return ofType(events, 'text_delta')
    .map((event) => event.text)
    .join('');
}

export function finishOf(events: ChatStreamEvent[]) {
  const finished = ofType(events, 'answer_finished');
  if (finished.length !== 1)
    throw new Error(`expected one answer_finished, got ${finished.length}`);
  return finished[0]!;
}

export function conversationOf(events: ChatStreamEvent[]): string {
  const started = ofType(events, 'answer_started')[0];
  if (!started) throw new Error('no answer_started event');
  return started.conversationId;
}
