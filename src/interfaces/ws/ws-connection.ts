import { WebSocket, type RawData } from 'ws';
import type { Logger } from '../../adapters/logging/logger.ts';
import {
  WS_PROTOCOL_VERSION,
  type ErrorMessage,
  type ServerMessage,
} from '../../domain/chat/ws-protocol.ts';
import { isAppError, type AppError } from '../../domain/errors/app-error.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { StreamLogFollower } from './conversation-stream-log.ts';
import type { GenerationWatcher } from './chat-generations.ts';
import { handleClientMessage } from './handle-client-message.ts';
import { parseClientMessage } from './parse-client-message.ts';
import { checkWsCredentials, type WsCredentials } from './ws-authentication.ts';
import type { RunEventTarget } from './run-event-fanout.ts';
import type { WsCloseReason } from './ws-metrics.ts';
import type { WsHub } from './ws-hub.ts';

/** Time a socket closed for being slow gets to finish the close handshake before it is terminated, in milliseconds. */
const CLOSE_GRACE_MS = 1_000;

/** Send options of every frame: run events arrive as Buffers but are JSON text. */
const TEXT_FRAME = { binary: false } as const;

/** Pings a socket may leave unanswered; at the next heartbeat it is terminated as half-open. */
const MAX_MISSED_PONGS = 2;

/** Close code of a socket whose session ended or whose API key was revoked (4000-4999 are for applications, RFC 6455 section 7.4.2). */
export const WS_CLOSE_UNAUTHENTICATED = 4401;

/**
 * One client socket: parses its messages, sends chat events from the stream
 * logs of the conversations it follows, and run events it subscribed to.
 *
 * Backpressure: after each chat frame, if more than WS_HIGH_WATER_BYTES wait
 * to be sent the socket stops reading the logs (its cursors stay put) and
 * resumes once the queue drains to half of that. Run events keep flowing
 * while paused. A socket still paused after WS_STALL_TIMEOUT_MS, or with more
 * than WS_MAX_BUFFERED_BYTES queued, is closed with 1013 and terminated
 * CLOSE_GRACE_MS later. The client then reconnects and resumes from its last seq.
 *
 * Credentials: the upgrade's credentials are checked again before each
 * client message is handled and by the hub's periodic recheck. Once they are
 * no longer valid (signed out, password changed, key revoked) the socket gets
 * an `error` naming the reason and is closed with WS_CLOSE_UNAUTHENTICATED.
 */
export class WsConnection implements StreamLogFollower, GenerationWatcher, RunEventTarget {
  readonly visibleRuns = new Map<string, string>();
  readonly visibleCleanRooms = new Set<string>();
  /** Per followed conversation, the seq of the last chat event sent. */
  private readonly cursors = new Map<string, number>();
  private paused = false;
  private closing = false;
  private missedPongs = 0;
  private invalidMessages = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private terminateTimer: NodeJS.Timeout | undefined;
  /** The last credential check. Each message's check runs after it, so messages are handled in arrival order. */
  private credentialCheck: Promise<boolean> = Promise.resolve(true);
  private credentialsCheckedAt = Date.now();
  /** Highest number of bytes ever queued on this socket, for tests and the stall bound. */
  peakBufferedBytes = 0;

  constructor(
    readonly hub: WsHub,
    readonly socket: WebSocket,
    readonly caller: Caller,
    private readonly credentials: WsCredentials,
    readonly log: Logger,
  ) {}

  start(): void {
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('pong', () => (this.missedPongs = 0));
    this.socket.on('error', (err) => this.log.info({ err }, 'websocket error'));
    this.socket.on('close', () => this.onClose());
    this.send({
      type: 'welcome',
      protocolVersion: WS_PROTOCOL_VERSION,
      heartbeatMs: this.hub.settings.heartbeatMs,
    });
  }

