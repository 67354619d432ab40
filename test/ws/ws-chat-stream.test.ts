import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, ServerMessage } from '../../src/domain/chat/ws-protocol.ts';
import { findRoom } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { FakeAnswer, startFakeChatServer, type FakeChatServer } from './fake-answer.ts';
import { answerText, closedByServer, TestWsClient } from './ws-test-client.ts';

const DELTAS = Array.from({ length: 12 }, (_, index) => `token${index} `);

function isFinished(message: ServerMessage): boolean {
  return message.type === 'chat' && message.event.type === 'answer_finished';
}

function startedConversation(client: TestWsClient, replyTo: string): Promise<string> {
  return client
    .waitFor(
      (message) =>
        message.type === 'chat' &&
        message.event.type === 'answer_started' &&
        message.event.replyTo === replyTo,
    )
    .then((message) => (message as ChatMessage).conversationId);
}

function deltaCount(messages: ChatMessage[]): number {
  return messages.filter((message) => message.event.type === 'text_delta').length;
}

/** Number of acks the client received for a message id. */
function acknowledged(client: TestWsClient, id: string): number {
  return client.messages.filter((message) => message.type === 'ack' && message.id === id).length;
}

/** Waits for a pong, so every reply to the messages sent before has arrived. */
async function roundTrip(client: TestWsClient): Promise<void> {
  const id = `ping-${crypto.randomUUID()}`;
  client.send({ type: 'ping', id });
  await client.waitFor((message) => message.type === 'pong' && message.id === id);
}

