import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import type { RunEvent } from '../../adapters/pubsub/run-event-bus.ts';
import { TERMINAL_RUN_STATUSES, type RunStatus } from '../../domain/runs/question-run.ts';
import type { ServiceContext } from '../../services/service-context.ts';

/** Name of the MCP logger that run messages come from (`params.logger`). */
const RUN_LOGGER = 'runs';

/**
 * Sends an MCP log message (notifications/message) each time a run that
 * this session started with start_run changes status: `info` for QUEUED,
 * RUNNING and COMPLETED, `warning` for FAILED and CANCELLED. The SDK drops
 * messages below the level the client set with logging/setLevel. A run is
 * followed from start_run's response until it ends or the session closes,
 * so a run that ended within start_run's wait sends none.
 *
 * Status changes of runs executed in another process arrive only with
 * REDIS_URL set, as for resource subscriptions.
 */
export class RunLogMessages {
  private readonly statusByRunId = new Map<string, RunStatus>();
  private unsubscribe: (() => void) | undefined;

  constructor(
    private readonly server: McpServer,
    private readonly services: ServiceContext,
  ) {
    const previousOnClose = server.server.onclose;
    server.server.onclose = () => {
      this.clear();
      previousOnClose?.();
    };
  }

  /** Follows `runId` from its current status on, unless it has ended. */
  follow(runId: string, status: RunStatus): void {
    if (TERMINAL_RUN_STATUSES.includes(status)) return;

    this.statusByRunId.set(runId, status);
    this.unsubscribe ??= this.services.runEvents.subscribe((event) => this.onRunEvent(event));
  }

  private onRunEvent(event: RunEvent): void {
    const known = this.statusByRunId.get(event.runId);
    if (known === undefined || known === event.status) return;

    if (TERMINAL_RUN_STATUSES.includes(event.status)) this.statusByRunId.delete(event.runId);
    else this.statusByRunId.set(event.runId, event.status);
    if (this.statusByRunId.size === 0) this.clear();
    void this.send(event);
  }

  private async send(event: RunEvent): Promise<void> {
    const level: LoggingLevel =
      event.status === 'FAILED' || event.status === 'CANCELLED' ? 'warning' : 'info';
    const message = `Run ${event.runId} is ${event.status}, ${event.progress}% done.`;
    try {
      await this.server.server.sendLoggingMessage(
        {
          level,
          logger: RUN_LOGGER,
          data: { message, runId: event.runId, status: event.status, progress: event.progress },
        },
        this.server.server.transport?.sessionId,
      );
    } catch (err) {
      // A session that is closing misses the message; get_run reports the same status.
      this.services.log.warn({ err, runId: event.runId }, 'run log message not sent');
    }
  }

  private clear(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.statusByRunId.clear();
  }
}
