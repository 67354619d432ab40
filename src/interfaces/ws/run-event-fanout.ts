import type { RunEvent, RunEventBus } from '../../adapters/pubsub/run-event-bus.ts';
import type { RunEventMessage } from '../../domain/chat/ws-protocol.ts';

/** A socket that receives run events, with the runs and clean rooms its caller was found allowed to see. */
export interface RunEventTarget {
  /** Runs the caller may see, each with its clean room, checked once at subscribe time. */
  readonly visibleRuns: ReadonlyMap<string, string>;
  /** Clean rooms the caller's organization is a partner of, checked once at subscribe time. */
  readonly visibleCleanRooms: ReadonlySet<string>;
  deliverRunEvent(frame: Buffer): void;
}

/**
 * Relays run events from the event bus to subscribed sockets with one bus
 * listener per endpoint. Each event is serialized once and the same bytes go
 * to every socket. A socket is indexed only under runs and clean rooms its
 * caller was allowed to see, and a run subscription delivers only events of
 * the clean room the run was seen in, so no other organization's event
 * reaches it.
 */
export class RunEventFanout {
  private readonly byRun = new Map<string, Set<RunEventTarget>>();
  private readonly byCleanRoom = new Map<string, Set<RunEventTarget>>();
  private readonly unsubscribe: () => void;

  constructor(
    bus: RunEventBus,
    private readonly onDelivered: (count: number) => void = () => {},
  ) {
    this.unsubscribe = bus.subscribe((event) => this.deliver(event));
  }

  addRun(target: RunEventTarget, runId: string): void {
    addTo(this.byRun, runId, target);
  }

  addCleanRoom(target: RunEventTarget, cleanRoomId: string): void {
    addTo(this.byCleanRoom, cleanRoomId, target);
  }

  removeRun(target: RunEventTarget, runId: string): void {
    removeFrom(this.byRun, runId, target);
  }

  removeCleanRoom(target: RunEventTarget, cleanRoomId: string): void {
    removeFrom(this.byCleanRoom, cleanRoomId, target);
  }

  removeTarget(target: RunEventTarget): void {
    for (const runId of target.visibleRuns.keys()) removeFrom(this.byRun, runId, target);
    for (const cleanRoomId of target.visibleCleanRooms) {
      removeFrom(this.byCleanRoom, cleanRoomId, target);
    }
  }

  /** Number of sockets subscribed to anything, for tests and metrics. */
  subscriptionCount(): number {
    let count = 0;
    for (const targets of this.byRun.values()) count += targets.size;
    for (const targets of this.byCleanRoom.values()) count += targets.size;
    return count;
  }

  close(): void {
    this.unsubscribe();
    this.byRun.clear();
    this.byCleanRoom.clear();
  }

  private deliver(event: RunEvent): void {
    const runTargets = this.byRun.get(event.runId);
    const roomTargets = this.byCleanRoom.get(event.cleanRoomId);
    if (!runTargets && !roomTargets) return;

    const frame = serialize(event);
    // A socket subscribed both to the run and to its clean room gets the event once.
    const delivered = runTargets && roomTargets ? new Set<RunEventTarget>() : null;
    let count = 0;
    for (const target of runTargets ?? []) {
      if (target.visibleRuns.get(event.runId) !== event.cleanRoomId) continue;
      target.deliverRunEvent(frame);
      delivered?.add(target);
      count += 1;
    }
    for (const target of roomTargets ?? []) {
      if (delivered?.has(target)) continue;
      target.deliverRunEvent(frame);
      count += 1;
    }
    this.onDelivered(count);
  }
}

/** Copies only the fields of the protocol, so nothing else a bus carries reaches clients. */
function serialize(event: RunEvent): Buffer {
  const message: RunEventMessage = {
    type: 'run_event',
    event: {
      runId: event.runId,
      cleanRoomId: event.cleanRoomId,
      status: event.status,
      progress: event.progress,
      at: event.at,
    },
  };
  return Buffer.from(JSON.stringify(message));
}

function addTo(index: Map<string, Set<RunEventTarget>>, key: string, target: RunEventTarget): void {
  let targets = index.get(key);
  if (!targets) {
    targets = new Set();
    index.set(key, targets);
  }
  targets.add(target);
}

function removeFrom(
  index: Map<string, Set<RunEventTarget>>,
  key: string,
  target: RunEventTarget,
): void {
  const targets = index.get(key);
  if (!targets) return;

  targets.delete(target);
  if (targets.size === 0) index.delete(key);
}