describe('WebSocket chat stream', () => {
  let test: TestPlatform;
  let server: FakeChatServer | undefined;
  const clients: TestWsClient[] = [];

  async function connect(key = test.keys.advertiser): Promise<TestWsClient> {
    const client = await TestWsClient.connect(server?.url ?? '', { key });
    clients.push(client);
    return client;
  }

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await server?.close();
    server = undefined;
  });

  afterAll(async () => {
    await test?.close();
  });

  describe('reconnect', () => {
    it('resumes mid-stream with nothing lost or doubled', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const first = await connect();
      first.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(first, 'm1');
      answer.release(4);
      await first.waitFor(() => deltaCount(first.chat(conversationId)) === 4);

      first.socket.terminate();
      await first.closed;
      answer.release(3);
      const beforeReconnect = first.chat(conversationId);
      const lastSeq = beforeReconnect.at(-1)?.seq ?? 0;
      const second = await connect();
      second.send({ type: 'hello', id: 'h1', resume: [{ conversationId, lastSeq }] });
      await second.waitFor((message) => message.type === 'ack' && message.id === 'h1');
      answer.release(DELTAS.length);
      await second.waitFor(isFinished);

      const resumed = second.chat(conversationId);
      const all = [...beforeReconnect, ...resumed];
      expect(resumed[0]?.seq).toBe(lastSeq + 1);
      expect(all.map((message) => message.seq)).toEqual(all.map((_, index) => index + 1));
      expect(answerText(all)).toBe(DELTAS.join(''));
      expect(second.invalidFrames).toEqual([]);
    });

    it('replays a finished answer from seq 0', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS });
      server = await startFakeChatServer(test.platform, answer);
      const first = await connect();
      first.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(first, 'm1');
      await first.waitFor(isFinished);

      const second = await connect();
      second.send({ type: 'hello', id: 'h1', resume: [{ conversationId, lastSeq: 0 }] });
      await second.waitFor(isFinished);

      expect(second.chat(conversationId)).toEqual(first.chat(conversationId));
    });
  });

  describe('idempotency', () => {
    it('answers a message re-sent after a reconnect once', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const first = await connect();
      first.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(first, 'm1');
      answer.release(2);
      await first.waitFor(() => deltaCount(first.chat(conversationId)) === 2);
      first.socket.terminate();
      await first.closed;

      const second = await connect();
      second.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const ack = await second.waitFor((message) => message.type === 'ack' && message.id === 'm1');
      answer.release(DELTAS.length);
      await second.waitFor(isFinished);

      expect(ack).toMatchObject({ conversationId });
      expect(answer.started.get('m1')).toBe(1);
      const replayed = second.chat(conversationId);
      expect(replayed.filter((message) => message.event.type === 'answer_started')).toHaveLength(1);
      expect(answerText(replayed)).toBe(DELTAS.join(''));
    });

    it('does not repeat events when a message is re-sent on the same socket', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');
      answer.release(3);
      await client.waitFor(() => deltaCount(client.chat(conversationId)) === 3);

      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      await client.waitFor(
        (message) =>
          message.type === 'ack' && message.id === 'm1' && message.conversationId !== undefined,
      );
      answer.release(DELTAS.length);
      await client.waitFor(isFinished);

      const received = client.chat(conversationId);
      expect(answer.started.get('m1')).toBe(1);
      expect(received.map((message) => message.seq)).toEqual(received.map((_, index) => index + 1));
      expect(answerText(received)).toBe(DELTAS.join(''));
    });

    it('retries a message that failed before starting', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, failingCalls: 1 });
      server = await startFakeChatServer(test.platform, answer);
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const failure = await client.waitFor((message) => message.type === 'error');

      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');
      await client.waitFor(isFinished);

      expect(failure).toMatchObject({ id: 'm1', code: 'DATABASE_UNAVAILABLE' });
      expect(answer.started.get('m1')).toBe(1);
      expect(answerText(client.chat(conversationId))).toBe(DELTAS.join(''));
    });

    it('rejects an id reused with another text', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS });
      server = await startFakeChatServer(test.platform, answer);
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');
      await client.waitFor(isFinished);
      const acks = acknowledged(client, 'm1');

      client.send({ type: 'send_message', id: 'm1', conversationId, text: 'something else' });
      const error = await client.waitFor((message) => message.type === 'error');
      await roundTrip(client);

      expect(error).toMatchObject({ id: 'm1', code: 'MESSAGE_ID_REUSED', field: 'id' });
      expect(error).toMatchObject({ message: expect.stringContaining('"m1"') });
      expect(error).toMatchObject({ message: expect.stringContaining('new id') });
      expect(acknowledged(client, 'm1')).toBe(acks);
      expect(answer.started.get('m1')).toBe(1);
      expect(client.chat(conversationId).filter(isFinished)).toHaveLength(1);
    });

    it('rejects an id reused while its first answer is running', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');

      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello again' });
      const error = await client.waitFor((message) => message.type === 'error');
      answer.release(DELTAS.length);
      await client.waitFor(isFinished);

      expect(error).toMatchObject({ id: 'm1', code: 'MESSAGE_ID_REUSED' });
      expect(answer.started.get('m1')).toBe(1);
      expect(answerText(client.chat(conversationId))).toBe(DELTAS.join(''));
    });

    it('rejects a second message while the conversation is answering', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');

      client.send({ type: 'send_message', id: 'm2', conversationId, text: 'again' });

      expect(
        await client.waitFor((message) => message.type === 'error' && message.id === 'm2'),
      ).toMatchObject({ code: 'GENERATION_RUNNING' });
      answer.release(DELTAS.length);
      await client.waitFor(isFinished);
    });
  });

  describe('checks before the ack', () => {
    it('acknowledges a message once its answer started', async () => {
      server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: DELTAS }));
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');

      const ack = client.messages.findIndex((message) => message.type === 'ack');
      const started = client.messages.findIndex((message) => message.type === 'chat');
      expect(client.messages[ack]).toEqual({ type: 'ack', id: 'm1', conversationId });
      expect(ack).toBeLessThan(started);
    });

    it('sends only the error for an unknown conversation', async () => {
      server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: DELTAS }));
      const client = await connect();
      const conversationId = crypto.randomUUID();
      client.send({ type: 'send_message', id: 'm1', conversationId, text: 'hello' });

      const error = await client.waitFor((message) => message.type === 'error');
      await roundTrip(client);

      expect(error).toMatchObject({ id: 'm1', code: 'CONVERSATION_NOT_FOUND' });
      expect(acknowledged(client, 'm1')).toBe(0);
    });

    it('sends only the error for a resume it cannot serve', async () => {
      server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: DELTAS }));
      const client = await connect();
      const conversationId = crypto.randomUUID();
      client.send({ type: 'hello', id: 'h1', resume: [{ conversationId, lastSeq: 2 }] });

      const error = await client.waitFor((message) => message.type === 'error');
      await roundTrip(client);

      expect(error).toMatchObject({ id: 'h1', code: 'RESUME_UNAVAILABLE', conversationId });
      expect(acknowledged(client, 'h1')).toBe(0);
    });

    it('reports lost conversations before the ack', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS });
      server = await startFakeChatServer(test.platform, answer);
      const first = await connect();
      first.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(first, 'm1');
      await first.waitFor(isFinished);
      const unknown = crypto.randomUUID();

      const second = await connect();
      second.send({
        type: 'hello',
        id: 'h1',
        resume: [
          { conversationId: unknown, lastSeq: 0 },
          { conversationId, lastSeq: 0 },
        ],
      });
      await second.waitFor(isFinished);

      const replies = second.messages.filter(
        (message) => message.type === 'ack' || message.type === 'error',
      );
      expect(replies).toMatchObject([
        { type: 'error', id: 'h1', code: 'RESUME_UNAVAILABLE', conversationId: unknown },
        { type: 'ack', id: 'h1' },
      ]);
      expect(second.chat(conversationId)).toEqual(first.chat(conversationId));
    });
  });

  describe('stop', () => {
    it('aborts the answer and acknowledges a re-sent stop', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const client = await connect();
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: 'hello' });
      const conversationId = await startedConversation(client, 'm1');
      answer.release(2);
      await client.waitFor(() => deltaCount(client.chat(conversationId)) === 2);

      client.send({ type: 'stop', id: 's1', conversationId });
      const finished = await client.waitFor(isFinished);
      client.send({ type: 'stop', id: 's1', conversationId });
      await client.waitFor((message) => message.type === 'ack' && message.id === 's1', {
        from: client.messages.indexOf(finished) + 1,
      });

      expect(finished).toMatchObject({ event: { finishReason: 'aborted', incomplete: true } });
      expect(deltaCount(client.chat(conversationId))).toBe(2);
      expect(client.messages.filter((message) => message.type === 'error')).toEqual([]);
    });
  });

  describe('tenancy', () => {
    it('keeps two users conversations apart', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS, gated: true });
      server = await startFakeChatServer(test.platform, answer);
      const advertiser = await connect(test.keys.advertiser);
      const publisher = await connect(test.keys.publisher);
      advertiser.send({ type: 'send_message', id: 'a1', conversationId: null, text: 'mine' });
      const conversationId = await startedConversation(advertiser, 'a1');

      publisher.send({ type: 'hello', id: 'p1', resume: [{ conversationId, lastSeq: 0 }] });
      publisher.send({ type: 'stop', id: 'p2', conversationId });
      publisher.send({ type: 'send_message', id: 'p3', conversationId, text: 'theirs' });
      await publisher.waitFor((message) => message.type === 'error' && message.id === 'p3');
      // The stop checks the database for an answer in another process, so its error may come last.
      await publisher.waitFor((message) => message.type === 'error' && message.id === 'p2');
      answer.release(DELTAS.length);
      await advertiser.waitFor(isFinished);

      const errors = publisher.messages.filter((message) => message.type === 'error');
      const byId = errors.map((error) => [error.id, error.code]).sort();
      expect(byId).toEqual([
        ['p1', 'RESUME_UNAVAILABLE'],
        ['p2', 'GENERATION_NOT_RUNNING'],
        ['p3', 'CONVERSATION_NOT_FOUND'],
      ]);
      expect(publisher.messages.filter((message) => message.type === 'chat')).toEqual([]);
      expect(answerText(advertiser.chat(conversationId))).toBe(DELTAS.join(''));
    });

    it('keeps the same message id of two users apart', async () => {
      const answer = new FakeAnswer({ deltas: DELTAS });
      server = await startFakeChatServer(test.platform, answer);
      const advertiser = await connect(test.keys.advertiser);
      const publisher = await connect(test.keys.publisher);
      advertiser.send({ type: 'send_message', id: 'same', conversationId: null, text: 'one' });
      publisher.send({ type: 'send_message', id: 'same', conversationId: null, text: 'two' });
      const advertiserConversation = await startedConversation(advertiser, 'same');
      const publisherConversation = await startedConversation(publisher, 'same');
      await advertiser.waitFor(isFinished);
      await publisher.waitFor(isFinished);

      expect(advertiserConversation).not.toBe(publisherConversation);
      expect(answer.started.get('same')).toBe(2);
      expect(advertiser.chat(publisherConversation)).toEqual([]);
      expect(publisher.chat(advertiserConversation)).toEqual([]);
    });
  });

  describe('backpressure', () => {
    const HIGH_WATER_BYTES = 64 * 1024;
    const MAX_BUFFERED_BYTES = 256 * 1024;
    const CONVERSATION_LOG_BYTES = 512 * 1024;
    const DELTA_BYTES = 16 * 1024;
    const PADDED_EVENT_BYTES = 4 * 1024;

    it('pauses a slow client and resumes it from the log', async () => {
      const deltas = Array.from(
        { length: 600 },
        (_, index) => `${index}:${'y'.repeat(DELTA_BYTES)}`,
      );
      const answer = new FakeAnswer({ deltas });
      server = await startFakeChatServer(test.platform, answer, {
        WS_HIGH_WATER_BYTES: HIGH_WATER_BYTES,
        WS_MAX_BUFFERED_BYTES: MAX_BUFFERED_BYTES,
        WS_STALL_TIMEOUT_MS: 120_000,
        WS_STREAM_LOG_CONVERSATION_BYTES: 64 * 1024 ** 2,
      });
      const hub = server.hub;
      const client = await connect();
      client.send({ type: 'send_message', id: 'slow', conversationId: null, text: 'flood' });
      await client.waitFor((message) => message.type === 'ack');
      const rawSocket = (client.socket as unknown as { _socket: { pause(): void; resume(): void } })
        ._socket;
      rawSocket.pause();
      await vi.waitFor(() => expect([...hub.connections][0]?.isPaused).toBe(true), {
        timeout: 30_000,
        interval: 20,
      });
      rawSocket.resume();
      await client.waitFor(isFinished, { timeoutMs: 60_000 });

      const received = client.messages.filter(
        (message): message is ChatMessage => message.type === 'chat',
      );
      expect(received.map((message) => message.seq)).toEqual(received.map((_, index) => index + 1));
      expect(answerText(received)).toBe(deltas.join(''));
      expect(hub.stats().peakBufferedBytes).toBeLessThanOrEqual(
        HIGH_WATER_BYTES + DELTA_BYTES + 200,
      );
    });

    it('closes a client whose queue passes the hard limit', async () => {
      server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: [] }), {
        WS_HIGH_WATER_BYTES: HIGH_WATER_BYTES,
        WS_MAX_BUFFERED_BYTES: MAX_BUFFERED_BYTES,
      });
      const hub = server.hub;
      const room = await findRoom(test.app, test.keys.advertiser, 'Holiday');
      const client = await connect();
      client.send({ type: 'subscribe_runs', id: 'r', cleanRoomId: room.id });
      await client.waitFor((message) => message.type === 'ack');
      (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      const closed = once(hub.events, 'connection_closed');

      // Run events are not paused with the chat stream, so a client that never reads fills the queue.
      // A 4 KiB `at` makes each frame large, so fewer events fill the socket buffers.
      const padding = 'x'.repeat(PADDED_EVENT_BYTES);
      for (let index = 0; hub.connections.size > 0 && index < 100_000; index += 1) {
        await test.platform.context.runEvents.publish({
          runId: crypto.randomUUID(),
          cleanRoomId: room.id,
          status: 'RUNNING',
          progress: index % 100,
          at: padding,
        });
      }
      await closed;
      client.socket.terminate();

      expect(hub.stats().peakBufferedBytes).toBeGreaterThan(MAX_BUFFERED_BYTES);
      expect(hub.stats().peakBufferedBytes).toBeLessThanOrEqual(
        MAX_BUFFERED_BYTES + PADDED_EVENT_BYTES + 300,
      );
      expect(await closedByServer(test, 'slow')).toBe(1);
    });

    it('closes a stalled client with its memory bounded', async () => {
      // 2,000 deltas of 16 KiB (32 MiB) outgrow the loopback socket buffers, so the server queue fills.
      const answer = new FakeAnswer({
        deltas: Array.from({ length: 2_000 }, () => 'x'.repeat(DELTA_BYTES)),
      });
      server = await startFakeChatServer(test.platform, answer, {
        WS_HIGH_WATER_BYTES: HIGH_WATER_BYTES,
        WS_MAX_BUFFERED_BYTES: MAX_BUFFERED_BYTES,
        WS_STALL_TIMEOUT_MS: 300,
        WS_STREAM_LOG_CONVERSATION_BYTES: CONVERSATION_LOG_BYTES,
      });
      const hub = server.hub;
      const client = await connect();
      const closed = once(hub.events, 'connection_closed');
      client.send({ type: 'send_message', id: 'big', conversationId: null, text: 'flood' });
      await client.waitFor((message) => message.type === 'ack');
      (client.socket as unknown as { _socket: { pause(): void } })._socket.pause();
      await closed;
      // The paused client never reads the server's FIN, so a close handshake would wait 30 s.
      client.socket.terminate();

      const stats = hub.stats();
      const frameBytes = DELTA_BYTES + 200;
      expect(stats.connections).toBe(0);
      expect(stats.peakBufferedBytes).toBeGreaterThan(HIGH_WATER_BYTES);
      expect(stats.peakBufferedBytes).toBeLessThanOrEqual(HIGH_WATER_BYTES + frameBytes);
      expect(stats.streamLog.bytes).toBeLessThanOrEqual(CONVERSATION_LOG_BYTES + frameBytes);
      expect(stats.streamLog.evictedEvents).toBeGreaterThan(0);
      expect(await closedByServer(test, 'stalled')).toBe(1);
    });
  });
});
