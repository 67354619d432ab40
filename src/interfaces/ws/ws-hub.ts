import { EventEmitter } from 'node:events';
import { conversationSignalsOf } from '../../services/chat/conversation-signals.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import {
  ChatGenerations,
  type AnswerFunction,
  type AnswerStopper,
  type ConversationCheck,
  type GenerationOutcome,
} from './chat-generations.ts';
import { ClientMessageIds } from './client-message-ids.ts';
import { ConversationStreamStore, type StreamStoreStats } from './conversation-stream-store.ts';
import { RunEventFanout } from './run-event-fanout.ts';
import type { WsConnection } from './ws-connection.ts';
import type { WsMetrics, WsMetricsSource } from './ws-metrics.ts';
import type { WsSettings } from './ws-settings.ts';

/** Action taken for a client message id, so a re-sent message is replied to from it. */
export type ClientMessageOutcome =
  | { type: 'send_message'; generation: GenerationOutcome }
  | {
      type: 'stop';
      conversationId: string;
      /** Settles when the stop is done. A stop sent to another process waits for its confirmation. */
      stopped: Promise<void>;
    };

export interface WsHubStats {
  connections: number;
  /** Bytes queued on all sockets now. */
  bufferedBytes: number;
  /** Most bytes ever queued on one socket, open or closed. */
  peakBufferedBytes: number;
  streamLog: StreamStoreStats;
  runSubscriptions: number;
  clientMessageIds: number;
}

/**
 * State the sockets of one endpoint share: stream logs, running answers,
 * client message ids, the run event relay, and the heartbeat and credential
 * recheck timers.
 */
export class WsHub implements WsMetricsSource {
  readonly connections = new Set<WsConnection>();
  /** Emits 'connection_closed' with the connection after a socket closed and left the hub. */
  readonly events = new EventEmitter();
  readonly store: ConversationStreamStore;
  readonly generations: ChatGenerations;
  readonly messageIds: ClientMessageIds<ClientMessageOutcome>;
  readonly fanout: RunEventFanout;
  private readonly heartbeatTimer: NodeJS.Timeout;
  private readonly credentialTimer: NodeJS.Timeout;
  private readonly onConversationDeleted = (conversationId: string) =>
    this.store.remove(conversationId);
  /** Most bytes ever queued on one socket that has since closed. */
  private closedPeakBufferedBytes = 0;

  constructor(
    readonly context: ServiceContext,
    readonly settings: WsSettings,
    readonly metrics: WsMetrics,
    answer: AnswerFunction,
    readonly hasConversation: ConversationCheck,
    readonly stopAnswer: AnswerStopper,
  ) {
    this.store = new ConversationStreamStore({
      conversationBytes: settings.logConversationBytes,
      totalBytes: settings.logTotalBytes,
      retentionMs: settings.logRetentionMs,
    });
    this.generations = new ChatGenerations(context, answer, this.store, context.log);
    this.messageIds = new ClientMessageIds(settings.clientMessageIdsMax);
    this.fanout = new RunEventFanout(context.runEvents, (count) =>
      metrics.countRunEventsSent(count),
    );
    this.heartbeatTimer = setInterval(() => this.heartbeat(), settings.heartbeatMs);
    this.heartbeatTimer.unref();
    this.credentialTimer = setInterval(
      () => void this.recheckCredentials(settings.credentialRecheckMs / 2),
      settings.credentialRecheckMs,
    );
    this.credentialTimer.unref();
    metrics.sources.add(this);
    conversationSignalsOf(context).on('conversation_deleted', this.onConversationDeleted);
  }

  add(connection: WsConnection): void {
    this.connections.add(connection);
  }

  remove(connection: WsConnection): void {
    this.connections.delete(connection);
    this.fanout.removeTarget(connection);
    this.closedPeakBufferedBytes = Math.max(
      this.closedPeakBufferedBytes,
      connection.peakBufferedBytes,
    );
    this.events.emit('connection_closed', connection);
  }

  connectionCount(): number {
    return this.connections.size;
  }

  streamLogBytes(): number {
    return this.store.stats().bytes;
  }

  bufferedBytes(): number {
    let total = 0;
    for (const connection of this.connections) total += connection.bufferedBytes;
    return total;
  }

  stats(): WsHubStats {
    let peak = this.closedPeakBufferedBytes;
    for (const connection of this.connections) {
      peak = Math.max(peak, connection.peakBufferedBytes);
    }
    return {
      connections: this.connections.size,
      bufferedBytes: this.bufferedBytes(),
      peakBufferedBytes: peak,
      streamLog: this.store.stats(),
      runSubscriptions: this.fanout.subscriptionCount(),
      clientMessageIds: this.messageIds.size,
    };
  }

  /** Stops timers, answers and the bus listener; the sockets are closed by the server. */
  close(): void {
    clearInterval(this.heartbeatTimer);
    clearInterval(this.credentialTimer);
    conversationSignalsOf(this.context).off('conversation_deleted', this.onConversationDeleted);
    this.generations.close();
    this.fanout.close();
    this.store.close();
    this.metrics.sources.delete(this);
  }

  /**
   * Checks again the credentials of every socket not checked within
   * `maxAgeMs`, so a socket that only receives run events is closed after
   * sign-out or key revocation too. Returns how many sockets were closed.
   */
  async recheckCredentials(maxAgeMs = 0): Promise<number> {
    const results = await Promise.all(
      [...this.connections].map((connection) => connection.recheckCredentials(maxAgeMs)),
    );
    return results.filter((valid) => !valid).length;
  }

  private heartbeat(): void {
    for (const connection of this.connections) connection.heartbeat();
  }
}
