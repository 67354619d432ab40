import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCleanRoomRequestSchema } from '../../src/domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { escapeMarkdown } from '../../src/domain/text/escape-markdown.ts';
import { createCleanRoom } from '../../src/services/clean-rooms/create-clean-room.ts';
import { getCleanRoomTool } from '../../src/interfaces/tools/get-clean-room.ts';
import { invokeTool } from '../../src/interfaces/tools/invoke-tool.ts';
import {
  createChatTools,
  toMarkdownOutcome,
  type ChatToolOutput,
} from '../../src/services/chat/chat-tools.ts';
import { RepeatedCallGuard } from '../../src/services/chat/repeated-call-guard.ts';
import { ToolExecutions } from '../../src/services/chat/tool-executions.ts';
import { listPartnersTool } from '../../src/interfaces/tools/list-partners.ts';
import type { ToolDefinition } from '../../src/interfaces/tools/tool-definition.ts';
import { toolErrorAnswer } from '../../src/adapters/llm/offline/offline-action.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { ask, callerFor, textOf, useChatRuntime } from './support/chat-test-kit.ts';

/** Room names a partner used to put links, images and markup into other organizations' answers. */
const HOSTILE_NAMES = [
  'Q4 [Verify your account](https://evil.example/login) ![t](https://evil.example/p.png)',
  '<img src=x onerror=alert(1)> www.evil.example',
  '**bold** [evil](javascript:alert(4)) | _x_',
];

/** Counts the elements markdown would create from hostile data. */
function hostileElements(markdown: string) {
  const html = marked.parse(markdown, { async: false });
  return {
    links: (html.match(/<a[\s>]/g) ?? []).length,
    images: (html.match(/<img[\s>]/g) ?? []).length,
    bold: (html.match(/<strong>/g) ?? []).length,
    emphasis: (html.match(/<em>/g) ?? []).length,
  };
}

const NONE = { links: 0, images: 0, bold: 0, emphasis: 0 };

/** Returns the text a reader sees once markdown is rendered, with tags dropped and entities decoded. */
function renderedText(markdown: string): string {
  return marked
    .parse(markdown, { async: false })
    .replace(/<[^>]*>/g, '')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&')
    .trim();
}

describe('escapeMarkdown', () => {
  it.each(HOSTILE_NAMES)('renders %s as plain text', (name) => {
    const html = marked.parse(`Room ${escapeMarkdown(name)}`, { async: false });

    expect(hostileElements(`Room ${escapeMarkdown(name)}`)).toEqual(NONE);
    expect(html).not.toContain('<img');
  });

  it('keeps a value with a pipe in one table cell', () => {
    const table = `a | b\n--- | ---\n${escapeMarkdown('x | y')} | z`;
    const html = marked.parse(table, { async: false });

    expect((html.match(/<td>/g) ?? []).length).toBe(2);
    expect(html).toContain('<td>x | y</td>');
  });

  it('keeps underscores inside identifiers', () => {
    expect(escapeMarkdown('age_band _x_')).toBe('age_band \\_x\\_');
  });

  it('collapses line breaks', () => {
    expect(escapeMarkdown('one\ntwo\r\nthree')).toBe('one two three');
  });
});

