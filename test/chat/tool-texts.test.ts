import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { escapeMarkdown } from '../../src/domain/text/escape-markdown.ts';
import { invokeTool, type ToolOutcome } from '../../src/interfaces/tools/invoke-tool.ts';
import { listCleanRoomsTool } from '../../src/interfaces/tools/list-clean-rooms.ts';
import { listDatasetsTool } from '../../src/interfaces/tools/list-datasets.ts';
import { listPartnersTool } from '../../src/interfaces/tools/list-partners.ts';
import { listQuestionsTool } from '../../src/interfaces/tools/list-questions.ts';
import { listRunsTool } from '../../src/interfaces/tools/list-runs.ts';
import { startRunTool } from '../../src/interfaces/tools/start-run.ts';
import type { ToolDefinition } from '../../src/interfaces/tools/tool-definition.ts';
import { findRoom, type CleanRoomView } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { callerFor } from './support/chat-test-kit.ts';

type Success = Extract<ToolOutcome, { isError: false }>;

/** The texts of tools that MCP clients and the chat assistant show people. */
describe('tool texts', () => {
  let test: TestPlatform;
  let advertiser: Caller;
  let room: CleanRoomView;

  async function call(tool: ToolDefinition, input: Record<string, unknown>): Promise<Success> {
    const outcome = await invokeTool(tool, tool.inputSchema.parse(input), {
      services: test.platform.context,
      caller: advertiser,
      signal: new AbortController().signal,
      reportProgress: async () => {},
    });
    if (outcome.isError) throw new Error(`${tool.name} failed: ${outcome.text}`);
    return outcome;
  }

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
    advertiser = await callerFor(test, test.keys.advertiser);
    room = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await test?.close();
  });

  const label = () => `${escapeMarkdown(room.name)} (${room.displayId})`;

  it('names the room of each run', async () => {
    await call(startRunTool, {
      cleanRoomId: room.id,
      questionId: 'audience_overlap',
      parameters: { attribute: 'age_band' },
      idempotencyKey: 'tool-texts-run',
    });

    const runs = await call(listRunsTool, {});

    const items = runs.structuredContent.items as { cleanRoomId: string }[];
    expect(items.map((item) => item.cleanRoomId)).toContain(room.id);
    expect(runs.text).toContain(room.displayId);
    expect(runs.text).toContain(escapeMarkdown(room.name));
    expect(runs.text).not.toContain(room.id);
  });

  it.each([
    ['list_partners', listPartnersTool, ' in '],
    ['list_questions', listQuestionsTool, ' in '],
    ['list_datasets', listDatasetsTool, ' attached to '],
  ] as const)('%s heads its list with the room name', async (_name, tool, preposition) => {
    const listed = await call(tool, { cleanRoomId: room.id });

    expect(listed.text.split('\n')[0]).toMatch(/^\d+ \w+/);
    expect(listed.text.split('\n')[0]?.endsWith(`${preposition}${label()}:`)).toBe(true);
    expect(listed.text).not.toContain(room.id);
    expect(listed.structuredContent.cleanRoomId).toBe(room.id);
  });

  it('lists clean rooms without their UUIDs in the text', async () => {
    const rooms = await call(listCleanRoomsTool, {});

    const items = rooms.structuredContent.items as { id: string; displayId: string }[];
    expect(items.map((item) => item.id)).toContain(room.id);
    for (const item of items) {
      expect(rooms.text).toContain(item.displayId);
      expect(rooms.text).not.toContain(item.id);
    }
  });
});
