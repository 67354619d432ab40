import { Counter, type Registry } from 'prom-client';

export type PublishResult = 'sent' | 'skipped';
export type ReceiveResult = 'delivered' | 'malformed';

/** Prometheus counters of the Redis run event bus, on the platform registry. */
export class RunEventMetrics {
  private readonly published: Counter<'result'>;
  private readonly received: Counter<'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.published = new Counter({
      name: 'cleanroom_run_events_published_total',
      help: 'Run events this process published to Redis: sent, or skipped while Redis was unavailable.',
      labelNames: ['result'],
      registers,
    });
    this.received = new Counter({
      name: 'cleanroom_run_events_received_total',
      help: 'Run events from other processes over Redis: delivered to local listeners, or dropped as malformed.',
      labelNames: ['result'],
      registers,
    });
  }

  countPublish(result: PublishResult): void {
    this.published.inc({ result });
  }

  countReceive(result: ReceiveResult): void {
    this.received.inc({ result });
  }
}
