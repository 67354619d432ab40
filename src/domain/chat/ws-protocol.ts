import { z } from 'zod';
import { RunStatusSchema } from '../runs/question-run.ts';
import { chatStreamEventSchema } from './chat-stream-event.ts';
import { CHAT_MESSAGE_MAX_CHARACTERS, countCharacters } from './conversation.ts';

/**
 * The WebSocket protocol between the platform and its clients (web app,
 * tests, benchmarks), version 1. Every frame is one JSON object with a `type`.
 * Client messages carry a client-chosen `id` that is also the idempotency
 * key: a message re-sent with an id the server has seen is acknowledged again
 * and never acted on twice, and a different message under a seen id is
 * rejected (MESSAGE_ID_REUSED).
 */
export const WS_PROTOCOL_VERSION = 1;

/** Subprotocol a client offers and the server selects. */
export const WS_SUBPROTOCOL = 'cleanroom.v1';

/** Prefix of the subprotocol that carries an API key for clients that cannot set headers. */
export const WS_BEARER_SUBPROTOCOL_PREFIX = 'cleanroom.bearer.';

/** Client-chosen message id, also the idempotency key; the chat service stores it with the user message. */
const clientMessageIdSchema = z.string().min(1).max(100);
const conversationIdSchema = z.uuid();

export const resumePointSchema = z.strictObject({
  conversationId: conversationIdSchema,
  /** Last `seq` the client received for this conversation; 0 replays from the start. */
  lastSeq: z.number().int().min(0),
});
export type ResumePoint = z.infer<typeof resumePointSchema>;

export const helloMessageSchema = z.strictObject({
  type: z.literal('hello'),
  id: clientMessageIdSchema,
  resume: z.array(resumePointSchema).max(100).optional(),
});
export type HelloMessage = z.infer<typeof helloMessageSchema>;

export const sendMessageMessageSchema = z.strictObject({
  type: z.literal('send_message'),
  id: clientMessageIdSchema,
  /** Null starts a new conversation; its id arrives in the `answer_started` event. */
  conversationId: conversationIdSchema.nullable(),
  /** At most CHAT_MESSAGE_MAX_CHARACTERS Unicode code points, the unit REST counts too. */
  text: z
    .string()
    .min(1)
    .refine((text) => countCharacters(text) <= CHAT_MESSAGE_MAX_CHARACTERS, {
      message: `Too long: the limit is ${CHAT_MESSAGE_MAX_CHARACTERS} characters`,
    }),
});
export type SendMessageMessage = z.infer<typeof sendMessageMessageSchema>;

export const stopMessageSchema = z.strictObject({
  type: z.literal('stop'),
  id: clientMessageIdSchema,
  conversationId: conversationIdSchema,
});
export type StopMessage = z.infer<typeof stopMessageSchema>;

/** Subscribes to run events by run ids or by clean room; exactly one of the two. */
export const subscribeRunsMessageSchema = z
  .strictObject({
    type: z.literal('subscribe_runs'),
    id: clientMessageIdSchema,
    runIds: z.array(z.uuid()).min(1).max(100).optional(),
    cleanRoomId: z.uuid().optional(),
  })
  .refine((message) => (message.runIds === undefined) !== (message.cleanRoomId === undefined), {
    message: 'Send exactly one of runIds and cleanRoomId',
    path: ['runIds'],
  });
export type SubscribeRunsMessage = z.infer<typeof subscribeRunsMessageSchema>;

/** Ends a subscription made with the same runIds or cleanRoomId; with neither, ends all. */
export const unsubscribeRunsMessageSchema = z.strictObject({
  type: z.literal('unsubscribe_runs'),
  id: clientMessageIdSchema,
  runIds: z.array(z.uuid()).min(1).max(100).optional(),
  cleanRoomId: z.uuid().optional(),
});
export type UnsubscribeRunsMessage = z.infer<typeof unsubscribeRunsMessageSchema>;

export const pingMessageSchema = z.strictObject({
  type: z.literal('ping'),
  id: clientMessageIdSchema,
});
export type PingMessage = z.infer<typeof pingMessageSchema>;

export const clientMessageSchema = z.discriminatedUnion('type', [
  helloMessageSchema,
  sendMessageMessageSchema,
  stopMessageSchema,
  subscribeRunsMessageSchema,
  unsubscribeRunsMessageSchema,
  pingMessageSchema,
]);
export type ClientMessage = z.infer<typeof clientMessageSchema>;

