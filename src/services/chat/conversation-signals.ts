import { EventEmitter } from 'node:events';
import type { ServiceContext } from '../service-context.ts';

/** Signals of the chat service that in-process interfaces (the WebSocket hub) act on. */
export interface ConversationSignalMap {
  /** A conversation and its messages were deleted; the argument is its id. */
  conversation_deleted: [conversationId: string];
}

export type ConversationSignals = EventEmitter<ConversationSignalMap>;

/** Keyed by the database handle, which every child context of a platform (per request, per log) shares. */
const signalsByDatabase = new WeakMap<object, ConversationSignals>();

/**
 * Returns the platform's conversation signals. They reach listeners in this
 * process only.
 * NOTE: another web process keeps its own stream logs and does not hear a
 * delete. Its logs of the conversation expire after
 * WS_STREAM_LOG_RETENTION_SECONDS, and until then its resume check finds
 * the conversation gone from the database.
 */
export function conversationSignalsOf(context: Pick<ServiceContext, 'db'>): ConversationSignals {
  let signals = signalsByDatabase.get(context.db);
  if (!signals) {
    signals = new EventEmitter<ConversationSignalMap>();
    signals.setMaxListeners(0);
    signalsByDatabase.set(context.db, signals);
  }
  return signals;
}
