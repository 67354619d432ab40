import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRoom, sendJson, type CleanRoomView } from '../support/api-helpers.ts';
import { DEMO_END_DATE, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

const LONE_SURROGATE = '\ud800';
const SURROGATE_TEXT = 'contains an unpaired UTF-16 surrogate; send valid Unicode text';

describe('MCP tool arguments', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;
  let holidayRoom: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'pglite', startWorker: false });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
    holidayRoom = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await advertiser?.close();
    await test?.close();
  });

  describe('error texts', () => {
    it('quotes similar room names unescaped', async () => {
      const created = await sendJson(test.app, test.keys.advertiser, 'POST', '/api/v1/cleanrooms', {
        name: 'Q1_promo @ Acme',
      });
      expect(created.status).toBe(201);

      const missing = await advertiser.call('list_partners', { cleanRoomId: 'Q1 promo' });
      const retried = await advertiser.call('list_partners', { cleanRoomId: 'Q1_promo @ Acme' });

      expect(missing.result.isError).toBe(true);
      expect(missing.text).toContain('"Q1_promo @ Acme"');
      expect(missing.text).not.toContain('\\');
      expect(retried.result.isError).toBeFalsy();
    });

    it('tells how to list runs for an unknown run', async () => {
      const { result, text } = await advertiser.call('get_run', { runId: 'no-such-run' });

      expect(result.isError).toBe(true);
      expect(text).toContain('RUN_NOT_FOUND');
      expect(text).toContain('call list_runs to see your runs');
      expect(text).not.toContain('/api/v1');
    });

    it('tells how to attach a missing dataset', async () => {
      const created = await sendJson<{ displayId: string }>(
        test.app,
        test.keys.advertiser,
        'POST',
        '/api/v1/cleanrooms',
        { name: 'Empty room for attach hints' },
      );
      const room = created.body.displayId;

      const { result, text } = await advertiser.call('preview_run', {
        cleanRoomId: room,
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('DATASET_UNSUITABLE');
      expect(text).toContain(`PUT /api/v1/cleanrooms/${room}/datasets/{datasetId}`);
      expect(text).toContain(`import-csv <file> --attach-to ${room}`);
      expect(text).toContain('no MCP tool attaches datasets');
    });
  });

  describe('unpaired surrogates', () => {
    it('rejects one in a text argument', async () => {
      const search = await advertiser.call('list_clean_rooms', { search: LONE_SURROGATE });
      const question = await advertiser.call('get_question', {
        questionId: `a${LONE_SURROGATE}`,
      });

      expect(search.result.isError).toBe(true);
      expect(search.text).toContain('VALIDATION_FAILED');
      expect(search.text).toContain(`${SURROGATE_TEXT} at search`);
      expect(question.result.isError).toBe(true);
      expect(question.text).toContain(`${SURROGATE_TEXT} at questionId`);
    });

    it('rejects one inside a question parameter', async () => {
      const { result, text } = await advertiser.call('preview_run', {
        cleanRoomId: holidayRoom.displayId,
        questionId: 'reach_frequency',
        parameters: {
          date_start: '2026-11-01',
          date_end: DEMO_END_DATE,
          campaign_ids: ['ok', LONE_SURROGATE],
        },
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('VALIDATION_FAILED');
      expect(text).toContain(`${SURROGATE_TEXT} at parameters.campaign_ids.1`);
    });

    it('accepts a valid surrogate pair', async () => {
      const { result } = await advertiser.call('list_clean_rooms', { search: '\ud83d\ude00' });

      expect(result.isError).toBeFalsy();
    });

    it('rejects one in a completion value', async () => {
      const completion = advertiser.client.complete({
        ref: { type: 'ref/prompt', name: 'explain_privacy_settings' },
        argument: { name: 'cleanRoom', value: LONE_SURROGATE },
      });

      const error = await completion.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32602);
      expect((error as McpError).message).toContain('VALIDATION_FAILED');
      expect((error as McpError).message).toContain(`completion value ${SURROGATE_TEXT}`);
    });

    it('rejects one in a resource template completion', async () => {
      const completion = advertiser.client.complete({
        ref: { type: 'ref/resource', uri: 'cleanroom://clean-rooms/{cleanRoomId}' },
        argument: { name: 'cleanRoomId', value: `CR${LONE_SURROGATE}` },
      });

      const error = await completion.catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(McpError);
      expect((error as McpError).code).toBe(-32602);
    });
  });

  describe('number ranges', () => {
    it('names the value received and the range', async () => {
      const tooBig = await advertiser.call('list_clean_rooms', { limit: 1000 });
      const fraction = await advertiser.call('list_runs', { limit: 2.5 });
      const tooSmall = await advertiser.call('list_clean_rooms', { limit: '0' });

      expect(tooBig.text).toContain('expected an integer from 1 to 100, received 1000 at limit');
      expect(fraction.text).toContain('received 2.5 at limit');
      expect(tooSmall.text).toContain('expected an integer from 1 to 100, received "0" at limit');
    });
  });

  describe('aliases', () => {
    it('rejects different values for cleanRoom and cleanRoomId', async () => {
      const { result, text } = await advertiser.call('get_clean_room', {
        cleanRoom: 'CR-000001',
        cleanRoomId: 'CR-000002',
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('VALIDATION_FAILED');
      expect(text).toContain('cleanRoom and cleanRoomId');
      expect(text).toContain('"CR-000001" and "CR-000002"');
    });

    it('accepts the same value under both names', async () => {
      const { result, data } = await advertiser.call('get_clean_room', {
        cleanRoom: holidayRoom.displayId,
        cleanRoomId: ` ${holidayRoom.displayId}`,
      });

      expect(result.isError).toBeFalsy();
      expect((data.cleanRoom as { id: string }).id).toBe(holidayRoom.id);
    });
  });

  describe('preview_run', () => {
    it('warns when the date range has no data', async () => {
      const { result, text } = await advertiser.call('preview_run', {
        cleanRoomId: holidayRoom.displayId,
        questionId: 'reach_frequency',
        parameters: { date_start: '9999-01-01', date_end: '9999-12-31' },
      });

      expect(result.isError).toBeFalsy();
      expect(text).toContain('Warning: no');
      expect(text).toContain(
        '9999-01-01 to 9999-12-31 probably lies outside the dates of the data',
      );
      expect(text).toContain('date_start 9999-01-01 is after today');
    });

    it('gives no warning for a range with data', async () => {
      const { text } = await advertiser.call('preview_run', {
        cleanRoomId: holidayRoom.displayId,
        questionId: 'reach_frequency',
        parameters: { date_start: '2026-11-01', date_end: DEMO_END_DATE },
      });

      expect(text).not.toContain('Warning');
    });
  });
});
