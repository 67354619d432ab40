import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LoggingMessageNotificationSchema,
  type LoggingMessageNotification,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectClient,
  startMcpTestServer,
  type McpTestServer,
} from './support/mcp-test-server.ts';

const overlapRun = {
  name: 'start_run',
  arguments: {
    cleanRoomId: 'CR-000001',
    questionId: 'audience_overlap',
    parameters: { attribute: 'age_band' },
    waitSeconds: 0,
  },
};

/** Polls get_run until the run has ended, for at most 30 s. */
async function waitForRunEnd(client: Client, runId: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt += 1) {
    const result = await client.callTool({ name: 'get_run', arguments: { runId } });
    const status = (result.structuredContent as { run: { status: string } }).run.status;
    if (['COMPLETED', 'FAILED', 'CANCELLED'].includes(status)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`run ${runId} did not end within 30 s`);
}

describe('MCP log messages about runs', () => {
  let server: McpTestServer;

  beforeAll(async () => {
    server = await startMcpTestServer();
    await server.platform.platform.startWorker();
  });

  afterAll(async () => {
    await server?.close();
  });

  /** Starts a run without waiting and collects the session's log messages until it completes. */
  async function startRunAndCollect(level?: 'info' | 'warning') {
    const { client } = await connectClient(server.url, server.platform.keys.advertiser);
    const messages: LoggingMessageNotification['params'][] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      messages.push(notification.params);
    });
    try {
      if (level !== undefined) await client.setLoggingLevel(level);
      const started = await client.callTool(overlapRun);
      const runId = (started.structuredContent as { run: { id: string } }).run.id;
      await waitForRunEnd(client, runId);
      // The log message of the last change travels on the GET stream, apart from get_run's response.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { runId, messages };
    } finally {
      await client.close();
    }
  }

  it('sends each status change of a started run at info', async () => {
    const { runId, messages } = await startRunAndCollect();

    expect(messages.at(-1)).toMatchObject({
      level: 'info',
      logger: 'runs',
      data: { runId, status: 'COMPLETED', progress: 100 },
    });
    expect(messages.every((message) => message.logger === 'runs')).toBe(true);
  });

  it('sends none below the level the client set', async () => {
    const { messages } = await startRunAndCollect('warning');

    expect(messages).toEqual([]);
  });
});
