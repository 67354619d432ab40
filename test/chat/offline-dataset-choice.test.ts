import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { findRoom, importFile, sendJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import { ask, callerFor, ofType, textOf, useChatRuntime } from './support/chat-test-kit.ts';

const QUESTION = 'what is our overlap with the publisher in CR-000001 by age band?';

/** Customers who overlap with the demo publisher's subscribers, as in the README walkthrough. */
function customersCsv(): string {
  const lines = ['email,tier'];
  for (let index = 600001; index <= 600400; index += 1)
    lines.push(`person${index}@example.com,bronze`);
  return lines.join('\n');
}

describe('offline assistant with two fitting datasets', () => {
  let test: TestPlatform;
  let advertiser: Caller;
  let datasetId: string;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: true });
    useChatRuntime(test);
    advertiser = await callerFor(test, test.keys.advertiser);

    const imported = await importFile(
      test.app,
      test.keys.advertiser,
      { name: 'My customers', dataType: 'CRM' },
      'customers.csv',
      customersCsv(),
    );
    expect(imported.statusCode).toBe(201);
    datasetId = (imported.json() as { dataset: { id: string } }).dataset.id;
    const room = await findRoom(test.app, test.keys.advertiser, 'CR-000001');
    const attached = await sendJson(
      test.app,
      test.keys.advertiser,
      'PUT',
      `/api/v1/cleanrooms/${room.id}/datasets/${datasetId}`,
    );
    expect(attached.status).toBe(200);
  });

  afterAll(async () => {
    await test?.close();
  });

  it('asks which dataset in plain words', async () => {
    const events = await ask(test.platform.context, advertiser, QUESTION);
    const text = textOf(events);

    expect(text).toContain('CR-000001');
    expect(text).toContain('- My customers');
    expect(text).toContain('- Advertiser CRM customers');
    expect(text).toMatch(/using (My customers|Advertiser CRM customers)"/);
    expect(text).toMatch(/\n\nWhich one should I use\?/);
    expect(text).toContain('fit @my_audience of this question');
    expect(text).not.toContain('PARAMETER_INVALID');
    expect(text).not.toContain('datasets:');
    const failed = ofType(events, 'tool_result').find((result) => result.isError);
    expect(failed?.text).toContain('PARAMETER_INVALID');
  });

  it.each([
    `${QUESTION} using My customers`,
    `${QUESTION.replace('?', '')} with my audience "My customers"`,
    'what is our overlap with the publisher in CR-000001 by age band with dataset DATASET_ID',
  ])('runs with the dataset named in "%s"', async (template) => {
    const sentence = template.replace('DATASET_ID', datasetId);
    const events = await ask(test.platform.context, advertiser, sentence);
    const starts = ofType(events, 'tool_call').filter((call) => call.toolName === 'start_run');

    expect(starts.at(-1)?.input).toMatchObject({ datasets: { '@my_audience': datasetId } });
    expect(ofType(events, 'evidence').at(-1)?.evidence.status).toBe('COMPLETED');
    expect(textOf(events)).not.toContain('PARAMETER_INVALID');
  });
});
