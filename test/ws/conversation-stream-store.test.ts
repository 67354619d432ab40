import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import type { StreamLogFollower } from '../../src/interfaces/ws/conversation-stream-log.ts';
import { ConversationStreamStore } from '../../src/interfaces/ws/conversation-stream-store.ts';

const owner = { organizationId: 'org-1', userId: 'user-1' };
const messageId = '6f1c7a8e-2b4d-4c1e-9f3a-0d5e6b7c8d9e';

function delta(text: string): ChatStreamEvent {
  return { type: 'text_delta', messageId, text };
}

function conversationId(index: number): string {
  return `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`;
}

/** Bytes of one stored delta frame of `textBytes` characters, measured on a throwaway store. */
function frameBytes(textBytes: number): number {
  const store = new ConversationStreamStore({
    conversationBytes: 1e9,
    totalBytes: 1e9,
    retentionMs: 1000,
  });
  const log = store.open(conversationId(999), owner);
  const bytes = log ? store.append(log, delta('x'.repeat(textBytes))).bytes : 0;
  store.close();
  return bytes;
}

describe('ConversationStreamStore', () => {
  const stores: ConversationStreamStore[] = [];

  afterEach(() => {
    for (const store of stores.splice(0)) store.close();
    vi.useRealTimers();
  });

  function createStore(
    bounds: { conversationBytes: number; totalBytes: number; retentionMs: number },
    now?: () => number,
  ) {
    const store = new ConversationStreamStore(bounds, now);
    stores.push(store);
    return store;
  }

  it('numbers events from 1 without gaps', () => {
    const store = createStore({ conversationBytes: 1e6, totalBytes: 1e6, retentionMs: 1000 });
    const log = store.open(conversationId(1), owner);
    const seqs = [1, 2, 3].map(() => (log ? store.append(log, delta('a')).seq : 0));

    expect(seqs).toEqual([1, 2, 3]);
    expect(log?.firstSeq).toBe(1);
    expect(log?.lastSeq).toBe(3);
  });

  it('evicts the oldest events past the conversation bound', () => {
    const size = frameBytes(100);
    const store = createStore({ conversationBytes: size * 3, totalBytes: 1e6, retentionMs: 1000 });
    const log = store.open(conversationId(1), owner);
    for (let index = 0; index < 5 && log; index += 1) store.append(log, delta('x'.repeat(100)));

    expect(log?.firstSeq).toBe(3);
    expect(log?.entryAt(2)).toBeUndefined();
    expect(store.stats().bytes).toBe(size * 3);
  });

  it('drops the least recently finished conversation past the total bound', () => {
    let now = 1000;
    const size = frameBytes(100);
    const store = createStore(
      { conversationBytes: 1e6, totalBytes: size * 3, retentionMs: 60_000 },
      () => now,
    );
    const first = store.open(conversationId(1), owner);
    const second = store.open(conversationId(2), owner);
    const running = store.open(conversationId(3), owner);
    if (!first || !second || !running) throw new Error('logs not opened');
    store.append(first, delta('x'.repeat(100)));
    store.append(second, delta('x'.repeat(100)));
    store.finish(second);
    now += 1;
    store.finish(first);
    store.append(running, delta('x'.repeat(100)));

    store.append(running, delta('x'.repeat(100)));

    expect(store.get(conversationId(2))).toBeUndefined();
    expect(store.get(conversationId(1))).toBe(first);
    expect(store.stats().bytes).toBeLessThanOrEqual(size * 3);
  });

  it('rejects another owner', () => {
    const store = createStore({ conversationBytes: 1e6, totalBytes: 1e6, retentionMs: 1000 });
    store.open(conversationId(1), owner);

    expect(store.open(conversationId(1), { organizationId: 'org-1', userId: 'user-2' })).toBeNull();
  });

  it('drops finished logs after retention', () => {
    vi.useFakeTimers();
    const store = createStore({ conversationBytes: 1e6, totalBytes: 1e6, retentionMs: 1000 });
    const log = store.open(conversationId(1), owner);
    if (!log) throw new Error('log not opened');
    const dropped: [string, number][] = [];
    const follower: StreamLogFollower = {
      onStreamAppended: () => {},
      onStreamDropped: (id, lastSeq) => dropped.push([id, lastSeq]),
    };
    log.followers.add(follower);
    store.append(log, delta('a'));
    store.finish(log);

    vi.advanceTimersByTime(2000);

    expect(store.get(conversationId(1))).toBeUndefined();
    expect(dropped).toEqual([[conversationId(1), 1]]);
    expect(store.stats().bytes).toBe(0);
  });
});
