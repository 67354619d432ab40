import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Caller } from '../../../domain/organizations/caller.ts';
import type { DatabaseEventStore } from './database-event-store.ts';

/**
 * One Streamable HTTP session: its MCP server acting for the caller that
 * initialized it, the SDK transport, and when it was last used. A session
 * with a request in flight (an open SSE stream counts) is never idle.
 */
export class McpSession {
  private openRequests = 0;
  /** SSE streams of cancelled requests, closed without a response, which clients must not resume. */
  private readonly cancelledStreamIds = new Set<string>();
  private lastActiveAt: number;
  private lastStoredAt: number;

  constructor(
    readonly id: string,
    readonly caller: Caller,
    readonly server: McpServer,
    readonly transport: WebStandardStreamableHTTPServerTransport,
    readonly eventStore: DatabaseEventStore,
    now: number,
  ) {
    this.lastActiveAt = now;
    this.lastStoredAt = now;
  }

  /** HTTP requests of this session still in flight, open SSE streams included. */
  get openRequestCount(): number {
    return this.openRequests;
  }

  /** Checks the caller is the session's user in the session's organization; anyone else gets 404 from the handler. */
  belongsTo(caller: Caller): boolean {
    return (
      caller.organizationId === this.caller.organizationId && caller.userId === this.caller.userId
    );
  }

  /** Counts a request as in flight; the returned function ends it, once, however often it is called. */
  beginRequest(now: number): () => void {
    this.openRequests += 1;
    this.lastActiveAt = now;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.openRequests -= 1;
      this.lastActiveAt = Date.now();
    };
  }

  markStreamCancelled(streamId: string): void {
    this.cancelledStreamIds.add(streamId);
  }

  isStreamCancelled(streamId: string): boolean {
    return this.cancelledStreamIds.has(streamId);
  }

  isIdleSince(cutoff: number): boolean {
    return this.openRequests === 0 && this.lastActiveAt < cutoff;
  }

  /** True when the stored last-seen time is older than `intervalMs`; marks it as stored now. */
  claimLastSeenWrite(now: number, intervalMs: number): boolean {
    if (now - this.lastStoredAt < intervalMs) return false;
    this.lastStoredAt = now;
    return true;
  }
}
