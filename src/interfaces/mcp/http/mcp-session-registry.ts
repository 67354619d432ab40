import type { Logger } from '../../../adapters/logging/logger.ts';
import { AppError } from '../../../domain/errors/app-error.ts';
import type { McpSession } from './mcp-session.ts';
import type { McpStreamStore } from './mcp-stream-store.ts';

/** Minimum time between two writes of a session's last-seen time, in milliseconds. */
const LAST_SEEN_WRITE_INTERVAL_MS = 60_000;
/** Maximum time between two idle sweeps, in milliseconds. */
const MAX_SWEEP_INTERVAL_MS = 60_000;

export interface McpSessionRegistryOptions {
  maxSessions: number;
  /** Sessions one organization may hold in this process, so one caller cannot take every place. */
  maxSessionsPerOrganization: number;
  /** A session with no request for this long is closed, in milliseconds. */
  idleMs: number;
  store: McpStreamStore;
  log: Logger;
}

/**
 * The sessions this process holds. It bounds their number, closes idle ones
 * on a timer, and deletes a session's rows when it closes, for whatever
 * reason (DELETE from the client, idle expiry, shutdown).
 */
export class McpSessionRegistry {
  private readonly sessions = new Map<string, McpSession>();
  /** Initialize requests in progress: they hold a place before their session exists. */
  private reserved = 0;
  private readonly reservedByOrganization = new Map<string, number>();
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: McpSessionRegistryOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get(id: string): McpSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * Holds a place for a session of `organizationId` about to initialize,
   * within MCP_MAX_SESSIONS and MCP_MAX_SESSIONS_PER_ORGANIZATION; the
   * returned function gives it back.
   */
  reserveSlot(organizationId: string): () => void {
    if (this.sessions.size + this.reserved >= this.options.maxSessions) {
      throw sessionLimit(
        `this server reached its limit of ${this.options.maxSessions} (MCP_MAX_SESSIONS)`,
      );
    }
    const organizationCount =
      this.countSessionsOf(organizationId) + (this.reservedByOrganization.get(organizationId) ?? 0);
    if (organizationCount >= this.options.maxSessionsPerOrganization) {
      throw sessionLimit(
        `your organization has ${organizationCount} open sessions, the limit of ${this.options.maxSessionsPerOrganization} per organization (MCP_MAX_SESSIONS_PER_ORGANIZATION)`,
      );
    }

    this.reserved += 1;
    this.changeReservation(organizationId, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.reserved -= 1;
      this.changeReservation(organizationId, -1);
    };
  }

  private countSessionsOf(organizationId: string): number {
    let count = 0;
    for (const session of this.sessions.values()) {
      if (session.caller.organizationId === organizationId) count += 1;
    }
    return count;
  }

  private changeReservation(organizationId: string, change: number): void {
    const count = (this.reservedByOrganization.get(organizationId) ?? 0) + change;
    if (count === 0) this.reservedByOrganization.delete(organizationId);
    else this.reservedByOrganization.set(organizationId, count);
  }

  add(session: McpSession): void {
    this.sessions.set(session.id, session);
    this.options.log.info(
      { sessionId: session.id, organizationId: session.caller.organizationId },
      'MCP session opened',
    );
  }

  /**
   * Drops a closed session and deletes its rows; the transport's close
   * handler calls it. The returned promise settles once the rows are gone.
   */
  forget(id: string, reason: string): Promise<void> {
    if (!this.sessions.delete(id)) return Promise.resolve();

    this.options.log.info({ sessionId: id, reason }, 'MCP session closed');
    return this.options.store.deleteSession(id).catch((err: unknown) => {
      this.options.log.warn({ err, sessionId: id }, 'deleting a closed MCP session failed');
    });
  }

  /**
   * Seconds after its last stored activity that another process still counts
   * a session as live: the idle time plus the slack of throttled writes and
   * of the sweep that writes for sessions with a long open stream.
   */
  get liveWindowSeconds(): number {
    return Math.ceil(
      (this.options.idleMs + LAST_SEEN_WRITE_INTERVAL_MS + MAX_SWEEP_INTERVAL_MS) / 1000,
    );
  }

  /** Records a request on the session, writing its last-seen time at most once per LAST_SEEN_WRITE_INTERVAL_MS. */
  recordActivity(session: McpSession, now: number = Date.now()): void {
    if (!session.claimLastSeenWrite(now, LAST_SEEN_WRITE_INTERVAL_MS)) return;

    this.options.store.touchSession(session.id).catch((err: unknown) => {
      this.options.log.warn({ err, sessionId: session.id }, 'storing MCP session activity failed');
    });
  }

  /**
   * Closes every session idle since before `now - idleMs` and returns their
   * ids. Sessions still in use get their last-seen time written, so a long
   * open stream keeps its session live for other processes.
   */
  async closeIdle(now: number = Date.now()): Promise<string[]> {
    const cutoff = now - this.options.idleMs;
    const sessions = [...this.sessions.values()];
    const idle = sessions.filter((session) => session.isIdleSince(cutoff));
    for (const session of sessions) {
      if (!idle.includes(session)) this.recordActivity(session, now);
    }

    await Promise.all(idle.map((session) => this.close(session, 'idle')));
    return idle.map((session) => session.id);
  }

  async closeAll(reason: string): Promise<void> {
    await Promise.all([...this.sessions.values()].map((session) => this.close(session, reason)));
  }

  /** Looks for idle sessions every quarter of the idle time, at least every second and at most every minute. */
  startSweeping(): void {
    const intervalMs = Math.min(MAX_SWEEP_INTERVAL_MS, Math.max(1_000, this.options.idleMs / 4));
    this.sweepTimer = setInterval(() => {
      this.closeIdle().catch((err: unknown) => {
        this.options.log.warn({ err }, 'closing idle MCP sessions failed');
      });
    }, intervalMs);
    this.sweepTimer.unref();
  }

  stopSweeping(): void {
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.sweepTimer = null;
  }

  private async close(session: McpSession, reason: string): Promise<void> {
    // Forgotten first so the log names the reason; the transport's close handler then finds nothing to do.
    const forgotten = this.forget(session.id, reason);
    await session.server.close();
    await forgotten;
  }
}

function sessionLimit(reason: string): AppError {
  const message = `Too many MCP sessions: ${reason}. End unused sessions with DELETE /mcp, or retry once idle ones expire.`;
  // A 503 normally shows only the code's title. This message contains no
  // internals and names the next step.
  return new AppError('MCP_SESSION_LIMIT', message, { userMessage: message, retryable: true });
}