export const runEventSchema = z.object({
  runId: z.uuid(),
  cleanRoomId: z.uuid(),
  status: RunStatusSchema,
  /** Percent done, 0 to 100. */
  progress: z.number().min(0).max(100),
  at: z.string(),
});
export type RunEventPayload = z.infer<typeof runEventSchema>;

export const welcomeMessageSchema = z.object({
  type: z.literal('welcome'),
  protocolVersion: z.literal(WS_PROTOCOL_VERSION),
  /** Interval of the server's ping frames; a client that hears nothing for two intervals reconnects. */
  heartbeatMs: z.number().int().positive(),
});
export type WelcomeMessage = z.infer<typeof welcomeMessageSchema>;

export const ackMessageSchema = z.object({
  type: z.literal('ack'),
  /** The client message id acknowledged. */
  id: z.string(),
  /** Conversation the acknowledged message belongs to, once known. */
  conversationId: z.uuid().optional(),
});
export type AckMessage = z.infer<typeof ackMessageSchema>;

export const chatMessageSchema = z.object({
  type: z.literal('chat'),
  conversationId: z.uuid(),
  /** Strictly increasing per conversation, starting at 1, with no gaps. */
  seq: z.number().int().positive(),
  event: chatStreamEventSchema,
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

export const runEventMessageSchema = z.object({
  type: z.literal('run_event'),
  event: runEventSchema,
});
export type RunEventMessage = z.infer<typeof runEventMessageSchema>;

/**
 * Codes of `error` messages documented for the WebSocket (docs/websocket.md).
 * Other errors from a service (CONVERSATION_NOT_FOUND, RUN_NOT_FOUND,
 * CLEAN_ROOM_NOT_FOUND, CHAT_MESSAGE_TOO_LONG, API_KEY_REVOKED ...) carry their
 * code from the REST API's registry. ANSWER_CLAIM_LOST is not here because it
 * arrives as the code of an `answer_error` chat event, not as an `error` message.
 */
export const wsErrorCodeSchema = z.enum([
  /** The frame is not JSON or does not match any client message; `field` names the bad field. */
  'MESSAGE_INVALID',
  /** A send_message reused the id of an earlier message with another text or conversation, so the client sends it with a new id. */
  'MESSAGE_ID_REUSED',
  /** A resume asked for events this process no longer keeps; reload the conversation over REST. */
  'RESUME_UNAVAILABLE',
  /** A send_message arrived while an answer in the same conversation is still being written. */
  'GENERATION_RUNNING',
  /** A stop arrived for a conversation with no answer being written. */
  'GENERATION_NOT_RUNNING',
  /** The web process writing the answer did not confirm a stop within 3 seconds, so the client sends the stop again. */
  'STOP_NOT_CONFIRMED',
  /** The session the socket was opened with ended (sign-out, expiry, password change), and the socket is then closed with 4401. */
  'SESSION_ENDED',
  /** The answer failed before it started; nothing was added to the conversation. */
  'CHAT_FAILED',
  'INTERNAL',
]);
export type WsErrorCode = z.infer<typeof wsErrorCodeSchema>;

export const errorMessageSchema = z.object({
  type: z.literal('error'),
  /** The client message id this error answers; null when the frame had no readable id. */
  id: z.string().nullable(),
  /** A WsErrorCode or an error code of the REST API. */
  code: z.string(),
  message: z.string(),
  /** Set for MESSAGE_INVALID: the path of the first invalid field, such as `text` or `resume.0.lastSeq`. */
  field: z.string().optional(),
  /** Set for RESUME_UNAVAILABLE and conversation errors. */
  conversationId: z.uuid().optional(),
});
export type ErrorMessage = z.infer<typeof errorMessageSchema>;

export const pongMessageSchema = z.object({
  type: z.literal('pong'),
  id: z.string(),
});
export type PongMessage = z.infer<typeof pongMessageSchema>;

export const serverMessageSchema = z.discriminatedUnion('type', [
  welcomeMessageSchema,
  ackMessageSchema,
  chatMessageSchema,
  runEventMessageSchema,
  errorMessageSchema,
  pongMessageSchema,
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;
