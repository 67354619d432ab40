import {
  McpError,
  ResourceUpdatedNotificationSchema,
  type ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CleanRoomEngine } from '../../src/adapters/engine/engine.ts';
import type { RunEventListener } from '../../src/adapters/pubsub/run-event-bus.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

const HOLIDAY_ROOM_NAME = 'Northwind x Daily Ledger Holiday Campaign';

/** Holds every engine run until released, so a test can subscribe before the run finishes. */
function holdRuns(engine: CleanRoomEngine) {
  const original = engine.runQuestion.bind(engine);
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  engine.runQuestion = async (input) => {
    await gate;
    return original(input);
  };
  return {
    release,
    restore: () => {
      engine.runQuestion = original;
    },
  };
}

function parseContents(result: ReadResourceResult): Record<string, unknown> {
  const [content] = result.contents;
  if (!content || !('text' in content)) throw new Error('the resource has no text content');
  return JSON.parse(content.text) as Record<string, unknown>;
}

async function readError(client: McpTestClient, uri: string): Promise<McpError> {
  const error = await client.client.readResource({ uri }).catch((caught: unknown) => caught);
  if (!(error instanceof McpError)) throw new Error(`reading ${uri} did not fail`);
  return error;
}

describe('MCP resources', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;
  let publisher: McpTestClient;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
    publisher = await connectMcpClient(test, test.keys.publisher);
  });

  afterAll(async () => {
    await advertiser?.close();
    await publisher?.close();
    await test?.close();
  });

  async function startRun(client: McpTestClient, waitSeconds = 0): Promise<string> {
    const { data } = await client.call('start_run', {
      cleanRoomId: 'CR-000001',
      questionId: 'segment_sizing',
      parameters: { attribute: 'region' },
      waitSeconds,
    });
    return (data.run as { id: string }).id;
  }

  it('lists the templates and the caller’s items', async () => {
    const runId = await startRun(advertiser, 30);

    const { resourceTemplates } = await advertiser.client.listResourceTemplates();
    const { resources } = await advertiser.client.listResources();
    const publisherResources = await publisher.client.listResources();

    expect(resourceTemplates.map((template) => template.uriTemplate).sort()).toEqual([
      'cleanroom://clean-rooms/{cleanRoomId}',
      'cleanroom://questions/{questionId}',
      'cleanroom://runs/{runId}',
      'cleanroom://runs/{runId}/results',
    ]);
    const uris = resources.map((resource) => resource.uri);
    expect(uris).toContain('cleanroom://clean-rooms/CR-000001');
    expect(uris).toContain('cleanroom://clean-rooms/CR-000002');
    expect(uris).toContain('cleanroom://questions/CRQ-000001');
    expect(uris).toContain(`cleanroom://runs/${runId}`);
    expect(uris).toContain(`cleanroom://runs/${runId}/results`);
    expect(publisherResources.resources.map((resource) => resource.uri)).not.toContain(
      'cleanroom://clean-rooms/CR-000002',
    );
  });

  it('reads a clean room by display id or by name', async () => {
    const byId = await advertiser.client.readResource({ uri: 'cleanroom://clean-rooms/CR-000001' });
    const byName = await advertiser.client.readResource({
      uri: `cleanroom://clean-rooms/${encodeURIComponent(HOLIDAY_ROOM_NAME)}`,
    });

    expect(byId.contents[0]?.mimeType).toBe('application/json');
    expect(parseContents(byId)).toMatchObject({ displayId: 'CR-000001', name: HOLIDAY_ROOM_NAME });
    expect(parseContents(byName)).toEqual(parseContents(byId));
  });

  it('reads a question, a run and its results', async () => {
    const runId = await startRun(advertiser, 30);

    const question = await advertiser.client.readResource({
      uri: 'cleanroom://questions/segment_sizing',
    });
    const run = await advertiser.client.readResource({ uri: `cleanroom://runs/${runId}` });
    const results = await advertiser.client.readResource({
      uri: `cleanroom://runs/${runId}/results`,
    });

    expect(parseContents(question)).toMatchObject({ template: 'segment_sizing' });
    expect(parseContents(run)).toMatchObject({ id: runId, status: 'COMPLETED' });
    expect(parseContents(results)).toMatchObject({ runId, offset: 0 });
  });

  it("reports another organization's clean room as not found", async () => {
    const error = await readError(publisher, 'cleanroom://clean-rooms/CR-000002');

    expect(error.code).toBe(-32002);
    expect(error.message).toContain('not found');
    expect(error.message).toMatch(/^MCP error -32002: CLEAN_ROOM_NOT_FOUND/);
    expect(error.message).toContain('list_clean_rooms');
  });

  it('completes clean room names and display ids of the caller only', async () => {
    const ref = { type: 'ref/resource' as const, uri: 'cleanroom://clean-rooms/{cleanRoomId}' };

    const names = await advertiser.client.complete({
      ref,
      argument: { name: 'cleanRoomId', value: 'north' },
    });
    const ids = await advertiser.client.complete({
      ref,
      argument: { name: 'cleanRoomId', value: 'CR-' },
    });
    const foreign = await publisher.client.complete({
      ref,
      argument: { name: 'cleanRoomId', value: 'Cornerstone' },
    });

    expect(names.completion.values).toEqual([HOLIDAY_ROOM_NAME]);
    expect(ids.completion.values).toEqual(expect.arrayContaining(['CR-000001', 'CR-000002']));
    expect(foreign.completion.values).toEqual([]);
  });

  it('completes question ids and recent run ids', async () => {
    const runId = await startRun(advertiser);

    const questions = await advertiser.client.complete({
      ref: { type: 'ref/resource', uri: 'cleanroom://questions/{questionId}' },
      argument: { name: 'questionId', value: 'reach' },
    });
    const runs = await advertiser.client.complete({
      ref: { type: 'ref/resource', uri: 'cleanroom://runs/{runId}' },
      argument: { name: 'runId', value: runId.slice(0, 8) },
    });

    expect(questions.completion.values).toEqual(['reach_frequency']);
    expect(runs.completion.values).toEqual([runId]);
  });

  describe('subscriptions', () => {
    it('notifies a subscriber when its run’s status changes', async () => {
      const heldRuns = holdRuns(test.platform.context.engine);
      const updates: string[] = [];
      advertiser.client.setNotificationHandler(
        ResourceUpdatedNotificationSchema,
        (notification) => {
          updates.push(notification.params.uri);
        },
      );
      try {
        const runId = await startRun(advertiser);
        const uri = `cleanroom://runs/${runId}`;
        await advertiser.client.subscribeResource({ uri });
        heldRuns.release();

        await vi.waitFor(
          async () => {
            const run = parseContents(await advertiser.client.readResource({ uri }));
            expect(run.status).toBe('COMPLETED');
          },
          { timeout: 30_000, interval: 50 },
        );
        await vi.waitFor(() =>
          expect(updates.filter((updated) => updated === uri).length).toBeGreaterThan(0),
        );
        expect(updates.every((updated) => updated === uri)).toBe(true);
      } finally {
        heldRuns.restore();
        heldRuns.release();
      }
    });

    it('stops notifying after unsubscribe', async () => {
      const heldRuns = holdRuns(test.platform.context.engine);
      const updates: string[] = [];
      advertiser.client.setNotificationHandler(
        ResourceUpdatedNotificationSchema,
        (notification) => {
          updates.push(notification.params.uri);
        },
      );
      try {
        const runId = await startRun(advertiser);
        const uri = `cleanroom://runs/${runId}`;
        await advertiser.client.subscribeResource({ uri });
        await advertiser.client.unsubscribeResource({ uri });
        heldRuns.release();

        const finished = await advertiser.call('start_run', {
          cleanRoomId: 'CR-000001',
          questionId: 'segment_sizing',
          parameters: { attribute: 'region' },
          waitSeconds: 30,
        });
        expect(finished.data.finished).toBe(true);
        await vi.waitFor(async () => {
          const run = parseContents(await advertiser.client.readResource({ uri }));
          expect(run.status).toBe('COMPLETED');
        });
        expect(updates).toEqual([]);
      } finally {
        heldRuns.restore();
        heldRuns.release();
      }
    });

    it('rejects a run of another organization and other resources', async () => {
      const runId = await startRun(advertiser, 30);
      const retailer = await connectMcpClient(test, test.keys.retailer);
      try {
        const foreign = await retailer.client
          .subscribeResource({ uri: `cleanroom://runs/${runId}` })
          .catch((caught: unknown) => caught);
        const room = await advertiser.client
          .subscribeResource({ uri: 'cleanroom://clean-rooms/CR-000001' })
          .catch((caught: unknown) => caught);

        expect(foreign).toBeInstanceOf(McpError);
        expect((foreign as McpError).code).toBe(-32002);
        expect(room).toBeInstanceOf(McpError);
        expect((room as McpError).message).toContain('only run resources');
      } finally {
        await retailer.close();
      }
    });

    it('drops its run event listener when the server closes', async () => {
      const bus = test.platform.context.runEvents;
      const subscribe = bus.subscribe.bind(bus);
      let active = 0;
      bus.subscribe = (listener: RunEventListener) => {
        const unsubscribe = subscribe(listener);
        active++;
        return () => {
          active--;
          unsubscribe();
        };
      };
      try {
        const client = await connectMcpClient(test, test.keys.advertiser);
        const runId = await startRun(client, 30);
        await client.client.subscribeResource({ uri: `cleanroom://runs/${runId}` });
        expect(active).toBe(1);

        await client.close();

        expect(active).toBe(0);
      } finally {
        bus.subscribe = subscribe;
      }
    });
  });
});
