import type { WsErrorCode } from '../../domain/chat/ws-protocol.ts';

/** Rejection of a client message; handleClientMessage catches it and sends the client an `error` message. */
export class WsRequestError extends Error {
  constructor(
    readonly code: WsErrorCode,
    message: string,
    readonly field?: string,
    readonly conversationId?: string,
  ) {
    super(message);
    this.name = 'WsRequestError';
  }
}
