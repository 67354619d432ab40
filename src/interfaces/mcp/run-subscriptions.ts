import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { RunEvent } from '../../adapters/pubsub/run-event-bus.ts';
import type { Caller } from '../../domain/organizations/caller.ts';
import type { RunStatus } from '../../domain/runs/question-run.ts';
import { getRun } from '../../services/runs/get-run.ts';
import type { ServiceContext } from '../../services/service-context.ts';
import { readResourceSafely } from './resource-errors.ts';

/** A run resource or its results resource; both change when the run's status does. */
const RUN_URI = /^cleanroom:\/\/runs\/([^/]+)(\/results)?$/;

/**
 * Lets the client subscribe to run resources (MCP resources/subscribe) and
 * sends notifications/resources/updated for a subscribed URI whenever its
 * run's status changes. Progress within RUNNING is not notified: start_run
 * reports it as progress notifications. Subscriptions end on
 * resources/unsubscribe and when the server closes.
 *
 * Updates for runs executed in another process arrive when REDIS_URL is set
 * (the Redis run event bus). Without it, or while Redis is down, only runs
 * executed in this process send updates.
 */
export function enableRunSubscriptions(
  server: McpServer,
  services: ServiceContext,
  caller: Caller,
): void {
  const subscriptions = new RunSubscriptions(server, services);
  server.server.registerCapabilities({ resources: { subscribe: true } });

  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const uri = request.params.uri;
    await readResourceSafely(services.log, uri, async () => {
      const run = await getRun(services, caller, runIdOf(uri));
      subscriptions.add(uri, run.id, run.status);
    });
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscriptions.remove(request.params.uri);
    return {};
  });

  const previousOnClose = server.server.onclose;
  server.server.onclose = () => {
    subscriptions.clear();
    previousOnClose?.();
  };
}

/**
 * Rejects resources/subscribe with an error for a server that cannot send
 * updates (MCP_STATELESS=true), which also does not advertise
 * `resources.subscribe`.
 */
export function rejectSubscriptions(server: McpServer): void {
  const reject = (): never => {
    throw new McpError(
      ErrorCode.MethodNotFound,
      'resources/subscribe is not available: this server is stateless (MCP_STATELESS=true) and cannot send resource updates; poll get_run or read the run resource instead.',
    );
  };
  server.server.setRequestHandler(SubscribeRequestSchema, reject);
  server.server.setRequestHandler(UnsubscribeRequestSchema, reject);
}

function runIdOf(uri: string): string {
  const runId = RUN_URI.exec(uri)?.[1];
  if (runId) return decodeURIComponent(runId);

  throw new McpError(
    ErrorCode.InvalidParams,
    `Cannot subscribe to ${uri}: only run resources (cleanroom://runs/{runId} and cleanroom://runs/{runId}/results) send updates.`,
  );
}

/** The subscribed URIs of one MCP session and the one event bus listener serving them. */
class RunSubscriptions {
  private readonly runIdByUri = new Map<string, string>();
  private readonly statusByRunId = new Map<string, RunStatus>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly services: ServiceContext,
  ) {}

  add(uri: string, runId: string, status: RunStatus): void {
    this.runIdByUri.set(uri, runId);
    if (!this.statusByRunId.has(runId)) this.statusByRunId.set(runId, status);
    this.unsubscribe ??= this.services.runEvents.subscribe((event) => this.onRunEvent(event));
  }

  remove(uri: string): void {
    const runId = this.runIdByUri.get(uri);
    this.runIdByUri.delete(uri);
    if (runId && ![...this.runIdByUri.values()].includes(runId)) this.statusByRunId.delete(runId);
    if (this.runIdByUri.size === 0) this.clear();
  }

  clear(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.runIdByUri.clear();
    this.statusByRunId.clear();
  }

  private onRunEvent(event: RunEvent): void {
    const known = this.statusByRunId.get(event.runId);
    if (known === undefined || known === event.status) return;

    this.statusByRunId.set(event.runId, event.status);
    for (const [uri, runId] of this.runIdByUri) {
      if (runId === event.runId) void this.notify(uri, event);
    }
  }

  private async notify(uri: string, event: RunEvent): Promise<void> {
    try {
      await this.server.server.sendResourceUpdated({ uri });
    } catch (err) {
      // A session that is closing misses the update; a client reads the run to catch up.
      this.services.log.warn({ err, uri, runId: event.runId }, 'resource update not sent');
    }
  }
}
