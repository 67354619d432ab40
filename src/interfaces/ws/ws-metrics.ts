import { Counter, Gauge, type Registry } from 'prom-client';

/** State an endpoint reports at scrape time. */
export interface WsMetricsSource {
  connectionCount(): number;
  streamLogBytes(): number;
  bufferedBytes(): number;
}

/** Reason the server closed a socket. */
export type WsCloseReason =
  'slow' | 'stalled' | 'heartbeat' | 'invalid_messages' | 'unauthenticated';

/**
 * Prometheus metrics of the WebSocket endpoint. One set per registry: tests
 * build several endpoints over one platform, and each endpoint adds itself as
 * a source the gauges sum at scrape time.
 */
export class WsMetrics {
  private static readonly byRegistry = new WeakMap<Registry, WsMetrics>();

  static for(registry: Registry): WsMetrics {
    let metrics = WsMetrics.byRegistry.get(registry);
    if (!metrics) {
      metrics = new WsMetrics(registry);
      WsMetrics.byRegistry.set(registry, metrics);
    }
    return metrics;
  }

  readonly sources = new Set<WsMetricsSource>();
  private readonly closed: Counter<'reason'>;
  private readonly invalidMessages: Counter;
  private readonly runEventsSent: Counter;

  private constructor(registry: Registry) {
    const sources = this.sources;
    const sum = (read: (source: WsMetricsSource) => number) =>
      [...sources].reduce((total, source) => total + read(source), 0);
    new Gauge({
      name: 'cleanroom_ws_connections',
      help: 'Open WebSocket connections.',
      registers: [registry],
      collect() {
        this.set(sum((source) => source.connectionCount()));
      },
    });
    new Gauge({
      name: 'cleanroom_ws_stream_log_bytes',
      help: 'Bytes of chat events kept for resume (bounded by WS_STREAM_LOG_TOTAL_BYTES).',
      registers: [registry],
      collect() {
        this.set(sum((source) => source.streamLogBytes()));
      },
    });
    new Gauge({
      name: 'cleanroom_ws_buffered_bytes',
      help: 'Bytes queued for sending on all WebSocket connections.',
      registers: [registry],
      collect() {
        this.set(sum((source) => source.bufferedBytes()));
      },
    });
    this.closed = new Counter({
      name: 'cleanroom_ws_closed_by_server_total',
      help: 'WebSocket connections the server closed, by reason (slow, stalled, heartbeat, invalid_messages, unauthenticated).',
      labelNames: ['reason'],
      registers: [registry],
    });
    this.invalidMessages = new Counter({
      name: 'cleanroom_ws_invalid_messages_total',
      help: 'Client WebSocket messages rejected as invalid.',
      registers: [registry],
    });
    this.runEventsSent = new Counter({
      name: 'cleanroom_ws_run_events_sent_total',
      help: 'Run events sent to WebSocket clients.',
      registers: [registry],
    });
  }

  countClose(reason: WsCloseReason): void {
    this.closed.inc({ reason });
  }

  countInvalidMessage(): void {
    this.invalidMessages.inc();
  }

  countRunEventsSent(count: number): void {
    this.runEventsSent.inc(count);
  }
}
