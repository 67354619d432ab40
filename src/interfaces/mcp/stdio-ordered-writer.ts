import type { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCNotification,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
} from '@modelcontextprotocol/sdk/types.js';

/** Timeout of the ping that confirms the client handled its notifications, in milliseconds. */
const PING_TIMEOUT_MS = 1_000;
/** Prefix of the ids of the writer's own pings, which no server request id starts with. */
const PING_ID_PREFIX = 'cleanroom-relay-ping-';

/**
 * Writes messages to the stdio client one at a time, in the order they were
 * pushed, and makes sure the client has handled the notifications before it
 * reads the response that follows them.
 *
 * The SDK client (1.32) handles every line of a chunk it reads from stdout
 * at once. It runs a notification's handler a microtask later but a
 * response's at once, and drops a request's progress handler with its
 * response. So a progress notification read in the same chunk as the
 * result fails with "Received a progress notification for an unknown
 * token". A relay receives the server's SSE events in bursts (the server
 * sends them after batched database inserts), so the last progress steps
 * and the result often share a chunk. Before such a response the writer
 * sends a ping, which every MCP client must respond to, and waits for the
 * response. The SDK client (1.32) responds to a request only after the
 * handlers of the notifications read before it have run.
 */
export class StdioOrderedWriter {
  private tail: Promise<void> = Promise.resolve();
  private lastWasNotification = false;
  private pingCount = 0;
  private readonly pendingPings = new Map<string, () => void>();

  constructor(private readonly transport: StdioServerTransport) {}

  /** Queues `message` behind every message pushed before it; settles once it is written. */
  push(message: JSONRPCMessage): Promise<void> {
    this.tail = this.tail.then(() => this.write(message));
    return this.tail;
  }

  /** Takes the client's response to one of the writer's pings; returns false for any other message. */
  acceptPingResponse(message: JSONRPCMessage): boolean {
    if (!('id' in message) || 'method' in message || typeof message.id !== 'string') return false;
    const settle = this.pendingPings.get(message.id);
    if (settle === undefined) return false;

    settle();
    return true;
  }

  private async write(message: JSONRPCMessage): Promise<void> {
    const isResponse = isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message);
    if (isResponse && this.lastWasNotification) await this.pingClient();

    this.lastWasNotification = isJSONRPCNotification(message);
    // A failed write means stdout is closed, and the bridge closes with it.
    await this.transport.send(message).catch(() => undefined);
  }

  /** Sends a ping and waits for its response, or for PING_TIMEOUT_MS when the client sends none. */
  private async pingClient(): Promise<void> {
    this.pingCount += 1;
    const id = `${PING_ID_PREFIX}${this.pingCount}`;
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<void>((resolve) => {
      this.pendingPings.set(id, resolve);
      timer = setTimeout(resolve, PING_TIMEOUT_MS);
    });

    await this.transport.send({ jsonrpc: '2.0', id, method: 'ping' }).catch(() => undefined);
    await answered;
    clearTimeout(timer);
    this.pendingPings.delete(id);
  }
}