describe('chat answers with hostile data values', () => {
  let test: TestPlatform;
  let advertiser: Caller;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small' });
    useChatRuntime(test);
    advertiser = await callerFor(test, test.keys.advertiser);
    for (const name of HOSTILE_NAMES)
      await createCleanRoom(
        test.platform.context,
        advertiser,
        CreateCleanRoomRequestSchema.parse({ name }),
      );
    await test.platform.context.db.query(
      `UPDATE organizations SET name = $1 || ' ' || id WHERE id <> $2`,
      [HOSTILE_NAMES[0], advertiser.organizationId],
    );
  });

  afterAll(async () => {
    await test?.close();
  });

  it('lists rooms without links, images or bold text', async () => {
    const text = textOf(await ask(test.platform.context, advertiser, 'List my clean rooms'));

    expect(text).toContain('Verify your account');
    expect(hostileElements(text)).toEqual(NONE);
  });

  it('lists partners without links or images', async () => {
    const text = textOf(
      await ask(test.platform.context, advertiser, 'who are the partners in CR-000001?'),
    );

    expect(text).toContain('Verify your account');
    expect(hostileElements(text)).toEqual(NONE);
  });

  function call(tool: ToolDefinition, input: Record<string, unknown>) {
    return invokeTool(tool, input, {
      services: test.platform.context,
      caller: advertiser,
      signal: new AbortController().signal,
      reportProgress: async () => {},
    });
  }

  it.each(HOSTILE_NAMES)('describes room %s in get_clean_room as plain text', async (name) => {
    const outcome = await call(getCleanRoomTool, { cleanRoom: name });

    expect(outcome.isError).toBe(false);
    expect(hostileElements(outcome.text)).toEqual(NONE);
  });

  describe('tool errors', () => {
    /** Calls a tool as the chat does: invokeTool, then the chat's markdown escaping of error texts. */
    async function chatCall(tool: ToolDefinition, input: Record<string, unknown>) {
      return toMarkdownOutcome(await call(tool, input));
    }

    it.each(HOSTILE_NAMES)('quotes the unknown room %s as typed', async (name) => {
      const reference = `${name} (gone)`;
      const outcome = await chatCall(getCleanRoomTool, { cleanRoom: reference });

      expect(outcome.isError).toBe(true);
      expect(outcome.text).toContain('CLEAN_ROOM_NOT_FOUND');
      expect(hostileElements(outcome.text)).toEqual(NONE);
      expect(renderedText(outcome.text)).toContain(`"${reference}"`);
    });

    it('names similar rooms as plain text', async () => {
      const outcome = await chatCall(getCleanRoomTool, { cleanRoom: 'Verify' });

      expect(outcome.isError).toBe(true);
      expect(hostileElements(outcome.text)).toEqual(NONE);
      expect(renderedText(outcome.text)).toContain(HOSTILE_NAMES[0]);
    });

    it('lists same-named rooms as plain text', async () => {
      const name = 'Twin **room** [open](javascript:alert(2))';
      for (let copy = 0; copy < 2; copy += 1)
        await createCleanRoom(
          test.platform.context,
          advertiser,
          CreateCleanRoomRequestSchema.parse({ name }),
        );

      const outcome = await chatCall(listPartnersTool, { cleanRoomId: name });

      expect(outcome.isError).toBe(true);
      expect(outcome.text).toContain('CLEAN_ROOM_AMBIGUOUS');
      expect(hostileElements(outcome.text)).toEqual(NONE);
      expect(renderedText(outcome.text).split(name)).toHaveLength(4);
    });

    it('escapes the error result of a chat tool call', async () => {
      const reference = '**x** [a](javascript:alert(5))';
      const tools = createChatTools({
        services: test.platform.context,
        caller: advertiser,
        guard: new RepeatedCallGuard(),
        executions: new ToolExecutions(),
      });

      const stream = tools.get_clean_room!.execute!(
        { cleanRoom: reference },
        { toolCallId: 'call-escape', messages: [] },
      ) as AsyncIterable<ChatToolOutput>;
      const outputs: ChatToolOutput[] = [];
      for await (const output of stream) outputs.push(output);
      const last = outputs.at(-1);

      expect(last?.kind).toBe('outcome');
      const outcome = (last as Extract<ChatToolOutput, { kind: 'outcome' }>).outcome;
      expect(outcome.isError).toBe(true);
      expect(outcome.text).toContain('\\*\\*x\\*\\*');
      expect(hostileElements(outcome.text)).toEqual(NONE);
      expect(renderedText(outcome.text)).toContain(`"${reference}"`);
    });

    it('reaches offline answers escaped once', async () => {
      const reference = '**x** [a](javascript:alert(3))';
      const outcome = await chatCall(getCleanRoomTool, { cleanRoom: reference });

      const action = toolErrorAnswer({
        toolName: 'get_clean_room',
        input: { cleanRoom: reference },
        isError: true,
        text: outcome.text,
        data: null,
      });

      expect(hostileElements(action.text)).toEqual(NONE);
      expect(renderedText(action.text)).toContain(`"${reference}"`);
      expect(renderedText(action.text)).not.toContain('\\');
    });
  });
});
