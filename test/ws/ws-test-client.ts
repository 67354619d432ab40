import type { Registry } from 'prom-client';
import { WebSocket, type ClientOptions } from 'ws';
import {
  serverMessageSchema,
  WS_BEARER_SUBPROTOCOL_PREFIX,
  WS_SUBPROTOCOL,
  type ChatMessage,
  type ServerMessage,
} from '../../src/domain/chat/ws-protocol.ts';

export interface ConnectOptions {
  /** API key sent as "Authorization: Bearer <key>". */
  key?: string;
  /** API key sent as the subprotocol cleanroom.bearer.<key>, the way a browser would. */
  subprotocolKey?: string;
  origin?: string;
  /** Cookie header, such as the web app's session cookie. */
  cookie?: string;
  clientOptions?: ClientOptions;
}

/**
 * A protocol client over the `ws` package that records every server message,
 * validates it against the protocol schema, and lets a test wait for one.
 */
export class TestWsClient {
  readonly messages: ServerMessage[] = [];
  /** Frames that did not match the protocol schema; a test expects none. */
  readonly invalidFrames: string[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.record(String(data)));
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        resolve({ code, reason: String(reason) });
        for (const listener of this.listeners) listener();
      });
    });
  }

  static async connect(url: string, options: ConnectOptions = {}): Promise<TestWsClient> {
    const socket = openSocket(url, options);
    const client = new TestWsClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
      socket.once('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade rejected with HTTP ${response.statusCode}`)),
      );
    });
    await client.waitFor((message) => message.type === 'welcome');
    return client;
  }

  send(message: Record<string, unknown>): void {
    this.socket.send(JSON.stringify(message));
  }

  /** Resolves with the first recorded message (from index `from`) that matches; rejects after `timeoutMs`. */
  async waitFor(
    predicate: (message: ServerMessage) => boolean,
    { from = 0, timeoutMs = 15_000 } = {},
  ): Promise<ServerMessage> {
    const found = () => this.messages.slice(from).find(predicate);
    const existing = found();
    if (existing) return existing;

    return new Promise((resolve, reject) => {
      const check = () => {
        const match = found();
        if (match) finish(() => resolve(match));
        else if (this.socket.readyState === WebSocket.CLOSED) {
          finish(() =>
            reject(new Error(`socket closed before the message came; got ${this.describe()}`)),
          );
        }
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`message not received in ${timeoutMs} ms; got ${this.describe()}`)),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        settle();
      };
      this.listeners.add(check);
    });
  }

  /** Chat messages of one conversation, in arrival order. */
  chat(conversationId: string): ChatMessage[] {
    return this.messages.filter(
      (message): message is ChatMessage =>
        message.type === 'chat' && message.conversationId === conversationId,
    );
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    this.socket.close();
    await this.closed;
  }

  private record(frame: string): void {
    const parsed = serverMessageSchema.safeParse(JSON.parse(frame));
    if (parsed.success) this.messages.push(parsed.data);
    else this.invalidFrames.push(frame);
    for (const listener of [...this.listeners]) listener();
  }

  private describe(): string {
    const invalid =
      this.invalidFrames.length > 0
        ? `; invalid frames: ${this.invalidFrames.slice(0, 3).join(' ')}`
        : '';
    return JSON.stringify(this.messages.map((message) => message.type)) + invalid;
  }
}

function openSocket(url: string, options: ConnectOptions): WebSocket {
  const protocols = options.subprotocolKey
    ? [WS_SUBPROTOCOL, `${WS_BEARER_SUBPROTOCOL_PREFIX}${options.subprotocolKey}`]
    : [WS_SUBPROTOCOL];
  return new WebSocket(url, protocols, {
    ...options.clientOptions,
    headers: {
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...(options.origin ? { origin: options.origin } : {}),
      ...(options.cookie ? { cookie: options.cookie } : {}),
    },
  });
}

/** Opens an upgrade that the server should reject; resolves with the HTTP status and body. */
export async function rejectedUpgrade(
  url: string,
  options: ConnectOptions = {},
): Promise<{ status: number; body: string }> {
  const socket = openSocket(url, options);
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
    socket.once('error', (err) => reject(err));
  });
}

/** Concatenates the text deltas of chat messages. */
export function answerText(messages: ChatMessage[]): string {
  return messages
    .map((message) => (message.event.type === 'text_delta' ? message.event.text : ''))
    .join('');
}

/** Sockets the server closed for `reason`, read from its Prometheus counter. */
export async function closedByServer(
  test: { platform: { metrics: Registry } },
  reason: string,
): Promise<number> {
  const metric = test.platform.metrics.getSingleMetric('cleanroom_ws_closed_by_server_total');
  const values = (await metric?.get())?.values ?? [];
  return values.find((value) => value.labels.reason === reason)?.value ?? 0;
}
