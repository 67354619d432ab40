import { randomUUID } from 'node:crypto';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/adapters/logging/logger.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { DatabaseEventStore } from '../../src/interfaces/mcp/http/database-event-store.ts';
import { McpEventWriter } from '../../src/interfaces/mcp/http/mcp-event-writer.ts';
import { McpStreamStore } from '../../src/interfaces/mcp/http/mcp-stream-store.ts';
import { authenticateApiKey } from '../../src/services/auth/authenticate-api-key.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';

/** Longer than any test: only an explicit flush, or a full batch, writes these writers' events. */
const NEVER_MS = 600_000;

const log = createLogger('silent');

function notification(data: string): JSONRPCMessage {
  return { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data } };
}

function dataOf(message: JSONRPCMessage): unknown {
  return 'params' in message ? message.params?.data : undefined;
}

describe.each(['postgres', 'pglite'] as const)('MCP event writer on %s', (backend) => {
  let test: TestPlatform;
  let store: McpStreamStore;
  let caller: Caller;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, startWorker: false });
    store = new McpStreamStore(test.platform.context.db);
    caller = await authenticateApiKey(test.platform.context, test.keys.advertiser);
  });

  afterAll(async () => {
    await test?.close();
  });

  async function openSession(): Promise<string> {
    const sessionId = randomUUID();
    await store.insertSession(sessionId, caller);
    return sessionId;
  }

  async function storedData(sessionId: string): Promise<unknown[]> {
    const rows = await test.platform.context.db.query<{ data: string }>(
      `SELECT message->'params'->>'data' AS data FROM mcp_stream_events
        WHERE session_id = $1 ORDER BY sequence`,
      [sessionId],
    );
    return rows.map((row) => row.data);
  }

  it('replays events still waiting in a batch', async () => {
    const writer = new McpEventWriter(store, log, { flushDelayMs: NEVER_MS, maxBatchEvents: 100 });
    const sessionId = await openSession();
    const events = new DatabaseEventStore(store, writer, sessionId);
    const primingId = await events.storeEvent('stream-a', {} as JSONRPCMessage);
    for (const data of ['n1', 'n2', 'n3']) await events.storeEvent('stream-a', notification(data));
    await events.storeEvent('stream-b', notification('other stream'));
    expect(writer.pendingCount).toBe(4);
    expect(await storedData(sessionId)).toEqual([]);

    const replayed: { eventId: string; data: unknown }[] = [];
    const streamId = await events.replayEventsAfter(primingId, {
      send: async (eventId, message) => {
        replayed.push({ eventId, data: dataOf(message) });
      },
    });

    expect(streamId).toBe('stream-a');
    expect(replayed).toEqual([
      { eventId: 'stream-a:1', data: 'n1' },
      { eventId: 'stream-a:2', data: 'n2' },
      { eventId: 'stream-a:3', data: 'n3' },
    ]);
    expect(writer.pendingCount).toBe(0);
    expect(await storedData(sessionId)).toEqual(['n1', 'n2', 'n3', 'other stream']);
  });

  it('replays only the events after the Last-Event-ID', async () => {
    const writer = new McpEventWriter(store, log, { flushDelayMs: NEVER_MS, maxBatchEvents: 100 });
    const sessionId = await openSession();
    const events = new DatabaseEventStore(store, writer, sessionId);
    const firstId = await events.storeEvent('stream-a', notification('n1'));
    await events.storeEvent('stream-a', notification('n2'));

    const replayed: unknown[] = [];
    await events.replayEventsAfter(firstId, {
      send: async (_eventId, message) => {
        replayed.push(dataOf(message));
      },
    });

    expect(replayed).toEqual(['n2']);
  });

  it('writes a full batch without waiting for the delay', async () => {
    const writer = new McpEventWriter(store, log, { flushDelayMs: NEVER_MS, maxBatchEvents: 3 });
    const sessionId = await openSession();
    const events = new DatabaseEventStore(store, writer, sessionId);

    for (const data of ['n1', 'n2', 'n3']) await events.storeEvent('stream-a', notification(data));

    expect(writer.pendingCount).toBe(0);
    await vi.waitFor(async () => expect(await storedData(sessionId)).toEqual(['n1', 'n2', 'n3']));
  });

  it('writes waiting events after the delay', async () => {
    const writer = new McpEventWriter(store, log, { flushDelayMs: 10, maxBatchEvents: 100 });
    const sessionId = await openSession();
    const events = new DatabaseEventStore(store, writer, sessionId);

    await events.storeEvent('stream-a', notification('n1'));

    await vi.waitFor(async () => expect(await storedData(sessionId)).toEqual(['n1']));
    expect(writer.pendingCount).toBe(0);
  });

  it("skips a deleted session's events and keeps the rest of the batch", async () => {
    const writer = new McpEventWriter(store, log, { flushDelayMs: NEVER_MS, maxBatchEvents: 100 });
    const closedId = await openSession();
    const openId = await openSession();
    const closed = new DatabaseEventStore(store, writer, closedId);
    const open = new DatabaseEventStore(store, writer, openId);
    await closed.storeEvent('stream-a', notification('gone'));
    await open.storeEvent('stream-a', notification('kept'));
    await store.deleteSession(closedId);

    await writer.flush();

    expect(await storedData(closedId)).toEqual([]);
    expect(await storedData(openId)).toEqual(['kept']);
  });

  it('stores any JSON text a message can hold', async () => {
    const writer = new McpEventWriter(store, log, { flushDelayMs: NEVER_MS, maxBatchEvents: 100 });
    const sessionId = await openSession();
    const events = new DatabaseEventStore(store, writer, sessionId);
    // \u0000 and a lone surrogate are valid in JSON text and in a json column.
    const tricky =
      'a "quoted" \\ back\\slash, {braces}, line\nbreak, Zürich, 東京, emoji 🚀, nul \u0000, lone \ud800';
    const primingId = await events.storeEvent('stream-a', {} as JSONRPCMessage);
    await events.storeEvent('stream-a', notification(tricky));

    const replayed: unknown[] = [];
    await events.replayEventsAfter(primingId, {
      send: async (_eventId, message) => {
        replayed.push(dataOf(message));
      },
    });

    expect(replayed).toEqual([tricky]);
  });
});
