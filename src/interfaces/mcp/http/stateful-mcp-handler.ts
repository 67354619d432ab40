import { randomUUID } from 'node:crypto';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { isInitializeRequest, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../../../adapters/logging/logger.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { Caller } from '../../../domain/organizations/caller.ts';
import type { McpAuthentication } from '../auth/mcp-authenticator.ts';
import { cancelledRequestIdOf, streamIdOfRequest } from './cancelled-streams.ts';
import { DatabaseEventStore, STANDALONE_STREAM_ID } from './database-event-store.ts';
import { endAnsweredStream } from './end-answered-stream.ts';
import { findInvalidParams } from '../request-params-check.ts';
import { forwardToTransport } from './forward-to-transport.ts';
import { JsonRpcErrorCode, McpHttpError } from './json-rpc-error.ts';
import type { McpEventWriter } from './mcp-event-writer.ts';
import {
  authenticationOf,
  methodNotAllowed,
  sessionIdOf,
  type McpRequestHandler,
  type McpServerFactory,
} from './mcp-request-handler.ts';
import { McpSession } from './mcp-session.ts';
import type { McpSessionRegistry } from './mcp-session-registry.ts';
import type { McpStreamStore } from './mcp-stream-store.ts';
import { relayStoredStream } from './stored-stream-relay.ts';
import { checkGetRequest, readLastEventId, type StreamResume } from './transport-request-checks.ts';

export interface StatefulMcpHandlerOptions {
  createServer: McpServerFactory;
  sessions: McpSessionRegistry;
  store: McpStreamStore;
  /** Stores the SSE events of every session in batches. */
  eventWriter: McpEventWriter;
  log: Logger;
}

/**
 * Streamable HTTP with sessions, as the MCP specification describes them.
 * An initialize request opens a session bound to its caller. Later requests
 * name it in Mcp-Session-Id, and get 400 without it and 404 when it is
 * unknown, expired or another caller's. DELETE ends a session. GET opens its
 * server-to-client stream, or with Last-Event-ID resumes a dropped stream
 * from the database, also one that another web process holds.
 */
export class StatefulMcpHandler implements McpRequestHandler {
  readonly allowedMethods = ['GET', 'POST', 'DELETE', 'OPTIONS'] as const;
  private readonly shutdown = new AbortController();

  constructor(private readonly options: StatefulMcpHandlerOptions) {}

  async post(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authentication = authenticationOf(request);
    const sessionId = sessionIdOf(request);
    if (sessionId !== undefined) {
      const session = this.findOwnSession(request, sessionId, authentication.caller);
      const cancelledRequestId = cancelledRequestIdOf(request.body);
      if (cancelledRequestId === undefined)
        return this.forward(request, reply, session, authentication);

      // Read before forwarding: the SDK aborts the call, which then never responds.
      const streamId = streamIdOfRequest(session.transport, cancelledRequestId);
      await this.forward(request, reply, session, authentication);
      if (streamId !== undefined)
        endCancelledStream(request, session, cancelledRequestId, streamId);
      return;
    }

    rejectInvalidInitialize(request.body);
    if (!containsInitializeRequest(request.body)) {
      throw new AppError(
        'MCP_SESSION_REQUIRED',
        'Bad Request: Mcp-Session-Id header is required; send the id the initialize response returned, or start a session with an initialize request.',
      );
    }
    return this.initialize(request, reply, authentication);
  }

  async get(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authentication = authenticationOf(request);
    checkGetRequest(request);
    const sessionId = requireSessionId(request);
    const resume = readLastEventId(request);
    if (this.options.sessions.get(sessionId) === undefined && resume !== null) {
      // NOTE: only the process holding the session records which streams were
      // cancelled, so here a cancelled request's stream is relayed until the session ends.
      return this.relay(request, reply, sessionId, resume, authentication.caller);
    }

    const session = this.findOwnSession(request, sessionId, authentication.caller);
    if (resume !== null) this.requireResumableStream(reply, session, resume);
    return this.forward(request, reply, session, authentication);
  }

  async delete(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const authentication = authenticationOf(request);
    const session = this.findOwnSession(request, requireSessionId(request), authentication.caller);
    return this.forward(request, reply, session, authentication);
  }

  async close(): Promise<void> {
    this.shutdown.abort();
    this.options.sessions.stopSweeping();
    await this.options.sessions.closeAll('shutdown');
    await this.options.eventWriter.flush();
  }

  /** Opens a session for the caller and lets its transport respond to the initialize request. */
  private async initialize(
    request: FastifyRequest,
    reply: FastifyReply,
    authentication: McpAuthentication,
  ): Promise<void> {
    const releaseSlot = this.options.sessions.reserveSlot(authentication.caller.organizationId);
    try {
      const session = await this.openSession(authentication.caller);
      await this.forward(request, reply, session, authentication);
      // An initialize the transport rejected (a second one, a bad batch) opened no session.
      if (session.transport.sessionId === undefined) await this.discard(session);
    } finally {
      releaseSlot();
    }
  }

  /** Stores the session row, then builds the caller's server and a transport that issues this session's id. */
  private async openSession(caller: Caller): Promise<McpSession> {
    const { sessions, store } = this.options;
    const sessionId = randomUUID();
    await store.insertSession(sessionId, caller);

    const server = this.options.createServer(caller);
    const eventStore = new DatabaseEventStore(
      store,
      this.options.eventWriter,
      sessionId,
      (streamId) => endAnsweredStream(transport, streamId),
    );
    const transport: WebStandardStreamableHTTPServerTransport =
      new WebStandardStreamableHTTPServerTransport({
        sessionIdGenerator: () => sessionId,
        eventStore,
        onsessioninitialized: () => sessions.add(session),
        onsessionclosed: () => sessions.forget(sessionId, 'ended by the client'),
      });
    const session = new McpSession(sessionId, caller, server, transport, eventStore, Date.now());
    transport.onclose = () => void sessions.forget(sessionId, 'transport closed');
    try {
      await server.connect(transport);
    } catch (error) {
      await this.discard(session);
      throw error;
    }
    return session;
  }

  private async discard(session: McpSession): Promise<void> {
    await session.server.close();
    await this.options.store.deleteSession(session.id);
  }

  private async forward(
    request: FastifyRequest,
    reply: FastifyReply,
    session: McpSession,
    authentication: McpAuthentication,
  ): Promise<void> {
    const now = Date.now();
    reply.raw.once('close', session.beginRequest(now));
    this.options.sessions.recordActivity(session, now);
    await forwardToTransport(request, reply, session.transport, authentication);
  }

  /**
   * Resumes a stream of a session this process does not hold, from the
   * stored events, when the session is still live and the caller's own.
   */
  private async relay(
    request: FastifyRequest,
    reply: FastifyReply,
    sessionId: string,
    { lastEventId, cursor }: StreamResume,
    caller: Caller,
  ): Promise<void> {
    const { store, sessions } = this.options;
    const row = await store.findLiveSession(sessionId, sessions.liveWindowSeconds);
    if (
      row === undefined ||
      row.organization_id !== caller.organizationId ||
      row.user_id !== caller.userId
    ) {
      throw sessionNotFound(sessionId);
    }
    // NOTE: a POST stream that carried only its priming event has no stored
    // row, so resuming it in another process is rejected here as unknown.
    const known =
      cursor.streamId === STANDALONE_STREAM_ID ||
      (await store.hasStreamEvents(sessionId, cursor.streamId));
    if (!known) throw unknownStream(lastEventId, sessionId);

    request.log.info(
      { sessionId, streamId: cursor.streamId },
      'MCP stream resumed from stored events',
    );
    reply.hijack();
    try {
      await relayStoredStream({
        store,
        sessionId,
        cursor,
        response: reply.raw,
        aliveSeconds: sessions.liveWindowSeconds,
        signal: this.shutdown.signal,
        log: this.options.log,
      });
    } catch (err) {
      // The relay has ended the response; the client reconnects with its last event id.
      request.log.warn({ err, sessionId }, 'relaying stored MCP events failed');
    }
  }

  /**
   * Rejects a resume of a stream the session never opened (404), or of a
   * cancelled request's stream, which gets no response to replay (405).
   */
  private requireResumableStream(
    reply: FastifyReply,
    session: McpSession,
    { lastEventId, cursor }: StreamResume,
  ): void {
    const knownStream =
      cursor.streamId === STANDALONE_STREAM_ID || session.eventStore.knowsStream(cursor.streamId);
    if (!knownStream) throw unknownStream(lastEventId, session.id);
    if (session.isStreamCancelled(cursor.streamId)) {
      // The MCP specification allows 405 as the only response to a GET besides a
      // stream, and the SDK client (1.32) stops resuming on it without an error.
      throw methodNotAllowed(
        reply,
        'GET',
        this.allowedMethods,
        `cannot resume stream ${cursor.streamId}: its request was cancelled and gets no response`,
      );
    }
  }

  /** Returns the session when it exists here and belongs to the caller, else throws 404 so the client initializes anew. */
  private findOwnSession(request: FastifyRequest, sessionId: string, caller: Caller): McpSession {
    const session = this.options.sessions.get(sessionId);
    if (session === undefined) throw sessionNotFound(sessionId);
    if (!session.belongsTo(caller)) {
      request.log.warn(
        { sessionId, organizationId: caller.organizationId, userId: caller.userId },
        'MCP session used by another caller',
      );
      throw sessionNotFound(sessionId);
    }
    return session;
  }
}

/**
 * Closes the SSE stream of a cancelled request, which the SDK transport
 * would otherwise keep open until the session ends, because it closes a
 * POST's stream only after the response. The client then tries to resume
 * the stream, and gets 405 for it.
 */
function endCancelledStream(
  request: FastifyRequest,
  session: McpSession,
  requestId: RequestId,
  streamId: string,
): void {
  session.markStreamCancelled(streamId);
  session.transport.closeSSEStream(requestId);
  request.log.info(
    { sessionId: session.id, requestId, streamId },
    'MCP cancelled request stream closed',
  );
}

/**
 * Rejects an initialize request whose params fail the SDK's schema with
 * -32602, because it cannot open a session and would otherwise be taken for
 * a request that lacks Mcp-Session-Id.
 */
function rejectInvalidInitialize(body: unknown): void {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  for (const message of messages) {
    const invalid = findInvalidParams(message);
    if (invalid?.method !== 'initialize') continue;

    throw new McpHttpError(
      400,
      JsonRpcErrorCode.INVALID_PARAMS,
      new AppError('VALIDATION_FAILED', `Bad Request: ${invalid.message}`, {
        details: { field: invalid.field },
      }),
    );
  }
}

function containsInitializeRequest(body: unknown): boolean {
  return Array.isArray(body) ? body.some(isInitializeRequest) : isInitializeRequest(body);
}

function requireSessionId(request: FastifyRequest): string {
  const sessionId = sessionIdOf(request);
  if (sessionId === undefined) {
    throw new AppError(
      'MCP_SESSION_REQUIRED',
      `Bad Request: Mcp-Session-Id header is required on ${request.method}; send the id the initialize response returned.`,
    );
  }
  return sessionId;
}

function unknownStream(lastEventId: string, sessionId: string): AppError {
  return new AppError(
    'MCP_STREAM_NOT_FOUND',
    `Not Found: Last-Event-ID "${lastEventId}" names no stream of MCP session ${sessionId}; reconnect without Last-Event-ID.`,
  );
}

function sessionNotFound(sessionId: string): AppError {
  return new AppError(
    'MCP_SESSION_NOT_FOUND',
    `Session not found: MCP session ${sessionId} does not exist or has expired; start a new session with an initialize request.`,
  );
}
