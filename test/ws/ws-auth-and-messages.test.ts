import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WS_SUBPROTOCOL } from '../../src/domain/chat/ws-protocol.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { signInAs } from '../web-auth/session-client.ts';
import { WebSocket } from 'ws';
import { FakeAnswer, startFakeChatServer, type FakeChatServer } from './fake-answer.ts';
import { closedByServer, rejectedUpgrade, TestWsClient } from './ws-test-client.ts';

const MAX_INVALID_MESSAGES = 3;
const MAX_PAYLOAD_BYTES = 4096;

describe('WebSocket endpoint', () => {
  let test: TestPlatform;
  let url: string;
  let origin: string;

  beforeAll(async () => {
    test = await startTestPlatform({
      backend: 'pglite',
      startWorker: false,
      env: {
        WS_MAX_INVALID_MESSAGES: String(MAX_INVALID_MESSAGES),
        WS_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
      },
    });
    await test.app.listen({ host: '127.0.0.1', port: 0 });
    const address = test.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    url = `ws://127.0.0.1:${port}/ws`;
    origin = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await test?.close();
  });

  describe('authentication', () => {
    it('rejects an upgrade without credentials with 401', async () => {
      const rejected = await rejectedUpgrade(url);

      expect(rejected.status).toBe(401);
      expect(JSON.parse(rejected.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    });

    it('rejects an unknown API key with 401', async () => {
      const rejected = await rejectedUpgrade(url, { key: 'crk_' + 'x'.repeat(32) });

      expect(rejected.status).toBe(401);
    });

    it('accepts the API key in the Authorization header', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });

      expect(client.socket.protocol).toBe(WS_SUBPROTOCOL);
      expect(client.messages[0]).toMatchObject({ type: 'welcome', protocolVersion: 1 });
      await client.close();
    });

    it('accepts the API key as a subprotocol and selects cleanroom.v1', async () => {
      const client = await TestWsClient.connect(url, {
        subprotocolKey: test.keys.advertiser,
        origin,
      });

      expect(client.socket.protocol).toBe(WS_SUBPROTOCOL);
      await client.close();
    });

    it('rejects an invalid API key in the subprotocol with 401', async () => {
      const rejected = await rejectedUpgrade(url, { subprotocolKey: 'crk_not-a-key' });

      expect(rejected.status).toBe(401);
    });

    it('accepts the web app session cookie', async () => {
      const credential = test.credentials.find((entry) => entry.password);
      const session = await signInAs(test.app, credential?.email ?? '', credential?.password ?? '');
      const client = await TestWsClient.connect(url, { cookie: session.cookie, origin });

      client.send({ type: 'ping', id: 'c1' });
      expect(await client.waitFor((message) => message.type === 'pong')).toMatchObject({
        id: 'c1',
      });
      await client.close();
    });

    it('rejects the session cookie from another origin', async () => {
      const credential = test.credentials.find((entry) => entry.password);
      const session = await signInAs(test.app, credential?.email ?? '', credential?.password ?? '');
      const rejected = await rejectedUpgrade(url, {
        cookie: session.cookie,
        origin: 'http://evil.example',
      });

      expect(rejected.status).toBe(403);
    });

    it('rejects an offer of only unsupported versions with 400', async () => {
      const rejected = await upgradeOffering(url, ['cleanroom.v2'], test.keys.advertiser);

      expect(rejected.status).toBe(400);
      const error = (JSON.parse(rejected.body) as { error: { code: string; message: string } })
        .error;
      expect(error.code).toBe('WS_SUBPROTOCOL_UNSUPPORTED');
      expect(error.message).toContain('cleanroom.v2');
      expect(error.message).toContain('"cleanroom.v1"');
    });

    it('rejects an offer of only the bearer subprotocol without echoing the key', async () => {
      const rejected = await upgradeOffering(url, [`cleanroom.bearer.${test.keys.advertiser}`]);

      expect(rejected.status).toBe(400);
      expect(rejected.body).toContain('WS_SUBPROTOCOL_UNSUPPORTED');
      expect(rejected.body).not.toContain(test.keys.advertiser);
    });

    it('selects cleanroom.v1 among unsupported versions', async () => {
      const socket = new WebSocket(url, ['cleanroom.v2', WS_SUBPROTOCOL], {
        headers: { authorization: `Bearer ${test.keys.advertiser}` },
      });
      await new Promise((resolve, reject) => {
        socket.once('open', resolve);
        socket.once('error', reject);
      });

      expect(socket.protocol).toBe(WS_SUBPROTOCOL);
      socket.close();
    });

    it('rejects a browser upgrade from another origin with 403', async () => {
      const rejected = await rejectedUpgrade(url, {
        subprotocolKey: test.keys.advertiser,
        origin: 'http://evil.example',
      });

      expect(rejected.status).toBe(403);
      expect(JSON.parse(rejected.body)).toMatchObject({ error: { code: 'WS_ORIGIN_NOT_ALLOWED' } });
    });
  });

  describe('client messages', () => {
    it('answers ping with pong carrying the id', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({ type: 'ping', id: 'p1' });

      expect(await client.waitFor((message) => message.type === 'pong')).toEqual({
        type: 'pong',
        id: 'p1',
      });
      await client.close();
    });

    it('rejects a long message with the REST code', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({
        type: 'send_message',
        id: 'm2',
        conversationId: null,
        text: 'x'.repeat(4_001),
      });

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ id: 'm2', code: 'CHAT_MESSAGE_TOO_LONG', field: 'text' });
      expect(error).toMatchObject({ message: expect.stringContaining('4001 characters') });
      expect(client.messages.filter((message) => message.type === 'ack')).toEqual([]);
      await client.close();
    });

    it('names the invalid field in the error', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({ type: 'send_message', id: 'm1', conversationId: null, text: '' });

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ id: 'm1', code: 'MESSAGE_INVALID', field: 'text' });
      expect(error).toMatchObject({ message: expect.stringContaining('"text"') });
      await client.close();
    });

    describe('with the default payload limit', () => {
      let server: FakeChatServer;

      beforeAll(async () => {
        // 4,000 characters of "é" take 8,000 bytes, over this file's WS_MAX_PAYLOAD_BYTES.
        server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: ['ok'] }), {
          WS_MAX_PAYLOAD_BYTES: 65_536,
        });
      });

      afterAll(async () => {
        await server?.close();
      });

      it('counts an emoji in the text as one character', async () => {
        const client = await TestWsClient.connect(server.url, { key: test.keys.advertiser });
        client.send({
          type: 'send_message',
          id: 'm3',
          conversationId: null,
          text: 'é'.repeat(3_999) + '😀😀',
        });

        const error = await client.waitFor((message) => message.type === 'error');
        expect(error).toMatchObject({ id: 'm3', code: 'CHAT_MESSAGE_TOO_LONG', field: 'text' });
        expect(error).toMatchObject({ message: expect.stringContaining('4001 characters') });
        await client.close();
      });

      it('accepts 4,000 characters typed with an emoji', async () => {
        const client = await TestWsClient.connect(server.url, { key: test.keys.advertiser });
        client.send({
          type: 'send_message',
          id: 'm4',
          conversationId: null,
          text: 'é'.repeat(3_999) + '😀',
        });

        expect(await client.waitFor((message) => message.type === 'ack')).toMatchObject({
          id: 'm4',
        });
        expect(client.messages.filter((message) => message.type === 'error')).toEqual([]);
        await client.close();
      });
    });

    it('names an unknown field in the error', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({ type: 'ping', id: 'u1', extra: true });

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ id: 'u1', code: 'MESSAGE_INVALID', field: 'extra' });
      expect(error).toMatchObject({ message: expect.stringContaining('Unknown field "extra"') });
      await client.close();
    });

    it('names an unknown field of a resume entry', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      const conversationId = crypto.randomUUID();
      client.send({ type: 'hello', id: 'r1', resume: [{ conversationId, lastSeq: 0, seq: 3 }] });

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ id: 'r1', code: 'MESSAGE_INVALID', field: 'resume.0.seq' });
      expect(error).toMatchObject({
        message: expect.stringContaining('Unknown field "resume.0.seq"'),
      });
      expect(client.messages.filter((message) => message.type === 'ack')).toEqual([]);
      await client.close();
    });

    it('names the type when the message type is unknown', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({ type: 'shout', id: 'x1' });

      expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
        id: 'x1',
        code: 'MESSAGE_INVALID',
        field: 'type',
      });
      await client.close();
    });

    it('rejects a frame that is not JSON without an id', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.socket.send('{not json');

      expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
        id: null,
        code: 'MESSAGE_INVALID',
      });
      await client.close();
    });

    it('closes with 1008 after repeated invalid messages', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      for (let attempt = 0; attempt < MAX_INVALID_MESSAGES; attempt += 1)
        client.socket.send('garbage');

      const closed = await client.closed;
      expect(closed.code).toBe(1008);
      expect(client.messages.filter((message) => message.type === 'error')).toHaveLength(
        MAX_INVALID_MESSAGES,
      );
    });

    it('closes a socket that sends a frame over the payload limit', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({ type: 'ping', id: 'x'.repeat(MAX_PAYLOAD_BYTES) });

      expect((await client.closed).code).toBe(1009);
    });

    it('rejects stop for a conversation with no answer running', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      client.send({ type: 'stop', id: 's1', conversationId: crypto.randomUUID() });

      expect(await client.waitFor((message) => message.type === 'error')).toMatchObject({
        id: 's1',
        code: 'GENERATION_NOT_RUNNING',
      });
      await client.close();
    });

    it('tells a resume of an unknown conversation to reload over REST', async () => {
      const client = await TestWsClient.connect(url, { key: test.keys.advertiser });
      const conversationId = crypto.randomUUID();
      client.send({ type: 'hello', id: 'h1', resume: [{ conversationId, lastSeq: 3 }] });

      const error = await client.waitFor((message) => message.type === 'error');
      expect(error).toMatchObject({ code: 'RESUME_UNAVAILABLE', conversationId });
      expect(error).toMatchObject({
        message: expect.stringContaining(`/api/v1/conversations/${conversationId}`),
      });
      await client.close();
    });
  });

  describe('heartbeat', () => {
    it('terminates a socket that stops answering pings', async () => {
      const server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: [] }), {
        WS_HEARTBEAT_MS: 100,
      });
      try {
        const client = await TestWsClient.connect(server.url, {
          key: test.keys.advertiser,
          clientOptions: { autoPong: false },
        });

        expect((await client.closed).code).toBe(1006);
        expect(await closedByServer(test, 'heartbeat')).toBe(1);
      } finally {
        await server.close();
      }
    });

    it('keeps a socket that answers pings', async () => {
      const server = await startFakeChatServer(test.platform, new FakeAnswer({ deltas: [] }), {
        WS_HEARTBEAT_MS: 50,
      });
      try {
        const client = await TestWsClient.connect(server.url, { key: test.keys.advertiser });
        let pings = 0;
        await new Promise<void>((resolve) => {
          client.socket.on('ping', () => {
            pings += 1;
            if (pings === 5) resolve();
          });
        });

        expect(client.socket.readyState).toBe(WebSocket.OPEN);
        await client.close();
      } finally {
        await server.close();
      }
    });
  });
});

/** Opens an upgrade offering exactly `protocols`; resolves with the HTTP status and body of the rejection. */
async function upgradeOffering(
  url: string,
  protocols: string[],
  key?: string,
): Promise<{ status: number; body: string }> {
  const socket = new WebSocket(url, protocols, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.terminate();
      reject(new Error('the upgrade was accepted'));
    });
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}
