import type { Platform } from '../../../app/create-platform.ts';
import type { Logger } from '../../../adapters/logging/logger.ts';
import { createMcpServer } from '../create-mcp-server.ts';
import { McpAuthenticator } from '../auth/mcp-authenticator.ts';
import { ProtectedResource } from '../auth/protected-resource.ts';
import { McpEventWriter } from './mcp-event-writer.ts';
import type { McpRequestHandler } from './mcp-request-handler.ts';
import { McpSessionRegistry } from './mcp-session-registry.ts';
import { McpStreamStore } from './mcp-stream-store.ts';
import { RequestOriginPolicy } from './request-origin-policy.ts';
import { StatefulMcpHandler } from './stateful-mcp-handler.ts';
import { StatelessMcpHandler } from './stateless-mcp-handler.ts';

/** How often a web process deletes expired events and dead sessions, in milliseconds. */
const PRUNE_INTERVAL_MS = 60_000;

/**
 * The MCP Streamable HTTP endpoint of one web process: how it authenticates,
 * which hosts and origins it serves, its sessions (none in stateless mode)
 * and the housekeeping of their stored events.
 */
export class McpHttpEndpoint {
  readonly authenticator: McpAuthenticator;
  readonly originPolicy: RequestOriginPolicy;
  readonly protectedResource: ProtectedResource;
  readonly handler: McpRequestHandler;
  /** Null in stateless mode (MCP_STATELESS=true). */
  readonly sessions: McpSessionRegistry | null;
  readonly bodyLimitBytes: number;
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(
    platform: Platform,
    private readonly log: Logger,
  ) {
    const { config, context } = platform;
    this.authenticator = McpAuthenticator.fromConfig(context, config);
    this.originPolicy = new RequestOriginPolicy(config);
    this.protectedResource = new ProtectedResource(config);
    this.bodyLimitBytes = config.MCP_BODY_LIMIT_BYTES;
    // A stateless server ends with its POST, so a subscription could never deliver an update.
    const createServer = (caller: Parameters<typeof createMcpServer>[1]) =>
      createMcpServer(context, caller, { subscriptions: !config.MCP_STATELESS });

    if (config.MCP_STATELESS) {
      this.sessions = null;
      this.handler = new StatelessMcpHandler(createServer);
      return;
    }

    const store = new McpStreamStore(context.db);
    this.sessions = new McpSessionRegistry({
      maxSessions: config.MCP_MAX_SESSIONS,
      maxSessionsPerOrganization: config.MCP_MAX_SESSIONS_PER_ORGANIZATION,
      idleMs: config.MCP_SESSION_IDLE_SECONDS * 1000,
      store,
      log,
    });
    const eventWriter = new McpEventWriter(store, log);
    this.handler = new StatefulMcpHandler({
      createServer,
      sessions: this.sessions,
      store,
      eventWriter,
      log,
    });
    this.sessions.startSweeping();
    this.startPruning(store, config.MCP_EVENT_RETENTION_SECONDS, this.sessions);
  }

  async close(): Promise<void> {
    if (this.pruneTimer !== null) clearInterval(this.pruneTimer);
    await this.handler.close();
  }

  private startPruning(
    store: McpStreamStore,
    retentionSeconds: number,
    sessions: McpSessionRegistry,
  ): void {
    this.pruneTimer = setInterval(() => {
      store.prune(retentionSeconds, sessions.liveWindowSeconds).catch((err: unknown) => {
        this.log.warn({ err }, 'pruning stored MCP events failed');
      });
    }, PRUNE_INTERVAL_MS);
    this.pruneTimer.unref();
  }
}
