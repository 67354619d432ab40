import websocket from '@fastify/websocket';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Platform } from '../../app/create-platform.ts';
import { answerMessage } from '../../services/chat/answer-message.ts';
import { hasConversation } from '../../services/chat/has-conversation.ts';
import { stopAnswer } from '../../services/chat/stop-answer.ts';
import { callerOf } from '../http/authenticate.ts';
import type { AnswerFunction, AnswerStopper, ConversationCheck } from './chat-generations.ts';
import {
  createWsAuthenticationHook,
  selectSubprotocol,
  wsCredentialsOf,
} from './ws-authentication.ts';
import { WsConnection } from './ws-connection.ts';
import { WsHub } from './ws-hub.ts';
import { WsMetrics } from './ws-metrics.ts';
import { wsSettingsFrom } from './ws-settings.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** State of the WebSocket endpoint, read by /metrics, tests and benchmarks. */
    wsHub: WsHub | null;
  }
}

export interface WsEndpointOptions {
  /** Writes chat answers; the chat service's answerMessage unless a test passes another. */
  answer?: AnswerFunction;
  /** Tells whether the caller has a conversation, checked on resume; the chat service's unless a test passes another. */
  hasConversation?: ConversationCheck;
  /** Stops an answer the endpoint is not writing itself. The chat service's stopAnswer unless a test passes another. */
  stopAnswer?: AnswerStopper;
}

/**
 * Registers GET /ws, the WebSocket endpoint of chat streams and live run
 * status (protocol in src/domain/chat/ws-protocol.ts). Returns the hub whose
 * state tests and benchmarks read.
 */
export async function registerWsEndpoint(
  app: FastifyInstance,
  platform: Platform,
  options: WsEndpointOptions = {},
): Promise<WsHub> {
  const settings = wsSettingsFrom(platform.config);
  const hub = new WsHub(
    platform.context,
    settings,
    WsMetrics.for(platform.metrics),
    options.answer ?? answerMessage,
    options.hasConversation ?? hasConversation,
    options.stopAnswer ?? stopAnswer,
  );
  app.decorate('wsHub', hub);
  app.addHook('onClose', async () => hub.close());

  await app.register(websocket, {
    errorHandler: handleSocketError,
    options: {
      maxPayload: settings.maxPayloadBytes,
      handleProtocols: selectSubprotocol,
      perMessageDeflate: false,
    },
  });
  await app.register(async (scope) => {
    scope.addHook('onRequest', createWsAuthenticationHook(platform.context, platform.config));
    scope.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
      const caller = callerOf(request);
      const log = platform.context.log.child({
        reqId: request.id,
        organizationId: caller.organizationId,
        userId: caller.userId,
      });
      const connection = new WsConnection(hub, socket, caller, wsCredentialsOf(request), log);
      hub.add(connection);
      connection.start();
    });
  });
  return hub;
}

/**
 * Logs an error of an open socket and terminates it. A protocol error of the
 * client (a frame over the size limit, an invalid frame) is logged at warn
 * without a stack, because `ws` has already sent the close code (1009, 1002).
 * Any other error is a server fault and is logged in full.
 */
function handleSocketError(error: Error, socket: WebSocket, request: FastifyRequest): void {
  const code = (error as NodeJS.ErrnoException).code;
  if (code?.startsWith('WS_ERR_'))
    request.log.warn({ reqId: request.id, code, reason: error.message }, 'websocket client error');
  else request.log.error({ err: error, reqId: request.id }, 'websocket failed');
  socket.terminate();
}
