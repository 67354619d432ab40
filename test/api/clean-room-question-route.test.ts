import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CleanRoomQuestion } from '../../src/domain/questions/clean-room-question.ts';
import { getJson, sendJson, type CleanRoomView } from '../support/api-helpers.ts';
import { startTestPlatform, type Backend, type TestPlatform } from '../support/test-platform.ts';
import { connectMcpClient, type McpTestClient } from '../mcp/mcp-client.ts';

interface ErrorBody {
  error: { code: string; message: string };
}

const QUESTION_URL = '/api/v1/cleanrooms/CR-000001/questions/audience_overlap';

describe.each<Backend>(['postgres', 'pglite'])('GET a clean room question on %s', (backend) => {
  let test: TestPlatform;
  let advertiser: McpTestClient;

  beforeAll(async () => {
    test = await startTestPlatform({ backend, startWorker: false });
    advertiser = await connectMcpClient(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await advertiser?.close();
    await test?.close();
  });

  it("lists the partner dataset's columns for a COLUMN parameter", async () => {
    const response = await getJson<CleanRoomQuestion>(test.app, test.keys.advertiser, QUESTION_URL);

    expect(response.status).toBe(200);
    const attribute = response.body.question.parameters.find(
      (parameter) => parameter.name === 'attribute',
    );
    expect(attribute?.type).toBe('COLUMN');
    expect(attribute?.allowedValues).toEqual(['age_band', 'region', 'interest', 'subscribed_at']);
  });

  it('lists the datasets each macro can take', async () => {
    const response = await getJson<CleanRoomQuestion>(test.app, test.keys.advertiser, QUESTION_URL);

    const bindings = Object.fromEntries(
      response.body.datasetBindings.map((binding) => [binding.macro, binding]),
    );
    expect(Object.keys(bindings).sort()).toEqual(['@my_audience', '@partner_audience']);
    const partner = bindings['@partner_audience'];
    expect(partner?.suppliedBy).toBe('PARTNER');
    expect(partner?.candidates.map((candidate) => candidate.ownerOrganization.name)).toEqual([
      'Daily Ledger Media',
    ]);
    expect(partner?.defaultDatasetId).toBe(partner?.candidates[0]?.datasetId);
  });

  it('returns what get_question returns', async () => {
    const response = await getJson<CleanRoomQuestion>(test.app, test.keys.advertiser, QUESTION_URL);
    const tool = await advertiser.call('get_question', {
      cleanRoomId: 'CR-000001',
      questionId: 'audience_overlap',
    });

    expect(tool.result.isError).toBeFalsy();
    expect(response.body.question).toEqual(tool.data.question);
    expect(response.body.datasetBindings).toEqual(tool.data.datasetBindings);
  });

  it('accepts the display id of the question', async () => {
    const byTemplate = await getJson<CleanRoomQuestion>(
      test.app,
      test.keys.advertiser,
      QUESTION_URL,
    );
    const byDisplayId = await getJson<CleanRoomQuestion>(
      test.app,
      test.keys.advertiser,
      `/api/v1/cleanrooms/CR-000001/questions/${byTemplate.body.question.displayId}`,
    );

    expect(byDisplayId.status).toBe(200);
    expect(byDisplayId.body).toEqual(byTemplate.body);
  });

  it('returns 404 for an unknown question', async () => {
    const response = await getJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      '/api/v1/cleanrooms/CR-000001/questions/no_such_question',
    );

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('QUESTION_NOT_FOUND');
    expect(response.body.error.message).toContain('no_such_question');
  });

  it("returns 404 for another organization's room", async () => {
    const response = await getJson<ErrorBody>(test.app, test.keys.retailer, QUESTION_URL);

    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('CLEAN_ROOM_NOT_FOUND');
  });

  it('returns 404 for a question not in the room', async () => {
    const created = await sendJson<CleanRoomView>(
      test.app,
      test.keys.advertiser,
      'POST',
      '/api/v1/cleanrooms',
      { name: `Question route room on ${backend}` },
    );
    expect(created.status).toBe(201);
    // Rooms start with every approved question, so the test removes one to reach this case.
    await test.platform.context.db.query(
      `DELETE FROM clean_room_questions
        WHERE clean_room_id = $1
          AND question_id = (SELECT id FROM questions WHERE template = 'audience_overlap')`,
      [created.body.id],
    );

    const response = await getJson<ErrorBody>(
      test.app,
      test.keys.advertiser,
      `/api/v1/cleanrooms/${created.body.id}/questions/audience_overlap`,
    );
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('QUESTION_NOT_FOUND');
    expect(response.body.error.message).toContain(created.body.displayId);
  });

  it('is described in the OpenAPI document', async () => {
    const response = await test.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
    const paths = (response.json() as { paths: Record<string, Record<string, unknown>> }).paths;

    expect(paths['/api/v1/cleanrooms/{cleanRoomId}/questions/{questionId}']?.get).toBeDefined();
  });
});
