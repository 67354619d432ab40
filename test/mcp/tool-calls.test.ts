import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_END_DATE, startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { findRoom, sendJson, type CleanRoomView } from '../support/api-helpers.ts';
import { connectMcpClient, type McpTestClient } from './mcp-client.ts';

const WINDOW = { date_start: '2026-11-01', date_end: DEMO_END_DATE };

describe('MCP tool calls', () => {
  let test: TestPlatform;
  let advertiser: McpTestClient;
  let publisher: McpTestClient;
  let holidayRoom: CleanRoomView;
  let retailRoom: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
    publisher = await connectMcpClient(test, test.keys.publisher);
    holidayRoom = await findRoom(test.app, test.keys.advertiser, 'Holiday');
    retailRoom = await findRoom(test.app, test.keys.retailer, 'Cornerstone');
  });

  afterAll(async () => {
    await advertiser?.close();
    await publisher?.close();
    await test?.close();
  });

  describe('get_clean_room', () => {
    it('returns candidates for an ambiguous name', async () => {
      for (let copy = 0; copy < 2; copy++) {
        const created = await sendJson(
          test.app,
          test.keys.advertiser,
          'POST',
          '/api/v1/cleanrooms',
          {
            name: 'Spring Launch',
          },
        );
        expect(created.status).toBe(201);
      }

      const { result, data, text } = await advertiser.call('get_clean_room', {
        cleanRoom: 'spring launch',
      });

      expect(result.isError).toBeFalsy();
      expect(data.match).toBe('AMBIGUOUS');
      expect(data.cleanRoom).toBeNull();
      const candidates = data.candidates as { name: string; displayId: string }[];
      expect(candidates).toHaveLength(2);
      expect(candidates.every((room) => room.name === 'Spring Launch')).toBe(true);
      for (const room of candidates) expect(text).toContain(room.displayId);
    });

    it('takes cleanRoomId as an alias of cleanRoom', async () => {
      const { result, data } = await advertiser.call('get_clean_room', {
        cleanRoomId: holidayRoom.displayId,
      });
      const missing = await advertiser.call('get_clean_room', {});

      expect(result.isError).toBeFalsy();
      expect((data.cleanRoom as { id: string }).id).toBe(holidayRoom.id);
      expect(missing.result.isError).toBe(true);
      expect(missing.text).toContain('VALIDATION_FAILED');
      expect(missing.text).toContain('cleanRoomId');
    });

    it('lets every tool take a room name as cleanRoomId', async () => {
      const name = holidayRoom.name.toUpperCase();
      const partners = await advertiser.call('list_partners', { cleanRoomId: name });
      const questions = await advertiser.call('list_questions', { cleanRoomId: name });
      const datasets = await advertiser.call('list_datasets', { cleanRoomId: name });
      const runs = await advertiser.call('list_runs', { cleanRoomId: name });
      const preview = await advertiser.call('preview_run', {
        cleanRoomId: name,
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
      });

      for (const call of [partners, questions, datasets, runs, preview]) {
        expect(call.text).not.toContain('CLEAN_ROOM_NOT_FOUND');
        expect(call.result.isError).toBeFalsy();
      }
      expect(partners.data.cleanRoomId).toBe(holidayRoom.displayId);
    });

    it('rejects an ambiguous room name in cleanRoomId with the candidates', async () => {
      const { result, text } = await advertiser.call('list_partners', {
        cleanRoomId: 'Spring Launch',
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('CLEAN_ROOM_AMBIGUOUS');
      expect(text.match(/CR-\d+/g)).toHaveLength(2);
    });

    it('suggests similar names when none matches', async () => {
      const { result, text } = await advertiser.call('get_clean_room', { cleanRoom: 'Holiday' });

      expect(result.isError).toBe(true);
      expect(text).toContain('CLEAN_ROOM_NOT_FOUND');
      expect(text).toContain(holidayRoom.displayId);
    });

    it("reports another organization's room as not found", async () => {
      const byId = await publisher.call('get_clean_room', { cleanRoom: retailRoom.id });
      const byName = await publisher.call('get_clean_room', { cleanRoom: retailRoom.name });
      const partners = await publisher.call('list_partners', { cleanRoomId: retailRoom.id });

      for (const call of [byId, byName, partners]) {
        expect(call.result.isError).toBe(true);
        expect(call.text).toMatch(/not found/i);
        expect(call.text).not.toContain('Cornerstone Market');
        expect(call.result.structuredContent).toBeUndefined();
      }
    });
  });

  describe('lenient inputs', () => {
    it('treats null as absent and converts numbers sent as text', async () => {
      const rooms = await advertiser.call('list_clean_rooms', {
        search: null,
        status: null,
        cursor: null,
        limit: '1',
      });
      const datasets = await advertiser.call('list_datasets', {
        cleanRoomId: holidayRoom.displayId,
        includeOwn: 'true',
        limit: '1',
        cursor: null,
      });

      expect(rooms.result.isError).toBeFalsy();
      expect(rooms.data.items).toHaveLength(1);
      expect(rooms.data.nextCursor).toEqual(expect.any(String));
      expect(datasets.result.isError).toBeFalsy();
      expect((datasets.data.own as { items: unknown[] }).items).toHaveLength(1);
    });

    it('treats null as absent for every optional argument', async () => {
      const { tools } = await advertiser.client.listTools();

      for (const tool of tools) {
        const required = new Set(tool.inputSchema.required ?? []);
        const optional = Object.keys(tool.inputSchema.properties ?? {}).filter(
          (name) => !required.has(name),
        );
        const args = Object.fromEntries(optional.map((name) => [name, null]));
        const { text } = await advertiser.call(tool.name, args);

        for (const name of optional)
          expect(text, `${tool.name}.${name}`).not.toContain(`at ${name}`);
      }
    });

    it('treats null arguments as no arguments', async () => {
      const result = await advertiser.client.request(
        { method: 'tools/call', params: { name: 'list_clean_rooms', arguments: null } },
        CallToolResultSchema,
      );

      expect(result.isError).toBeFalsy();
      expect(result.structuredContent).toHaveProperty('items');
    });

    it('lists the valid tools for an unknown tool', async () => {
      const { result, text } = await advertiser.call('no_such_tool');

      expect(result.isError).toBe(true);
      expect(text).toMatch(/^TOOL_NOT_FOUND: Tool "no_such_tool" does not exist/);
      expect(text).toContain('list_clean_rooms');
      expect(text).toContain('get_results');
    });

    it('rejects NUL characters in text arguments', async () => {
      const search = await advertiser.call('list_clean_rooms', { search: 'Holi\u0000day' });
      const room = await advertiser.call('get_clean_room', { cleanRoom: 'Holi\u0000day' });
      const rest = await test.app.inject({
        method: 'GET',
        url: '/api/v1/cleanrooms?search=Holi%00day',
        headers: { authorization: `Bearer ${test.keys.advertiser}` },
      });

      expect(search.text).toContain('VALIDATION_FAILED');
      expect(search.text).toContain('must not contain NUL characters (U+0000) at search');
      expect(room.text).toContain('must not contain NUL characters (U+0000) at cleanRoom');
      expect(rest.statusCode).toBe(400);
      expect(rest.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    });

    it('rejects a deeply nested parameter value', async () => {
      let nested: unknown = 'age_band';
      for (let depth = 0; depth < 400_000; depth++) nested = [nested];
      const { result, text } = await advertiser.call('preview_run', {
        cleanRoomId: holidayRoom.id,
        questionId: 'audience_overlap',
        parameters: { attribute: nested },
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('PARAMETER_INVALID');
      expect(text).toContain('nested more than 8 levels deep');
    });

    it('rejects a NUL character in a question parameter', async () => {
      const { text } = await advertiser.call('preview_run', {
        cleanRoomId: holidayRoom.id,
        questionId: 'reach_frequency',
        parameters: { ...WINDOW, campaign_ids: ['Spring\u0000'] },
      });

      expect(text).toContain('PARAMETER_INVALID');
      expect(text).toContain('without NUL characters');
    });

    it('accepts a run request written by a model', async () => {
      const { result, data } = await advertiser.call('start_run', {
        cleanRoomId: holidayRoom.displayId,
        questionId: 'attribution',
        parameters: { ...WINDOW, lookback_days: '14', model: null },
        datasets: null,
        name: null,
        idempotencyKey: 'model-style-attribution',
        waitSeconds: '30',
      });

      expect(result.isError).toBeFalsy();
      const run = data.run as { status: string; parameters: Record<string, unknown> };
      expect(run.status).toBe('COMPLETED');
      expect(run.parameters).toMatchObject({ lookback_days: 14, model: 'last_touch' });
    });

    it('names the field and the expected type of a wrong argument', async () => {
      const limit = await advertiser.call('list_clean_rooms', { limit: 'many' });
      const wait = await advertiser.call('start_run', {
        cleanRoomId: holidayRoom.displayId,
        questionId: 'audience_overlap',
        waitSeconds: true,
      });
      const status = await advertiser.call('list_runs', { status: 'DONE' });
      const missing = await advertiser.call('get_run', {});

      expect(limit.result.isError).toBe(true);
      expect(limit.text).toContain('expected an integer from 1 to 100, received "many" at limit');
      expect(wait.result.isError).toBe(true);
      expect(wait.text).toContain('expected an integer from 0 to 30, received true at waitSeconds');
      expect(status.result.isError).toBe(true);
      expect(status.text).toContain('QUEUED');
      expect(status.text).toContain('at status');
      expect(missing.result.isError).toBe(true);
      expect(missing.text).toContain('at runId');
    });

    it('reports an invalid question parameter with its allowed values', async () => {
      const { result, text } = await advertiser.call('preview_run', {
        cleanRoomId: holidayRoom.id,
        questionId: 'audience_overlap',
        parameters: { attribute: 'email_sha256' },
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('PARAMETER_INVALID');
      expect(text).toContain('age_band');
    });

    it('rejects an unknown argument with the valid fields', async () => {
      const { result, text } = await advertiser.call('list_partners', {
        clean_room: holidayRoom.displayId,
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('VALIDATION_FAILED');
      expect(text).toContain('unknown field "clean_room" (did you mean "cleanRoomId"?)');
      expect(text).toContain('valid fields: cleanRoomId');
    });

    it('rejects an unknown argument beside valid ones', async () => {
      const { result, text } = await advertiser.call('list_runs', {
        cleanRoomId: holidayRoom.displayId,
        limit: '5',
        sort: 'newest',
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('unknown field "sort"');
      expect(text).toContain('valid fields: cleanRoomId');
      expect(text).toContain('limit');
    });

    it('keeps null and text leniency with strict fields', async () => {
      const { result, data } = await advertiser.call('list_runs', {
        cleanRoomId: holidayRoom.displayId,
        limit: '5',
        cursor: null,
      });

      expect(result.isError).toBeFalsy();
      expect(data.items).toEqual(expect.any(Array));
    });

    it('declares no additional properties in tools/list', async () => {
      const { tools } = await advertiser.client.listTools();

      expect(tools.length).toBeGreaterThan(0);
      for (const tool of tools) {
        expect(tool.inputSchema, tool.name).toMatchObject({ additionalProperties: false });
      }
    });

    it('advertises the declared types in tools/list', async () => {
      const { tools } = await advertiser.client.listTools();
      const listRooms = tools.find((tool) => tool.name === 'list_clean_rooms');
      const getResults = tools.find((tool) => tool.name === 'get_results');
      const startRun = tools.find((tool) => tool.name === 'start_run');

      expect(listRooms?.inputSchema.properties?.limit).toMatchObject({
        type: 'integer',
        minimum: 1,
        maximum: 100,
      });
      expect(listRooms?.inputSchema.required ?? []).toEqual([]);
      expect(getResults?.inputSchema.properties?.limit).toMatchObject({
        type: 'integer',
        maximum: 200,
      });
      expect(startRun?.inputSchema.required).toEqual(['cleanRoomId', 'questionId']);
      expect(startRun?.inputSchema.properties?.waitSeconds).toMatchObject({ type: 'integer' });
      expect(startRun?.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: false });
    });
  });

  describe('get_results', () => {
    let runId: string;

    beforeAll(async () => {
      // The publisher's own audience is its whole subscriber base, so most of the
      // 12 campaigns x 6 frequency rows reach the crowd size: more than one default page.
      const { data } = await publisher.call('start_run', {
        cleanRoomId: holidayRoom.id,
        questionId: 'reach_frequency',
        parameters: WINDOW,
        idempotencyKey: 'results-paging',
        waitSeconds: 30,
      });
      runId = (data.run as { id: string }).id;
      expect((data.run as { status: string }).status).toBe('COMPLETED');
    });

    it('returns at most 50 rows by default and says more follow', async () => {
      const { data, text } = await publisher.call('get_results', { runId });

      expect(data.rowCount as number).toBeGreaterThan(50);
      expect(data.rows).toHaveLength(50);
      expect(data.returnedRowCount).toBe(50);
      expect(data.truncated).toBe(true);
      expect(data.nextCursor).toEqual(expect.any(String));
      expect(data.privacy).toMatchObject({ crowdSize: 50 });
      expect(data.suppressedRowCount).toEqual(expect.any(Number));
      expect(text).toContain(`Rows 1 to 50 of ${data.rowCount as number}`);
    });

    it('pages with a cursor or an offset', async () => {
      const first = await publisher.call('get_results', { runId, limit: 10 });
      const byCursor = await publisher.call('get_results', {
        runId,
        limit: 10,
        cursor: first.data.nextCursor,
      });
      const byOffset = await publisher.call('get_results', { runId, limit: '10', offset: '10' });
      const last = await publisher.call('get_results', {
        runId,
        limit: 200,
        offset: (first.data.rowCount as number) - 3,
      });

      expect(byCursor.data.offset).toBe(10);
      expect(byCursor.data.rows).toEqual(byOffset.data.rows);
      expect(byCursor.data.rows).not.toEqual(first.data.rows);
      expect(last.data.rows).toHaveLength(3);
      expect(last.data.truncated).toBe(false);
      expect(last.data.nextCursor).toBeNull();
    });

    it('rejects an offset above the int4 range', async () => {
      const { result, text } = await publisher.call('get_results', {
        runId,
        offset: Number.MAX_SAFE_INTEGER,
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('VALIDATION_FAILED');
      expect(text).toContain('offset');
      expect(text).not.toContain('unexpected');
    });

    it('names the offset and row count past the end', async () => {
      const first = await publisher.call('get_results', { runId, limit: 1 });
      const rowCount = first.data.rowCount as number;
      const { result, text } = await publisher.call('get_results', {
        runId,
        offset: rowCount + 1,
      });

      expect(result.isError).toBe(true);
      expect(text).toContain('VALIDATION_FAILED');
      expect(text).toContain(`offset ${rowCount + 1} is past the end`);
      expect(text).toContain(`${rowCount} rows`);
      expect(text).toContain(`from 0 to ${rowCount}`);
      expect(text.toLowerCase()).not.toContain('cursor');
    });

    it('rejects a cursor past the last row', async () => {
      for (const position of [3_000_000_000, 10_000_000]) {
        const cursor = Buffer.from(JSON.stringify([position])).toString('base64url');
        const { result, text, data } = await publisher.call('get_results', { runId, cursor });

        expect(result.isError).toBe(true);
        expect(text).toContain('CURSOR_INVALID');
        expect(text).toContain(`row offset ${position}`);
        expect(text).toMatch(/valid offsets are 0 to \d+/);
        expect(data).toEqual({});
      }
    });

    it('rejects a cursor past the last row over REST', async () => {
      const response = await test.app.inject({
        method: 'GET',
        url: `/api/v1/runs/${runId}/results?cursor=WzMwMDAwMDAwMDBd`,
        headers: { authorization: `Bearer ${test.keys.publisher}` },
      });

      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ error: { code: 'CURSOR_INVALID' } });
    });

    it('returns an empty page at the end offset', async () => {
      const first = await publisher.call('get_results', { runId, limit: 1 });
      const rowCount = first.data.rowCount as number;
      const { result, text, data } = await publisher.call('get_results', {
        runId,
        offset: rowCount,
      });

      expect(result.isError).toBeFalsy();
      expect(data.rows).toEqual([]);
      expect(data.nextCursor).toBeNull();
      expect(text).toContain(`offset ${rowCount} is past the end of the result (${rowCount} rows)`);
    });

    it('names a page of one row in the singular', async () => {
      const first = await publisher.call('get_results', { runId, limit: 1 });
      const rowCount = first.data.rowCount as number;
      const last = await publisher.call('get_results', { runId, offset: rowCount - 1 });

      expect(first.text).toContain(`Row 1 of ${rowCount} (run ${runId})`);
      expect(last.text).toContain(`Row ${rowCount} of ${rowCount} (run ${runId})`);
      expect(last.text).not.toMatch(/Rows (\d+) to \1 /);
    });

    it('rejects a page above 200 rows', async () => {
      const { result, text } = await publisher.call('get_results', { runId, limit: 500 });

      expect(result.isError).toBe(true);
      expect(text).toContain('at limit');
    });
  });
});
