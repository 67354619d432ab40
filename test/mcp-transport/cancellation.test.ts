import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunEventListener } from '../../src/adapters/pubsub/run-event-bus.ts';
import {
  connectClient,
  startMcpTestServer,
  type ConnectedClient,
  type McpTestServer,
} from './support/mcp-test-server.ts';

interface LogRecord {
  level: number;
  msg: string;
}

interface RunHandle {
  run: { id: string; status: string };
}

interface HttpExchange {
  method: string;
  /** Whether the request carried Last-Event-ID, resuming a stream. */
  resumed: boolean;
  status: number;
}

/** Creates a fetch for the SDK client that records each request's method and response status. */
function recordingFetch(exchanges: HttpExchange[]): FetchLike {
  return async (url, init) => {
    const response = await fetch(url, init);
    exchanges.push({
      method: init?.method ?? 'GET',
      resumed: new Headers(init?.headers).has('last-event-id'),
      status: response.status,
    });
    return response;
  };
}

/** Records the wire messages a client sends and receives, beside the SDK's own handling. */
function recordMessages({ transport }: ConnectedClient) {
  const sent: JSONRPCMessage[] = [];
  const received: JSONRPCMessage[] = [];
  const send = transport.send.bind(transport);
  transport.send = (message, options) => {
    sent.push(...(Array.isArray(message) ? message : [message]));
    return send(message, options);
  };
  const onmessage = transport.onmessage;
  transport.onmessage = (message) => {
    received.push(message);
    onmessage?.(message);
  };
  return { sent, received };
}

function idOfToolCall(sent: JSONRPCMessage[], name: string): string | number | undefined {
  const request = sent.find(
    (message) =>
      'method' in message &&
      message.method === 'tools/call' &&
      (message.params as { name?: string } | undefined)?.name === name,
  );
  return request && 'id' in request ? request.id : undefined;
}

/**
 * Without a worker every run stays QUEUED, so start_run with waitSeconds
 * waits its full time unless the client cancels the call.
 */
describe('cancelling a waiting start_run over Streamable HTTP', () => {
  let server: McpTestServer;
  const clients: ConnectedClient[] = [];
  const records: LogRecord[] = [];
  /** Run event listeners of waiting tool calls still subscribed. */
  let activeWaits = 0;

  beforeAll(async () => {
    server = await startMcpTestServer();
    const context = server.platform.platform.context;
    context.log = pino(
      { level: 'info' },
      { write: (line: string) => records.push(JSON.parse(line) as LogRecord) },
    );
    const subscribe = context.runEvents.subscribe.bind(context.runEvents);
    context.runEvents.subscribe = (listener: RunEventListener) => {
      const unsubscribe = subscribe(listener);
      activeWaits += 1;
      let done = false;
      return () => {
        if (!done) activeWaits -= 1;
        done = true;
        unsubscribe();
      };
    };
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map(({ client }) => client.close()));
  });

  afterAll(async () => {
    await server?.close();
  });

  it('rejects at once, stops waiting, keeps the run', async () => {
    const connected = await connectClient(server.url, server.platform.keys.advertiser);
    clients.push(connected);
    const messages = recordMessages(connected);
    const cancel = new AbortController();
    let abortedAt: number | undefined;
    const progress: number[] = [];

    const call = connected.client.callTool(
      {
        name: 'start_run',
        arguments: {
          cleanRoomId: 'CR-000001',
          questionId: 'audience_overlap',
          parameters: { attribute: 'region' },
          idempotencyKey: 'cancel-over-http',
          waitSeconds: 30,
        },
      },
      undefined,
      {
        signal: cancel.signal,
        onprogress: ({ progress: value }) => {
          progress.push(value);
          abortedAt ??= Date.now();
          cancel.abort('the user stopped waiting');
        },
      },
    );
    let rejectedAt = 0;
    const rejected = expect(call.finally(() => (rejectedAt = Date.now()))).rejects.toThrow(
      'the user stopped waiting',
    );
    await rejected;
    const rejectedAfterMs = rejectedAt - abortedAt!;

    expect(rejectedAfterMs).toBeLessThan(1_000);
    // The client drops the call's progress handler on cancel, and the server sends no more.
    expect(progress).toEqual([0]);
    await vi.waitFor(() => expect(activeWaits).toBe(0), { timeout: 5_000 });

    const cancelledId = idOfToolCall(messages.sent, 'start_run');
    expect(cancelledId).toBeDefined();
    expect(messages.sent).toContainEqual(
      expect.objectContaining({
        method: 'notifications/cancelled',
        params: expect.objectContaining({ requestId: cancelledId }),
      }),
    );

    const listed = await connected.client.callTool({
      name: 'list_runs',
      arguments: { cleanRoomId: 'CR-000001' },
    });
    const run = (listed.structuredContent as { items: RunHandle['run'][] }).items[0]!;
    const after = await connected.client.callTool({
      name: 'get_run',
      arguments: { runId: run.id },
    });

    expect(after.isError).toBeFalsy();
    expect((after.structuredContent as unknown as RunHandle).run.status).toBe('QUEUED');
    expect(
      messages.received.filter((message) => 'id' in message && message.id === cancelledId),
    ).toEqual([]);
    expect(records.filter((record) => record.level >= 50)).toEqual([]);
  });

  it('closes the stream of a cancelled call', async () => {
    const requests: HttpExchange[] = [];
    const connected = await connectClient(server.url, server.platform.keys.advertiser, {
      fetch: recordingFetch(requests),
      reconnectionOptions: {
        initialReconnectionDelay: 10,
        maxReconnectionDelay: 50,
        reconnectionDelayGrowFactor: 1,
        maxRetries: 2,
      },
    });
    clients.push(connected);
    const clientErrors: Error[] = [];
    connected.client.onerror = (error) => clientErrors.push(error);
    const session = server.platform.app.mcp.sessions!.get(connected.transport.sessionId!)!;
    const cancel = new AbortController();

    const call = connected.client.callTool(
      {
        name: 'start_run',
        arguments: {
          cleanRoomId: 'CR-000001',
          questionId: 'audience_overlap',
          parameters: { attribute: 'region' },
          idempotencyKey: 'cancel-stream-over-http',
          waitSeconds: 30,
        },
      },
      undefined,
      { signal: cancel.signal, onprogress: () => cancel.abort('the user stopped waiting') },
    );
    await expect(call).rejects.toThrow('the user stopped waiting');

    // The client resumes the closed stream once, with Last-Event-ID, and gets 405 for it.
    await vi.waitFor(
      () =>
        expect(requests).toContainEqual(
          expect.objectContaining({ method: 'GET', resumed: true, status: 405 }),
        ),
      { timeout: 5_000 },
    );
    // Only the session's standalone GET stream is left open.
    await vi.waitFor(() => expect(session.openRequestCount).toBe(1), { timeout: 5_000 });
    const after = await connected.client.callTool({ name: 'list_clean_rooms', arguments: {} });

    expect(after.isError).toBeFalsy();
    expect(requests.filter((request) => request.resumed)).toHaveLength(1);
    expect(clientErrors).toEqual([]);
    expect(records.map((record) => record.msg)).toContain('tool call cancelled by the client');
  });
});
