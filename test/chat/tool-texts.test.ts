import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CreateCleanRoomRequestSchema,
  type CleanRoom,
} from '../../src/domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { escapeMarkdown } from '../../src/domain/text/escape-markdown.ts';
import { createCleanRoom } from '../../src/services/clean-rooms/create-clean-room.ts';
import { getCleanRoomTool } from '../../src/interfaces/tools/get-clean-room.ts';
import { getQuestionTool } from '../../src/interfaces/tools/get-question.ts';
import { invokeTool, type ToolOutcome } from '../../src/interfaces/tools/invoke-tool.ts';
import { listCleanRoomsTool } from '../../src/interfaces/tools/list-clean-rooms.ts';
import { listDatasetsTool } from '../../src/interfaces/tools/list-datasets.ts';
import { listPartnersTool } from '../../src/interfaces/tools/list-partners.ts';
import { listQuestionsTool } from '../../src/interfaces/tools/list-questions.ts';
import { listRunsTool } from '../../src/interfaces/tools/list-runs.ts';
import { previewRunTool } from '../../src/interfaces/tools/preview-run.ts';
import { startRunTool } from '../../src/interfaces/tools/start-run.ts';
import type { ToolDefinition } from '../../src/interfaces/tools/tool-definition.ts';
import { findRoom, type CleanRoomView } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { callerFor } from './support/chat-test-kit.ts';

type Success = Extract<ToolOutcome, { isError: false }>;

/** Renders a tool text as MCP clients and the web app do. */
function toHtml(markdown: string): string {
  return marked.parse(markdown, { async: false });
}

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

  describe('counts', () => {
    let soloRoom: CleanRoom;

    beforeAll(async () => {
      // A new room has its owner as its only partner.
      soloRoom = await createCleanRoom(
        test.platform.context,
        advertiser,
        CreateCleanRoomRequestSchema.parse({
          name: 'Tool texts solo room',
          description: 'Solo **room**: [verify your account](https://evil.example/login)',
        }),
      );
    });

    it('get_clean_room counts one partner in the singular', async () => {
      const { text } = await call(getCleanRoomTool, { cleanRoom: soloRoom.displayId });

      expect(text).toContain('; 1 partner.');
      expect(text).not.toContain('1 partners');
    });

    it('get_clean_room shows the description as plain text', async () => {
      const { text } = await call(getCleanRoomTool, { cleanRoom: soloRoom.displayId });
      const html = toHtml(text);

      expect(html).toContain('Solo **room**: [verify your account](https://evil.example/login)');
      expect(html).not.toContain('<a');
      expect(html).not.toContain('<strong>');
    });

    it('get_clean_room counts several partners in the plural', async () => {
      const { text } = await call(getCleanRoomTool, { cleanRoom: room.displayId });

      expect(text).toMatch(/; [2-9] partners\./);
      expect(text).toContain('fewer than 50 people');
    });

    it('list_partners counts one partner in the singular', async () => {
      const { text } = await call(listPartnersTool, { cleanRoomId: soloRoom.displayId });

      expect(text.split('\n')[0]).toBe(
        `1 partner in ${escapeMarkdown(soloRoom.name)} (${soloRoom.displayId}):`,
      );
    });

    it('list_clean_rooms counts one room in the singular', async () => {
      const { text } = await call(listCleanRoomsTool, { limit: 1 });

      expect(text.split('\n')[0]).toBe('1 clean room:');
    });
  });

  describe('markdown blocks', () => {
    it('keeps the next-page hint out of the table', async () => {
      const { text } = await call(listCleanRoomsTool, { limit: 1 });
      const html = toHtml(text);

      expect(html).toContain('<p>More rooms exist');
      expect(html).not.toMatch(/<td>More rooms/);
      expect((html.match(/<tr>/g) ?? []).length).toBe(2);
    });

    it('get_clean_room gives each fact its own paragraph', async () => {
      const { text } = await call(getCleanRoomTool, { cleanRoom: room.displayId });
      const html = toHtml(text);

      for (const start of ['Owner: ', 'Status ', 'Privacy: '])
        expect(html).toContain(`<p>${start}`);
    });

    it('get_question ends the parameter list before the output columns', async () => {
      const { text } = await call(getQuestionTool, {
        questionId: 'audience_overlap',
        cleanRoomId: room.id,
      });
      const html = toHtml(text);

      expect(html).toContain('<p>Output columns: ');
      expect(html).toMatch(/<p>Datasets:<\/p>\s*<ul>/);
      expect(html).toMatch(/<li>@[a-z_]+: /);
    });

    it('preview_run gives each estimate its own paragraph', async () => {
      const { text } = await call(previewRunTool, {
        cleanRoomId: room.id,
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
      });
      const html = toHtml(text);

      for (const start of ['Parameters: ', 'Crowd size ', 'May pass: ', 'Will be suppressed: '])
        expect(html).toContain(`<p>${start}`);
    });
  });
});
