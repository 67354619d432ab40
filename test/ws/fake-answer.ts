import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Platform } from '../../src/app/create-platform.ts';
import type { Config } from '../../src/config/config.ts';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import { AppError } from '../../src/domain/errors/app-error.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { handleError } from '../../src/interfaces/http/error-handler.ts';
import type { AnswerMessageInput } from '../../src/interfaces/ws/chat-generations.ts';
import { registerWsEndpoint } from '../../src/interfaces/ws/register-ws-endpoint.ts';
import type { WsHub } from '../../src/interfaces/ws/ws-hub.ts';

export interface FakeAnswerOptions {
  /** Text deltas of every answer. */
  deltas: string[];
  /** When true, each delta waits for `release`; otherwise deltas flow as fast as the loop turns. */
  gated?: boolean;
  /** Number of first calls that fail before the answer starts, as a database outage would. */
  failingCalls?: number;
}

/**
 * A scripted chat assistant with the chat service's contract: it rejects a
 * repeated client message id in a conversation and another user's
 * conversation, stops on the abort signal, and counts the answers it starts.
 */
export class FakeAnswer {
  /** Answers started, by client message id. */
  readonly started = new Map<string, number>();
  private readonly owners = new Map<string, string>();
  private readonly acceptedIds = new Set<string>();
  private released = 0;
  private calls = 0;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly options: FakeAnswerOptions) {}

  /** Lets `count` more gated deltas through, across all answers. */
  release(count: number): void {
    this.released += count;
    for (const wake of [...this.waiting]) wake();
  }

  readonly answer = (
    _context: unknown,
    caller: Caller,
    input: AnswerMessageInput,
  ): AsyncIterable<ChatStreamEvent> => this.generate(caller, input);

  private async *generate(
    caller: Caller,
    input: AnswerMessageInput,
  ): AsyncGenerator<ChatStreamEvent> {
    this.calls += 1;
    if (this.calls <= (this.options.failingCalls ?? 0)) {
      throw new AppError('DATABASE_UNAVAILABLE', 'The database is unavailable.');
    }
    const conversationId = this.acceptConversation(caller, input);
    this.started.set(input.clientMessageId, (this.started.get(input.clientMessageId) ?? 0) + 1);
    const messageId = randomUUID();
    yield { type: 'answer_started', conversationId, messageId, replyTo: input.clientMessageId };

    for (const text of this.options.deltas) {
      if (this.options.gated) await this.nextRelease(input.signal);
      else await new Promise((resolve) => setImmediate(resolve));
      if (input.signal.aborted) break;
      yield { type: 'text_delta', messageId, text };
    }
    const aborted = input.signal.aborted;
    yield {
      type: 'answer_finished',
      messageId,
      finishReason: aborted ? 'aborted' : 'stop',
      incomplete: aborted,
      suggestions: [],
    };
  }

  /** Tells whether the caller started this conversation here, as the chat service's check does with the database. */
  readonly hasConversation = (
    _context: unknown,
    caller: Caller,
    conversationId: string,
  ): Promise<boolean> =>
    Promise.resolve(
      this.owners.get(conversationId) === `${caller.organizationId}:${caller.userId}`,
    );

  private acceptConversation(caller: Caller, input: AnswerMessageInput): string {
    const conversationId = input.conversationId ?? randomUUID();
    const owner = `${caller.organizationId}:${caller.userId}`;
    const knownOwner = this.owners.get(conversationId);
    if (input.conversationId !== null && knownOwner !== owner) {
      throw new AppError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} was not found.`);
    }
    const key = `${conversationId}:${input.clientMessageId}`;
    if (this.acceptedIds.has(key)) {
      throw new AppError(
        'CHAT_MESSAGE_DUPLICATE',
        `Message ${input.clientMessageId} was already answered.`,
      );
    }
    this.acceptedIds.add(key);
    this.owners.set(conversationId, owner);
    return conversationId;
  }

  private async nextRelease(signal: AbortSignal): Promise<void> {
    while (this.released === 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiting.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        this.waiting.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    }
    if (this.released > 0) this.released -= 1;
  }
}

export interface FakeChatServer {
  app: FastifyInstance;
  hub: WsHub;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves /ws over a test platform with a fake assistant, on 127.0.0.1 and a
 * free port. `config` overrides WS_* settings of the platform's configuration.
 */
export async function startFakeChatServer(
  platform: Platform,
  answer: FakeAnswer,
  config: Partial<Config> = {},
): Promise<FakeChatServer> {
  const app = Fastify({ loggerInstance: platform.context.log as FastifyBaseLogger });
  app.decorateRequest('caller', null);
  app.setErrorHandler(handleError);
  const hub = await registerWsEndpoint(
    app,
    { ...platform, config: { ...platform.config, ...config } },
    { answer: answer.answer, hasConversation: answer.hasConversation },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { app, hub, url: `ws://127.0.0.1:${port}/ws`, close: () => app.close() };
}
