import { EventEmitter } from 'node:events';
import type { RunStatus } from '../../domain/runs/question-run.ts';

/** A change of a run's status or progress, as workers publish it. */
export interface RunEvent {
  runId: string;
  cleanRoomId: string;
  status: RunStatus;
  /** Percent done, 0 to 100. */
  progress: number;
  at: string;
}

export type RunEventListener = (event: RunEvent) => void;

/** Delivers run events to subscribers; `subscribe` returns a function that unsubscribes. */
export interface RunEventBus {
  /** Never rejects for a delivery failure: a bus logs it, since events are best effort. */
  publish(event: RunEvent): Promise<void>;
  subscribe(listener: RunEventListener): () => void;
  /** Releases connections and listeners; later events reach no one in other processes. */
  close(): Promise<void>;
}

/**
 * Run events within one process: the embedded default, where web and worker
 * share the process. Listeners run synchronously; one that throws does not
 * stop the others.
 */
export class InProcessRunEventBus implements RunEventBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // Every MCP session or WebSocket may subscribe; the count is bounded by those, not by this class.
    this.emitter.setMaxListeners(0);
  }

  async publish(event: RunEvent): Promise<void> {
    for (const listener of this.emitter.listeners('run') as RunEventListener[]) {
      try {
        listener(event);
      } catch {
        // A failing subscriber is its own problem; the other subscribers still get the event.
      }
    }
  }

  subscribe(listener: RunEventListener): () => void {
    this.emitter.on('run', listener);
    return () => this.emitter.off('run', listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}
