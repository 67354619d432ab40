import { EventEmitter } from 'node:events';
import type { Logger } from '../logging/logger.ts';

export type TopicListener<Message> = (message: Message) => void;

/**
 * Messages of one kind between the processes of a deployment. The
 * publishing process's own listeners get each message too, so a listener
 * needs no second path for its own process.
 */
export interface PubSubTopic<Message> {
  /** False for a topic within one process, whose messages reach no other process. */
  readonly crossesProcesses: boolean;
  /**
   * Delivers the message to this process's listeners, then to the other
   * processes. Rejects when it could not be sent to the other processes,
   * for example while Redis is down. The local listeners have it by then.
   */
  publish(message: Message): Promise<void>;
  /** Adds a listener and returns the function that removes it. */
  subscribe(listener: TopicListener<Message>): () => void;
  /** Releases connections and listeners. */
  close(): Promise<void>;
}

/**
 * A topic within one process, the embedded default. Listeners run
 * synchronously, and one that throws is logged and does not keep the message
 * from the others.
 */
export class InProcessTopic<Message> implements PubSubTopic<Message> {
  readonly crossesProcesses: boolean = false;
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly name: string,
    private readonly log: Logger,
  ) {
    // Each running answer or waiting request may listen; their number bounds the listeners.
    this.emitter.setMaxListeners(0);
  }

  async publish(message: Message): Promise<void> {
    for (const listener of this.emitter.listeners('message') as TopicListener<Message>[]) {
      try {
        listener(message);
      } catch (err) {
        this.log.warn({ err, topic: this.name }, 'topic listener failed');
      }
    }
  }

  subscribe(listener: TopicListener<Message>): () => void {
    this.emitter.on('message', listener);
    return () => this.emitter.off('message', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
