import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

const HOLIDAY_ROOM_NAME = 'Northwind x Daily Ledger Holiday Campaign';

function promptText(messages: { content: { type: string; text?: string } }[]): string {
  return messages.map((message) => message.content.text ?? '').join('\n');
}

describe('MCP prompts', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await advertiser?.close();
    await test?.close();
  });

  it('lists the workflow prompts with their arguments', async () => {
    const { prompts } = await advertiser.client.listPrompts();

    expect(prompts.map((prompt) => prompt.name)).toEqual([
      'audience_overlap_with_partner',
      'campaign_reach_and_frequency',
      'campaign_attribution',
      'explain_privacy_settings',
    ]);
    const overlap = prompts[0]!;
    expect(overlap.arguments?.map((argument) => [argument.name, argument.required])).toEqual([
      ['cleanRoom', true],
      ['partner', false],
      ['attribute', false],
      ['dateStart', false],
      ['dateEnd', false],
    ]);
  });

  it('writes the overlap workflow for the named room, partner and attribute', async () => {
    const { messages } = await advertiser.client.getPrompt({
      name: 'audience_overlap_with_partner',
      arguments: {
        cleanRoom: HOLIDAY_ROOM_NAME,
        partner: 'Daily Ledger Media',
        attribute: 'age_band',
      },
    });

    const text = promptText(messages);
    expect(messages[0]?.role).toBe('user');
    expect(text).toContain('CR-000001');
    expect(text).toContain('crowd size 50');
    expect(text).toContain('Daily Ledger Media');
    expect(text).toContain('"attribute":"age_band"');
    expect(text.indexOf('preview_run')).toBeLessThan(text.indexOf('start_run'));
  });

  it('passes dates and campaigns to reach and frequency', async () => {
    const { messages } = await advertiser.client.getPrompt({
      name: 'campaign_reach_and_frequency',
      arguments: {
        cleanRoom: 'CR-000001',
        dateStart: '2026-11-01',
        dateEnd: '2026-11-30',
        campaignIds: 'CMP-001, CMP-002',
      },
    });

    expect(promptText(messages)).toContain(
      '{"date_start":"2026-11-01","date_end":"2026-11-30","campaign_ids":["CMP-001","CMP-002"]}',
    );
  });

  it("explains the room's actual privacy settings", async () => {
    const { messages } = await advertiser.client.getPrompt({
      name: 'explain_privacy_settings',
      arguments: { cleanRoom: 'cr-000001' },
    });

    const text = promptText(messages);
    expect(text).toContain('Crowd size (k-min) 50');
    expect(text).toContain('Noise disabled');
  });

  it('rejects an unknown room and a malformed date', async () => {
    const unknown = await advertiser.client
      .getPrompt({ name: 'explain_privacy_settings', arguments: { cleanRoom: 'Nowhere' } })
      .catch((caught: unknown) => caught);
    const badDate = await advertiser.client
      .getPrompt({
        name: 'campaign_attribution',
        arguments: { cleanRoom: 'CR-000001', dateStart: 'November', dateEnd: '2026-11-30' },
      })
      .catch((caught: unknown) => caught);

    expect(unknown).toBeInstanceOf(McpError);
    expect((unknown as McpError).message).toContain('CLEAN_ROOM_NOT_FOUND');
    expect(badDate).toBeInstanceOf(McpError);
    expect((badDate as McpError).message).toContain('dateStart');
  });

  it('rejects a partner outside the room', async () => {
    const error = await advertiser.client
      .getPrompt({
        name: 'audience_overlap_with_partner',
        arguments: { cleanRoom: 'CR-000001', partner: 'Cornerstone Market' },
      })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(McpError);
    const message = (error as McpError).message;
    expect((error as McpError).code).toBe(-32602);
    expect(message).toContain('"Cornerstone Market" is not a partner of clean room CR-000001');
    expect(message).toContain('its partners are Daily Ledger Media');
  });

  it('matches a partner name ignoring case', async () => {
    const { messages } = await advertiser.client.getPrompt({
      name: 'audience_overlap_with_partner',
      arguments: { cleanRoom: 'CR-000001', partner: 'daily ledger MEDIA' },
    });

    expect(promptText(messages)).toContain('Daily Ledger Media');
    expect(promptText(messages)).not.toContain('daily ledger MEDIA');
  });

  it('reports an unknown room once, with the tool to list rooms', async () => {
    const error = await advertiser.client
      .getPrompt({ name: 'explain_privacy_settings', arguments: { cleanRoom: 'CR-999999' } })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(McpError);
    const message = (error as McpError).message;
    expect(message).toMatch(/^MCP error -32602: CLEAN_ROOM_NOT_FOUND/);
    expect(message).toContain('list_clean_rooms');
    expect(message).not.toContain('GET /api/v1');
  });

  it('rejects an unknown attribution model', async () => {
    const error = await advertiser.client
      .getPrompt({
        name: 'campaign_attribution',
        arguments: {
          cleanRoom: 'CR-000001',
          dateStart: '2026-11-01',
          dateEnd: '2026-11-30',
          model: 'bogus',
        },
      })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).message).toContain('must be one of first_touch, last_touch, linear');
    expect((error as McpError).message).toContain('model');
  });

  it('rejects an unknown logging level with the valid levels', async () => {
    const error = await advertiser.client
      .setLoggingLevel('loud' as 'info')
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toContain('"loud"');
    expect((error as McpError).message).toContain('debug, info, notice');
  });

  it('completes rooms, partners and attributes from the chosen room', async () => {
    const ref = { type: 'ref/prompt' as const, name: 'audience_overlap_with_partner' };

    const rooms = await advertiser.client.complete({
      ref,
      argument: { name: 'cleanRoom', value: 'North' },
    });
    const partners = await advertiser.client.complete({
      ref,
      argument: { name: 'partner', value: '' },
      context: { arguments: { cleanRoom: HOLIDAY_ROOM_NAME } },
    });
    const attributes = await advertiser.client.complete({
      ref,
      argument: { name: 'attribute', value: 'a' },
      context: { arguments: { cleanRoom: 'CR-000001' } },
    });
    const models = await advertiser.client.complete({
      ref: { type: 'ref/prompt', name: 'campaign_attribution' },
      argument: { name: 'model', value: 'l' },
    });

    expect(rooms.completion.values).toEqual([HOLIDAY_ROOM_NAME]);
    expect(partners.completion.values).toEqual(['Daily Ledger Media']);
    expect(attributes.completion.values).toEqual(['age_band', 'subscribed_at']);
    expect(models.completion.values).toEqual(['last_touch', 'linear']);
  });
});