  get bufferedBytes(): number {
    return this.socket.bufferedAmount;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  send(message: ServerMessage): void {
    this.sendFrame(JSON.stringify(message));
  }

  sendError(error: Omit<ErrorMessage, 'type'>): void {
    this.send({ type: 'error', ...error });
  }

  /** Follows a conversation from `cursor` (the last seq the client has); keeps an existing cursor unless `replace`. */
  follow(conversationId: string, cursor: number, replace = false): void {
    const log = this.hub.store.get(conversationId);
    if (!log) return;

    if (replace || !this.cursors.has(conversationId)) this.cursors.set(conversationId, cursor);
    log.followers.add(this);
    this.flushConversation(conversationId);
  }

  isFollowing(conversationId: string): boolean {
    return this.cursors.has(conversationId);
  }

  onStreamAppended(conversationId: string): void {
    this.flushConversation(conversationId);
  }

  onStreamDropped(conversationId: string, lastSeq: number): void {
    const cursor = this.cursors.get(conversationId);
    this.cursors.delete(conversationId);
    if (cursor !== undefined && cursor < lastSeq) this.reportLost(conversationId, cursor);
  }

  /** Acknowledges the message once its answer has started, then streams the answer from its first event. */
  onGenerationStarted(clientMessageId: string, conversationId: string, startSeq: number): void {
    if (this.closing) return;

    this.send({ type: 'ack', id: clientMessageId, conversationId });
    this.follow(conversationId, startSeq - 1);
  }

  onGenerationFailed(error: ErrorMessage): void {
    this.send(error);
  }

  deliverRunEvent(frame: Buffer): void {
    this.sendFrame(frame);
  }

  /** Pings the client, or terminates the socket when it left the last pings unanswered. */
  heartbeat(): void {
    if (this.missedPongs >= MAX_MISSED_PONGS) {
      this.log.info({ missedPongs: this.missedPongs }, 'websocket missed heartbeats');
      this.hub.metrics.countClose('heartbeat');
      this.socket.terminate();
      return;
    }
    this.missedPongs += 1;
    this.socket.ping();
  }

  /**
   * Checks the credentials again unless a check passed within `maxAgeMs`.
   * Returns false once the socket is closed for invalid credentials. A check
   * that fails for another reason (the database is down) is logged and keeps
   * the socket open.
   */
  async recheckCredentials(maxAgeMs: number): Promise<boolean> {
    if (Date.now() - this.credentialsCheckedAt < maxAgeMs) return !this.closing;

    try {
      return await this.checkCredentials(null);
    } catch (err) {
      this.log.warn({ err }, 'websocket credential recheck failed; socket kept open');
      return true;
    }
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    this.missedPongs = 0;
    const parsed = parseClientMessage(data, isBinary);
    if (!parsed.success) {
      this.rejectInvalid(parsed.error);
      return;
    }

    const message = parsed.message;
    void this.checkCredentials(message.id)
      .then((valid) => (valid ? handleClientMessage(this, message) : undefined))
      .catch((err: unknown) => {
        this.log.error({ err, type: message.type }, 'websocket message failed');
        this.sendError({
          id: message.id,
          code: 'INTERNAL',
          message: 'The message failed; send it again.',
        });
      });
  }

  /** Queues a credential check behind the previous one. Resolves false, after closing the socket, when the credentials are no longer valid. */
  private checkCredentials(messageId: string | null): Promise<boolean> {
    const check = this.credentialCheck.then((valid) =>
      valid ? this.verifyCredentials(messageId) : false,
    );
    this.credentialCheck = check.catch(() => !this.closing);
    return check;
  }

  private async verifyCredentials(messageId: string | null): Promise<boolean> {
    if (this.closing) return false;

    try {
      // A client message is user activity and renews a session; the periodic recheck (no message id) is not.
      await checkWsCredentials(this.hub.context, this.credentials, { renew: messageId !== null });
    } catch (err) {
      if (!isAppError(err) || err.status !== 401) throw err;
      this.closeUnauthenticated(err, messageId);
      return false;
    }
    this.credentialsCheckedAt = Date.now();
    return true;
  }

  private closeUnauthenticated(error: AppError, messageId: string | null): void {
    if (this.closing) return;

    const session = this.credentials.kind === 'session';
    this.sendError({
      id: messageId,
      code: session ? 'SESSION_ENDED' : error.code,
      message: session
        ? 'Your session has ended (signed out, expired, or the password was changed); sign in again and reconnect.'
        : `The API key of this socket is no longer valid: ${error.userMessage} Reconnect with a valid key.`,
    });
    this.hub.metrics.countClose('unauthenticated');
    this.log.info({ code: error.code }, 'websocket closed after its credentials ended');
    this.closing = true;
    this.socket.close(
      WS_CLOSE_UNAUTHENTICATED,
      session ? 'Session ended' : 'API key no longer valid',
    );
    this.terminateTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  private rejectInvalid(error: ErrorMessage): void {
    this.hub.metrics.countInvalidMessage();
    this.invalidMessages += 1;
    this.send(error);
    if (this.invalidMessages < this.hub.settings.maxInvalidMessages) return;

    this.hub.metrics.countClose('invalid_messages');
    this.log.info(
      { invalidMessages: this.invalidMessages },
      'websocket closed after invalid messages',
    );
    this.closing = true;
    this.socket.close(1008, 'Too many invalid messages');
  }

  private sendFrame(frame: string | Buffer): void {
    if (this.closing || this.socket.readyState !== WebSocket.OPEN) return;

    this.socket.send(frame, TEXT_FRAME, this.afterWrite);
    const buffered = this.socket.bufferedAmount;
    if (buffered > this.peakBufferedBytes) this.peakBufferedBytes = buffered;
    if (buffered > this.hub.settings.maxBufferedBytes) this.closeSlow('slow');
  }

  /** Runs as each frame reaches the kernel; resumes a paused stream once the queue has drained to half the high-water mark. */
  private readonly afterWrite = (): void => {
    if (!this.paused || this.closing) return;
    if (this.socket.bufferedAmount > this.hub.settings.highWaterBytes / 2) return;

    this.paused = false;
    clearTimeout(this.stallTimer);
    for (const conversationId of [...this.cursors.keys()]) this.flushConversation(conversationId);
  };

  private flushConversation(conversationId: string): void {
    const log = this.hub.store.get(conversationId);
    let cursor = this.cursors.get(conversationId);
    if (!log || cursor === undefined) return;

    while (!this.paused && !this.closing && cursor < log.lastSeq) {
      const entry = log.entryAt(cursor + 1);
      if (!entry) {
        this.unfollow(conversationId);
        this.reportLost(conversationId, cursor);
        return;
      }
      this.sendFrame(entry.frame);
      cursor = entry.seq;
      this.cursors.set(conversationId, cursor);
      if (this.socket.bufferedAmount > this.hub.settings.highWaterBytes) this.pause();
    }
  }

  private pause(): void {
    this.paused = true;
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => this.closeSlow('stalled'), this.hub.settings.stallTimeoutMs);
  }

  private unfollow(conversationId: string): void {
    this.cursors.delete(conversationId);
    this.hub.store.get(conversationId)?.followers.delete(this);
  }

  private reportLost(conversationId: string, cursor: number): void {
    this.sendError({
      id: null,
      code: 'RESUME_UNAVAILABLE',
      conversationId,
      message: `Events after seq ${cursor} of conversation ${conversationId} are no longer kept by this server; reload it with GET /api/v1/conversations/${conversationId}.`,
    });
  }

  private closeSlow(reason: WsCloseReason): void {
    if (this.closing) return;

    this.closing = true;
    this.hub.metrics.countClose(reason);
    this.log.info({ reason, bufferedBytes: this.socket.bufferedAmount }, 'slow websocket closed');
    this.socket.close(1013, 'Client too slow: reconnect and resume');
    this.terminateTimer = setTimeout(() => this.socket.terminate(), CLOSE_GRACE_MS);
  }

  private onClose(): void {
    this.closing = true;
    clearTimeout(this.stallTimer);
    clearTimeout(this.terminateTimer);
    for (const conversationId of this.cursors.keys()) {
      this.hub.store.get(conversationId)?.followers.delete(this);
    }
    this.cursors.clear();
    this.hub.remove(this);
  }
}
