import type {
  ClientMessage,
  ErrorMessage,
  HelloMessage,
  ResumePoint,
  SendMessageMessage,
  StopMessage,
  SubscribeRunsMessage,
  UnsubscribeRunsMessage,
} from '../../domain/chat/ws-protocol.ts';
import { isAppError } from '../../domain/errors/app-error.ts';
import { getCleanRoom } from '../../services/clean-rooms/get-clean-room.ts';
import { getRun } from '../../services/runs/get-run.ts';
import { ownerOf, type GenerationOutcome } from './chat-generations.ts';
import type { WsConnection } from './ws-connection.ts';
import { WsRequestError } from './ws-request-error.ts';

/**
 * Acts on one valid client message and replies to it. A message is checked
 * before it is acknowledged, so a message that cannot be acted on gets its
 * error and no ack. send_message and stop are idempotent by id: a repeated
 * id is acknowledged again and replayed from what was done, never acted on
 * twice. The other messages are idempotent by nature and act on the socket
 * they arrive on.
 */
export async function handleClientMessage(
  connection: WsConnection,
  message: ClientMessage,
): Promise<void> {
  try {
    await dispatch(connection, message);
  } catch (err) {
    if (err instanceof WsRequestError) {
      connection.sendError({
        id: message.id,
        code: err.code,
        message: err.message,
        ...(err.field ? { field: err.field } : {}),
        ...(err.conversationId ? { conversationId: err.conversationId } : {}),
      });
      return;
    }
    // A retryable server error, such as STOP_NOT_CONFIRMED, keeps its code so the client knows to send again.
    if (isAppError(err) && (err.status < 500 || err.retryable)) {
      connection.sendError({ id: message.id, code: err.code, message: err.userMessage });
      return;
    }
    throw err;
  }
}

async function dispatch(connection: WsConnection, message: ClientMessage): Promise<void> {
  switch (message.type) {
    case 'hello':
      return hello(connection, message);
    case 'send_message':
      return sendMessage(connection, message);
    case 'stop':
      return stop(connection, message);
    case 'subscribe_runs':
      return subscribeRuns(connection, message);
    case 'unsubscribe_runs':
      return unsubscribeRuns(connection, message);
    case 'ping':
      return connection.send({ type: 'pong', id: message.id });
  }
}

/**
 * Resumes each listed conversation after its last seq: every later event
 * once, in order, then the live tail. Every point is checked before the
 * reply. Each one that cannot be resumed, because its events are gone from
 * this process or the caller no longer has the conversation in the
 * database, gets a RESUME_UNAVAILABLE error. The hello is acknowledged when
 * it lists no conversation or at least one resumes.
 */
async function hello(connection: WsConnection, message: HelloMessage): Promise<void> {
  const points = message.resume ?? [];
  const owned: ResumePoint[] = [];
  for (const point of points) {
    if (await ownsConversation(connection, point.conversationId)) owned.push(point);
  }

  // Checked again after the database reads, with no await until the follow, so no event slips between.
  const resumable = owned.filter((point) => canResume(connection, point));
  for (const point of points) {
    if (!resumable.includes(point)) connection.sendError(resumeUnavailable(message.id, point));
  }
  if (points.length > 0 && resumable.length === 0) return;

  connection.send({ type: 'ack', id: message.id });
  for (const point of resumable) connection.follow(point.conversationId, point.lastSeq, true);
}

/** Tells whether this process keeps the conversation's events for the caller and the caller still has it. */
async function ownsConversation(
  connection: WsConnection,
  conversationId: string,
): Promise<boolean> {
  const log = connection.hub.store.get(conversationId);
  if (!log?.isOwnedBy(ownerOf(connection.caller))) return false;

  const { hub, caller } = connection;
  return hub.hasConversation(hub.context, caller, conversationId);
}

function canResume(connection: WsConnection, point: ResumePoint): boolean {
  const log = connection.hub.store.get(point.conversationId);
  if (!log?.isOwnedBy(ownerOf(connection.caller))) return false;
  return point.lastSeq <= log.lastSeq && point.lastSeq + 1 >= log.firstSeq;
}

function resumeUnavailable(id: string, point: ResumePoint): Omit<ErrorMessage, 'type'> {
  return {
    id,
    code: 'RESUME_UNAVAILABLE',
    conversationId: point.conversationId,
    message: `Conversation ${point.conversationId} cannot resume after seq ${point.lastSeq} on this server; reload it with GET /api/v1/conversations/${point.conversationId}.`,
  };
}

/**
 * Starts the answer to a message, or replays the answer of a message re-sent
 * under the same id. The ack is sent once the answer has started
 * (GenerationWatcher), so a message the chat service rejects (an unknown
 * conversation, a duplicate, an answer running in another process) gets only
 * its error.
 */
