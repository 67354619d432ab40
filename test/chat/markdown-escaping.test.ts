import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateCleanRoomRequestSchema } from '../../src/domain/clean-rooms/clean-room.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { escapeMarkdown } from '../../src/domain/text/escape-markdown.ts';
import { createCleanRoom } from '../../src/services/clean-rooms/create-clean-room.ts';
import { getCleanRoomTool } from '../../src/interfaces/tools/get-clean-room.ts';
import { invokeTool } from '../../src/interfaces/tools/invoke-tool.ts';
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

  it.each(HOSTILE_NAMES)('describes room %s in get_clean_room as plain text', async (name) => {
    const outcome = await invokeTool(
      getCleanRoomTool,
      { cleanRoom: name },
      {
        services: test.platform.context,
        caller: advertiser,
        signal: new AbortController().signal,
        reportProgress: async () => {},
      },
    );

    expect(outcome.isError).toBe(false);
    expect(hostileElements(outcome.text)).toEqual(NONE);
  });
});
