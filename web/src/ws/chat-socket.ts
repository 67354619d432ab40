import type * as WsProtocolModule from '../../../src/domain/chat/ws-protocol.ts';
import type { ClientMessage, ServerMessage } from '../../../src/domain/chat/ws-protocol.ts';

type WsProtocol = typeof WsProtocolModule;

/** Reconnect delays (ms), the last one repeated: quick after a blip, gentle during an outage. */
const RECONNECT_DELAYS_MS = [250, 1000, 3000, 10_000];

type Listener = (message: ServerMessage) => void;

/** A client message without its id; the socket assigns one and keeps it across re-sends. */
export type OutgoingMessage = ClientMessage extends infer Message
  ? Message extends { id: string }
    ? Omit<Message, 'id'>
    : never
  : never;

/**
 * Loads the shared protocol module, whose zod schemas validate every frame.
 * It loads on the first connect, after the chat page has painted, so zod stays
 * off the first route.
 */
let protocolLoading: Promise<WsProtocol> | null = null;
function loadProtocol(): Promise<WsProtocol> {
  protocolLoading ??= import('../../../src/domain/chat/ws-protocol.ts').catch((error: unknown) => {
    protocolLoading = null;
    throw error;
  });
  return protocolLoading;
}

function newMessageId(): string {
  return crypto.randomUUID();
}

/**
 * The app's one WebSocket. It reconnects with back-off and resumes every
 * conversation from the last `seq` it saw, so tokens arrive once and in order.
 * It drops replayed frames it already has. It re-sends client messages not yet
 * acknowledged with their original ids, which the server uses as idempotency keys.
 */
export class ChatSocket {
  private socket: WebSocket | null = null;
  private protocol: WsProtocol | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly lastSeq = new Map<string, number>();
  private readonly unacknowledged = new Map<string, ClientMessage>();
  private readonly runSubscriptions = new Set<string>();
  /** Run ids of each subscribe_runs message sent and not yet acknowledged, by message id. */
  private readonly pendingRunSubscriptions = new Map<string, string[]>();
  private readonly runSubscribedListeners = new Set<(runIds: string[]) => void>();
  private attempt = 0;
  private closedByUser = false;

  /** Opens the socket once the protocol module has loaded. Messages sent before that wait in `unacknowledged` and go out on open. */
  connect(): void {
    this.closedByUser = false;
    loadProtocol().then(
      (protocol) => this.open(protocol),
      () => this.scheduleReconnect(),
    );
  }

  private open(protocol: WsProtocol): void {
    if (this.closedByUser) return;
    this.protocol = protocol;
    const url = new URL('/ws', location.href);
    url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(url, [protocol.WS_SUBPROTOCOL]);
    socket.addEventListener('open', () => this.handleOpen());
    socket.addEventListener('message', (event) => this.handleFrame(event.data));
    socket.addEventListener('close', () => this.scheduleReconnect());
    this.socket = socket;
  }

  close(): void {
    this.closedByUser = true;
    this.socket?.close(1000);
    this.socket = null;
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Calls `listener` with the run ids of each run subscription the server
   * has confirmed, also after a reconnect. Run events sent before that point
   * are not sent again, so a listener reads those runs once more.
   */
  onRunsSubscribed(listener: (runIds: string[]) => void): () => void {
    this.runSubscribedListeners.add(listener);
    return () => this.runSubscribedListeners.delete(listener);
  }

  /** Sends a message now, or after the next reconnect when the socket is down; returns its id. */
  send(message: OutgoingMessage): string {
    const full = { ...message, id: newMessageId() } as ClientMessage;
    this.unacknowledged.set(full.id, full);
    this.write(full);
    return full.id;
  }

  /**
   * Replays all of a conversation's events, then streams its live ones: for
   * a conversation read over REST while an answer was still being written.
   * The server replies RESUME_UNAVAILABLE when it no longer keeps them all.
   */
  resume(conversationId: string): void {
    this.lastSeq.set(conversationId, 0);
    this.write({ type: 'hello', id: newMessageId(), resume: [{ conversationId, lastSeq: 0 }] });
  }

  /** Follows the live status of runs; the subscription is renewed after every reconnect. */
  watchRuns(runIds: string[]): void {
    const fresh = runIds.filter((runId) => !this.runSubscriptions.has(runId));
    if (fresh.length === 0) return;
    for (const runId of fresh) this.runSubscriptions.add(runId);
    this.writeRunSubscription(fresh);
  }

  /** Sends subscribe_runs when the socket is open; a closed socket subscribes every run again on open. */
  private writeRunSubscription(runIds: string[]): void {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const id = newMessageId();
    this.pendingRunSubscriptions.set(id, runIds);
    this.write({ type: 'subscribe_runs', id, runIds });
  }

  private write(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private handleOpen(): void {
    this.attempt = 0;
    const resume = [...this.lastSeq].map(([conversationId, lastSeq]) => ({
      conversationId,
      lastSeq,
    }));
    this.write({ type: 'hello', id: newMessageId(), ...(resume.length > 0 ? { resume } : {}) });
    for (const message of this.unacknowledged.values()) this.write(message);
    this.pendingRunSubscriptions.clear();
    if (this.runSubscriptions.size > 0) this.writeRunSubscription([...this.runSubscriptions]);
  }

  private handleFrame(data: unknown): void {
    if (typeof data !== 'string' || this.protocol === null) return;
    const parsed = this.protocol.serverMessageSchema.safeParse(JSON.parse(data));
    if (!parsed.success) return;

    const message = parsed.data;
    if (message.type === 'ack' || message.type === 'error') {
      if (message.id !== null) this.unacknowledged.delete(message.id);
    }
    if (message.type === 'ack') this.confirmRunSubscription(message.id);
    if (message.type === 'chat') {
      const seen = this.lastSeq.get(message.conversationId) ?? 0;
      if (message.seq <= seen) return;
      this.lastSeq.set(message.conversationId, message.seq);
    }
    for (const listener of this.listeners) listener(message);
  }

  private confirmRunSubscription(messageId: string): void {
    const runIds = this.pendingRunSubscriptions.get(messageId);
    if (runIds === undefined) return;
    this.pendingRunSubscriptions.delete(messageId);
    for (const listener of this.runSubscribedListeners) listener(runIds);
  }

  private scheduleReconnect(): void {
    this.socket = null;
    if (this.closedByUser) return;
    const delay = RECONNECT_DELAYS_MS[Math.min(this.attempt, RECONNECT_DELAYS_MS.length - 1)];
    this.attempt += 1;
    setTimeout(() => this.connect(), delay);
  }
}

let shared: ChatSocket | null = null;

/** Returns the page's shared socket, connecting it on first use. */
export function getChatSocket(): ChatSocket {
  if (shared === null) {
    shared = new ChatSocket();
    shared.connect();
  }
  return shared;
}

/** Closes the shared socket, as signing out does: the next user gets a socket with their own session. */
export function closeChatSocket(): void {
  shared?.close();
  shared = null;
}