function sendMessage(connection: WsConnection, message: SendMessageMessage): void {
  const scope = scopeOf(connection);
  const seen = connection.hub.messageIds.get(scope, message.id);
  if (seen && seen.type !== 'send_message') throw duplicateIdError(message.id, seen.type);
  if (seen && !isSameRequest(seen.generation, message)) throw reusedIdError(message.id);
  // A message that failed before its answer started is tried again; the chat service rejects it if it was stored.
  if (seen?.generation.failure === null) {
    replayGeneration(connection, message.id, seen.generation);
    return;
  }

  const generation = connection.hub.generations.start(connection.caller, message, connection);
  connection.hub.messageIds.remember(scope, message.id, { type: 'send_message', generation });
}

/**
 * Tells whether a message re-sent under an id is the message first sent
 * under it: the same text, to the conversation first named or, for a first
 * message, to the conversation it started.
 */
function isSameRequest(generation: GenerationOutcome, message: SendMessageMessage): boolean {
  if (message.text !== generation.request.text) return false;
  if (message.conversationId === generation.request.conversationId) return true;
  return generation.conversationId !== null && message.conversationId === generation.conversationId;
}

/** Replies to a re-sent send_message with the events of its answer that this socket has not received yet. */
function replayGeneration(
  connection: WsConnection,
  id: string,
  generation: GenerationOutcome,
): void {
  const conversationId = generation.conversationId;
  if (conversationId === null || generation.startSeq === null) {
    generation.watchers.add(connection);
    return;
  }
  if (!connection.hub.store.get(conversationId)) {
    connection.sendError({
      id,
      code: 'RESUME_UNAVAILABLE',
      conversationId,
      message: `The answer to message ${id} is no longer kept by this server; reload conversation ${conversationId} with GET /api/v1/conversations/${conversationId}.`,
    });
    return;
  }

  connection.send({ type: 'ack', id, conversationId });
  connection.follow(conversationId, generation.startSeq - 1);
}

/**
 * Stops the answer in a conversation: one this endpoint writes, else through
 * the chat service, which reaches an answer written by another web process.
 * A stop re-sent under the same id waits for the first one and gets its reply.
 * A failed stop forgets its id, so it is tried again when re-sent.
 */
async function stop(connection: WsConnection, message: StopMessage): Promise<void> {
  const scope = scopeOf(connection);
  const seen = connection.hub.messageIds.get(scope, message.id);
  if (seen && seen.type !== 'stop') throw duplicateIdError(message.id, seen.type);
  if (seen) {
    await seen.stopped;
    connection.send({ type: 'ack', id: message.id, conversationId: seen.conversationId });
    return;
  }

  const stopped = stopAnywhere(connection, message.conversationId);
  connection.hub.messageIds.remember(scope, message.id, {
    type: 'stop',
    conversationId: message.conversationId,
    stopped,
  });
  try {
    await stopped;
  } catch (err) {
    connection.hub.messageIds.forget(scope, message.id);
    throw err;
  }
  connection.send({ type: 'ack', id: message.id, conversationId: message.conversationId });
}

async function stopAnywhere(connection: WsConnection, conversationId: string): Promise<void> {
  const { hub, caller } = connection;
  if (hub.generations.stop(caller, conversationId)) return;

  await hub.stopAnswer(hub.context, caller, conversationId);
}

/** Checks each run or the clean room against the caller's organization once per socket, then subscribes. */
async function subscribeRuns(
  connection: WsConnection,
  message: SubscribeRunsMessage,
): Promise<void> {
  const { hub, caller } = connection;
  if (message.cleanRoomId !== undefined) {
    if (!connection.visibleCleanRooms.has(message.cleanRoomId)) {
      await getCleanRoom(hub.context, caller, message.cleanRoomId);
      connection.visibleCleanRooms.add(message.cleanRoomId);
    }
    hub.fanout.addCleanRoom(connection, message.cleanRoomId);
  }

  for (const runId of message.runIds ?? []) {
    if (connection.visibleRuns.has(runId)) continue;
    const run = await getRun(hub.context, caller, runId);
    connection.visibleRuns.set(run.id, run.cleanRoomId);
  }
  for (const runId of message.runIds ?? []) hub.fanout.addRun(connection, runId);
  connection.send({ type: 'ack', id: message.id });
}

function unsubscribeRuns(connection: WsConnection, message: UnsubscribeRunsMessage): void {
  const { fanout } = connection.hub;
  const everything = message.runIds === undefined && message.cleanRoomId === undefined;
  if (everything) fanout.removeTarget(connection);
  for (const runId of message.runIds ?? []) fanout.removeRun(connection, runId);
  if (message.cleanRoomId !== undefined) fanout.removeCleanRoom(connection, message.cleanRoomId);
  connection.send({ type: 'ack', id: message.id });
}

function scopeOf(connection: WsConnection): string {
  return `${connection.caller.organizationId}:${connection.caller.userId}`;
}

function reusedIdError(id: string): WsRequestError {
  return new WsRequestError(
    'MESSAGE_ID_REUSED',
    `Message id "${id}" was already used for a message with another text or conversation, so this message was not sent; send it again with a new id.`,
    'id',
  );
}

function duplicateIdError(id: string, usedBy: string): WsRequestError {
  return new WsRequestError(
    'MESSAGE_INVALID',
    `Message id "${id}" was already used by a ${usedBy} message; give every new message a new id.`,
    'id',
  );
}
