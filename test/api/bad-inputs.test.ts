import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  findRoom,
  getJson,
  importFile,
  sendJson,
  type CleanRoomView,
} from '../support/api-helpers.ts';

interface ErrorBody {
  error: { code: string; status: number; message: string; details?: Record<string, unknown> };
}

/** Lists every file under the dataset store, so a test can tell that a failed import left nothing. */
async function storedFiles(dataDir: string): Promise<string[]> {
  const entries = await readdir(path.join(dataDir, 'datasets'), {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

describe('bad input', () => {
  let test: TestPlatform;
  let room: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres' });
    room = await findRoom(test.app, test.keys.advertiser, 'Holiday');
  });

  afterAll(async () => {
    await test?.close();
  });

  describe('dataset import', () => {
    const cases: {
      name: string;
      fields?: Record<string, string>;
      file: string;
      content: Buffer | string;
      code: string;
      mentions: RegExp;
    }[] = [
      {
        name: 'CSV without an identifier column',
        file: 'no-ids.csv',
        content: 'first_seen,segment\n2026-01-01,a\n2026-01-02,b\n',
        code: 'IMPORT_MISSING_COLUMN',
        mentions: /first_seen/,
      },
      {
        name: 'empty file',
        file: 'empty.csv',
        content: '',
        code: 'IMPORT_EMPTY_FILE',
        mentions: /empty/i,
      },
      {
        name: 'binary file',
        file: 'image.csv',
        content: Buffer.from([
          0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0xff, 0xfe, 0x00,
          0x01,
        ]),
        code: 'IMPORT_NOT_TEXT',
        mentions: /text|binary|UTF-8/i,
      },
      {
        name: 'declared delimiter that does not match',
        fields: { delimiter: ';' },
        file: 'commas.csv',
        content: 'email,segment\na@example.com,x\nb@example.com,y\n',
        code: 'IMPORT_WRONG_DELIMITER',
        mentions: /appears to use ","/,
      },
      {
        name: 'declared identifier column that is missing',
        fields: { identifierColumns: 'mail:EMAIL' },
        file: 'ids.csv',
        content: 'email,segment\na@example.com,x\n',
        code: 'IMPORT_MISSING_COLUMN',
        mentions: /mail/,
      },
      {
        name: 'unknown identifier type',
        fields: { identifierColumns: 'email:FAX' },
        file: 'ids.csv',
        content: 'email,segment\na@example.com,x\n',
        code: 'VALIDATION_FAILED',
        mentions: /email:FAX/,
      },
    ];

    for (const testCase of cases) {
      it(`rejects ${testCase.name} and stores nothing`, async () => {
        const before = await getJson<{ items: unknown[] }>(
          test.app,
          test.keys.advertiser,
          '/api/v1/datasets?limit=100',
        );
        const filesBefore = await storedFiles(test.dataDir);

        const response = await importFile(
          test.app,
          test.keys.advertiser,
          { name: `bad ${testCase.name}`, ...testCase.fields },
          testCase.file,
          testCase.content,
        );

        const body = response.json() as ErrorBody;
        expect(body.error.code).toBe(testCase.code);
        expect(response.statusCode).toBe(body.error.status);
        expect(body.error.message).toMatch(testCase.mentions);
        const after = await getJson<{ items: unknown[] }>(
          test.app,
          test.keys.advertiser,
          '/api/v1/datasets?limit=100',
        );
        expect(after.body.items).toHaveLength(before.body.items.length);
        expect(await storedFiles(test.dataDir)).toEqual(filesBefore);
      });
    }

    it('accepts form fields sent after the file', async () => {
      const form = new FormData();
      form.set('file', new Blob(['email,tier\nperson6001@example.com,gold\n']), 'late-fields.csv');
      form.set('name', 'Fields after file');
      form.set('dataType', 'CRM');
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/datasets',
        headers: { authorization: `Bearer ${test.keys.advertiser}` },
        payload: form,
      });

      expect(response.statusCode).toBe(201);
      expect(response.json().dataset.name).toBe('Fields after file');
    });

    it('removes the saved file when the fields are invalid', async () => {
      const filesBefore = await storedFiles(test.dataDir);

      const response = await importFile(
        test.app,
        test.keys.advertiser,
        { name: 'bad type', dataType: 'LEADS' },
        'x.csv',
        'email\na@example.com\n',
      );

      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toContain('dataType');
      expect(await storedFiles(test.dataDir)).toEqual(filesBefore);
    });

    it('rejects a form without a file part', async () => {
      const form = new FormData();
      form.set('name', 'no file');
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/datasets',
        headers: { authorization: `Bearer ${test.keys.advertiser}` },
        payload: form,
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.message).toMatch(/file/);
    });
  });

  describe('question runs', () => {
    async function startRun(body: Record<string, unknown>, key = test.keys.advertiser) {
      return sendJson<ErrorBody>(test.app, key, 'POST', `/api/v1/cleanrooms/${room.id}/runs`, body);
    }

    it('rejects a parameter of the wrong type, naming it and the allowed values', async () => {
      const response = await startRun({
        questionId: 'audience_overlap',
        parameters: { attribute: 42 },
      });

      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('PARAMETER_INVALID');
      expect(response.body.error.message).toContain('attribute');
      expect(response.body.error.details?.allowedValues).toEqual(
        expect.arrayContaining(['age_band', 'region', 'interest']),
      );
    });

    it('refuses an identifier column as a grouping attribute', async () => {
      const response = await startRun({
        questionId: 'audience_overlap',
        parameters: { attribute: 'email_sha256' },
      });

      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('PARAMETER_INVALID');
    });

    it('rejects a malformed date', async () => {
      const response = await startRun({
        questionId: 'reach_frequency',
        parameters: { date_start: 'last week', date_end: '2026-11-30' },
      });

      expect(response.body.error.code).toBe('PARAMETER_INVALID');
      expect(response.body.error.message).toContain('date_start');
    });

    it('rejects a dataset of an organization that is not a partner', async () => {
      const retailerDatasets = await getJson<{ items: { id: string }[] }>(
        test.app,
        test.keys.retailer,
        '/api/v1/datasets',
      );
      const foreign = retailerDatasets.body.items[0]!.id;

      const response = await startRun({
        questionId: 'audience_overlap',
        parameters: { attribute: 'age_band' },
        datasets: { '@partner_audience': foreign },
      });

      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('DATASET_NOT_PARTNER');
    });

    it('rejects an unknown question', async () => {
      const response = await startRun({ questionId: 'CRQ-999999' });

      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('QUESTION_NOT_FOUND');
    });

    it('stores no run for a rejected request', async () => {
      const runs = await getJson<{ items: unknown[] }>(
        test.app,
        test.keys.advertiser,
        '/api/v1/runs',
      );
      expect(runs.body.items).toEqual([]);
    });

    it('answers 404 for an unknown run id', async () => {
      for (const runId of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const response = await getJson<ErrorBody>(
          test.app,
          test.keys.advertiser,
          `/api/v1/runs/${runId}`,
        );
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe('RUN_NOT_FOUND');
        expect(response.body.error.message).toContain('list them with GET /api/v1/runs');
      }
    });
  });

  describe('requests', () => {
    it('names an unknown field of a clean room', async () => {
      const response = await sendJson<ErrorBody>(
        test.app,
        test.keys.advertiser,
        'POST',
        '/api/v1/cleanrooms',
        { name: 'x', colour: 'red' },
      );

      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.message).toContain('colour');
    });

    it('rejects a crowd size below 1', async () => {
      const response = await sendJson<ErrorBody>(
        test.app,
        test.keys.advertiser,
        'POST',
        '/api/v1/cleanrooms',
        {
          name: 'tiny',
          cleanRoomParameters: { CROWD_SIZE: 0 },
        },
      );

      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.message).toContain('CROWD_SIZE');
    });

    it('rejects a body that is not JSON', async () => {
      const response = await test.app.inject({
        method: 'POST',
        url: '/api/v1/cleanrooms',
        headers: {
          authorization: `Bearer ${test.keys.advertiser}`,
          'content-type': 'application/json',
        },
        payload: '{"name":',
      });

      expect(response.statusCode).toBe(400);
      expect(response.json().error.code).toBe('VALIDATION_FAILED');
    });

    it('rejects an unpaired UTF-16 surrogate', async () => {
      const send = (payload: string) =>
        test.app.inject({
          method: 'POST',
          url: `/api/v1/cleanrooms/${room.id}/runs/preview`,
          headers: {
            authorization: `Bearer ${test.keys.advertiser}`,
            'content-type': 'application/json',
          },
          payload,
        });

      const lone = await send(
        '{"questionId":"reach_frequency","parameters":{"date_start":"2026-11-01","date_end":"2026-11-30","campaign_ids":["ok","\\ud800"]}}',
      );
      const pair = await send(
        '{"questionId":"reach_frequency","parameters":{"date_start":"2026-11-01","date_end":"2026-11-30","campaign_ids":["\\ud83d\\ude00"]}}',
      );

      expect(lone.statusCode).toBe(400);
      expect(lone.json()).toMatchObject({
        error: {
          code: 'VALIDATION_FAILED',
          message:
            'The JSON body field parameters.campaign_ids.1 contains an unpaired UTF-16 surrogate; send valid Unicode text.',
          details: { field: 'parameters.campaign_ids.1' },
        },
      });
      expect(pair.statusCode).toBe(200);
    });

    it('rejects a tampered cursor', async () => {
      const wellFormedButWrong = Buffer.from(JSON.stringify(['yesterday', 'x'])).toString(
        'base64url',
      );
      for (const cursor of ['%%%', wellFormedButWrong]) {
        for (const list of ['cleanrooms', 'datasets', 'runs']) {
          const response = await getJson<ErrorBody>(
            test.app,
            test.keys.advertiser,
            `/api/v1/${list}?cursor=${cursor}`,
          );
          expect(response.status, `${list} ${cursor}`).toBe(400);
          expect(response.body.error.code).toBe('CURSOR_INVALID');
        }
      }
    });

    it('ignores a trailing slash', async () => {
      const plain = await getJson(test.app, test.keys.advertiser, '/api/v1/cleanrooms');
      const slash = await getJson(test.app, test.keys.advertiser, '/api/v1/cleanrooms/');
      const detail = await getJson<CleanRoomView>(
        test.app,
        test.keys.advertiser,
        `/api/v1/cleanrooms/${room.displayId}/`,
      );

      expect(slash.status).toBe(200);
      expect(slash.body).toEqual(plain.body);
      expect(detail.status).toBe(200);
      expect(detail.body.id).toBe(room.id);
    });

    it('caps a huge page size instead of failing', async () => {
      const response = await getJson<{ items: unknown[] }>(
        test.app,
        test.keys.advertiser,
        '/api/v1/cleanrooms?limit=1000000',
      );

      expect(response.status).toBe(200);
      expect(response.body.items.length).toBeGreaterThan(0);
    });

    it('pages the short lists with limit and cursor too', async () => {
      const lists = [
        'questions',
        `cleanrooms/${room.id}/partners`,
        `cleanrooms/${room.id}/datasets`,
        `cleanrooms/${room.id}/questions`,
      ];
      for (const list of lists) {
        const first = await getJson<{ items: unknown[]; nextCursor: string | null }>(
          test.app,
          test.keys.advertiser,
          `/api/v1/${list}?limit=1`,
        );
        expect(first.body.items, list).toHaveLength(1);
        expect(first.body.nextCursor, list).not.toBeNull();

        const second = await getJson<{ items: unknown[] }>(
          test.app,
          test.keys.advertiser,
          `/api/v1/${list}?limit=1&cursor=${first.body.nextCursor}`,
        );
        expect(second.body.items, list).toHaveLength(1);
        expect(second.body.items[0], list).not.toEqual(first.body.items[0]);
      }
    });

    it('answers an unknown route with the error envelope', async () => {
      const response = await getJson<ErrorBody>(
        test.app,
        test.keys.advertiser,
        '/api/v1/nothing-here',
      );

      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('NOT_FOUND');
    });
  });
});
