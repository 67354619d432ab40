import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import {
  chatStreamEventSchema,
  type ChatStreamEvent,
} from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { answerMessage } from '../../src/services/chat/answer-message.ts';
import { getConversation } from '../../src/services/chat/get-conversation.ts';
import { getJson } from '../support/api-helpers.ts';
import { startTestPlatform, type TestPlatform } from '../support/test-platform.ts';
import {
  ask,
  callerFor,
  conversationOf,
  finishOf,
  ofType,
  textOf,
  useChatRuntime,
} from './support/chat-test-kit.ts';

const OVERLAP_QUESTION =
  'what is our overlap with the publisher by age band over the last 30 days?';

interface RestRun {
  id: string;
  cleanRoomId: string;
  questionId: string;
  status: string;
  parameters: Record<string, unknown>;
  privacy: { crowdSize: number; noise: { enabled: boolean; scale: number } };
}
interface RestResult {
  rowCount: number;
  suppressedRowCount: number;
  rows: unknown[][];
}

describe('offline assistant', () => {
  let test: TestPlatform;
  let advertiser: Caller;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: true });
    useChatRuntime(test);
    advertiser = await callerFor(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await test?.close();
  });

  describe('overlap question in plain language', () => {
    let events: Awaited<ReturnType<typeof ask>>;

    beforeAll(async () => {
      events = await ask(test.platform.context, advertiser, OVERLAP_QUESTION);
    });

    it('emits only events of the contract', () => {
      for (const event of events) expect(chatStreamEventSchema.parse(event)).toEqual(event);
      expect(events[0]?.type).toBe('answer_started');
      expect(events.at(-1)?.type).toBe('answer_finished');
    });

    it('finds the publisher room and starts the overlap by age band', () => {
      const start = ofType(events, 'tool_call').find((call) => call.toolName === 'start_run');
      const input = start?.input as { questionId: string; parameters: Record<string, unknown> };

      expect(input.questionId).toBe('audience_overlap');
      expect(input.parameters).toEqual({ attribute: 'age_band' });
    });

    it('receives live status while the run executes', () => {
      const progress = ofType(events, 'tool_result').filter((result) => result.preliminary);

      expect(progress.length).toBeGreaterThan(0);
      expect(progress.every((result) => result.toolName === 'start_run')).toBe(true);
    });

    it('reports the run before the wait for it ends', () => {
      const [first] = ofType(events, 'evidence');
      const result = ofType(events, 'tool_result').find(
        (event) => event.toolName === 'start_run' && !event.preliminary,
      );

      expect(first).toBeDefined();
      expect(result).toBeDefined();
      expect(events.indexOf(first!)).toBeLessThan(events.indexOf(result!));
    });

    it('streams the answer in several tokens', () => {
      expect(ofType(events, 'text_delta').length).toBeGreaterThan(3);
      expect(textOf(events)).toContain('age_band');
    });

    it('reports evidence equal to the REST results', async () => {
      const evidence = ofType(events, 'evidence').at(-1)?.evidence;
      expect(evidence?.status).toBe('COMPLETED');
      const runId = evidence?.runId ?? '';
      const run = await getJson<RestRun>(test.app, test.keys.advertiser, `/api/v1/runs/${runId}`);
      const result = await getJson<RestResult>(
        test.app,
        test.keys.advertiser,
        `/api/v1/runs/${runId}/results`,
      );

      expect(evidence?.cleanRoomId).toBe(run.body.cleanRoomId);
      expect(evidence?.cleanRoomName).toBe('Northwind x Daily Ledger Holiday Campaign');
      expect(evidence?.questionId).toBe(run.body.questionId);
      expect(evidence?.questionName).toBe('Audience overlap and index');
      expect(evidence?.parameters).toEqual(run.body.parameters);
      expect(evidence?.privacy.crowdSize).toBe(run.body.privacy.crowdSize);
      expect(evidence?.rowsReleased).toBe(result.body.rowCount);
      expect(evidence?.rowsSuppressed).toBe(result.body.suppressedRowCount);
      expect(textOf(events)).toContain(runId);
      for (const row of result.body.rows) expect(textOf(events)).toContain(String(row[0]));
    });

    it('finishes complete with follow-up suggestions', () => {
      const finished = finishOf(events);

      expect(finished.finishReason).toBe('stop');
      expect(finished.incomplete).toBe(false);
      expect(finished.suggestions.length).toBeGreaterThanOrEqual(2);
      expect(finished.suggestions.length).toBeLessThanOrEqual(3);
    });

    it('stores the answer with its evidence', async () => {
      const conversation = await getConversation(
        test.platform.context,
        advertiser,
        conversationOf(events),
      );
      const [question, reply] = conversation.messages;

      expect(question?.text).toBe(OVERLAP_QUESTION);
      expect(reply?.role).toBe('assistant');
      expect(reply?.text).toBe(textOf(events));
      expect(reply?.finishReason).toBe('stop');
      expect(reply?.evidence).toEqual(ofType(events, 'evidence').map((event) => event.evidence));
    });

    it('answers status and results of the run in later turns', async () => {
      const conversationId = conversationOf(events);
      const runId = ofType(events, 'evidence').at(-1)?.evidence.runId;

      const status = await ask(test.platform.context, advertiser, 'what is the status?', {
        conversationId,
      });
      const results = await ask(test.platform.context, advertiser, 'show me the results', {
        conversationId,
      });

      expect(ofType(status, 'tool_call')[0]).toMatchObject({
        toolName: 'get_run',
        input: { runId },
      });
      expect(textOf(status)).toContain('COMPLETED');
      expect(ofType(results, 'tool_call')[0]).toMatchObject({
        toolName: 'get_results',
        input: { runId },
      });
      expect(ofType(results, 'evidence')[0]?.evidence.runId).toBe(runId);
    });
  });

  describe('other intents', () => {
    it('lists clean rooms', async () => {
      const events = await ask(test.platform.context, advertiser, 'list my clean rooms');

      expect(ofType(events, 'tool_call').map((call) => call.toolName)).toEqual([
        'list_clean_rooms',
      ]);
      expect(textOf(events)).toContain('CR-000001');
    });

    it('lists the partners of a room named by display id', async () => {
      const events = await ask(
        test.platform.context,
        advertiser,
        'who are the partners in CR-000001?',
      );

      expect(ofType(events, 'tool_call')[0]).toMatchObject({
        toolName: 'list_partners',
        input: { cleanRoomId: 'CR-000001' },
      });
      expect(textOf(events)).toContain('Daily Ledger Media');
    });

    it('lists the questions of every room', async () => {
      const events = await ask(test.platform.context, advertiser, 'what questions can I run?');

      expect(textOf(events)).toContain('audience_overlap');
      expect(textOf(events)).toContain('reach_frequency');
    });

    it('takes dates from the sentence', async () => {
      const events = await ask(
        test.platform.context,
        advertiser,
        'reach and frequency with the publisher in November 2026',
      );
      const start = ofType(events, 'tool_call').find((call) => call.toolName === 'start_run');

      expect(start?.input).toMatchObject({
        questionId: 'reach_frequency',
        parameters: { date_start: '2026-11-01', date_end: '2026-11-30' },
      });
      expect(finishOf(events).finishReason).toBe('stop');
    });

    it('shows a tool error plainly', async () => {
      const events = await ask(
        test.platform.context,
        advertiser,
        'overlap with the publisher by shoe size',
      );
      const failed = ofType(events, 'tool_result').find((result) => result.isError);

      expect(failed?.text).toContain('PARAMETER_INVALID');
      expect(textOf(events)).not.toContain('PARAMETER_INVALID');
      expect(textOf(events)).not.toContain('start_run');
      expect(textOf(events)).toContain('shoe_size');
      expect(textOf(events)).toContain('age_band');
    });

    it('searches rooms by a term with symbols', async () => {
      const events = await ask(test.platform.context, advertiser, 'show rooms named <script>');

      expect(ofType(events, 'tool_call')[0]).toMatchObject({
        toolName: 'list_clean_rooms',
        input: { search: '<script>' },
      });
      expect(textOf(events)).toContain('No clean room has "\\<script\\>" in its name');
      expect(textOf(events)).not.toContain('CR-000001');
    });

    it('says what it can do when it does not understand', async () => {
      const events = await ask(test.platform.context, advertiser, 'sing me a song');

      expect(ofType(events, 'tool_call')).toEqual([]);
      expect(textOf(events)).toContain('I can help');
      expect(finishOf(events).finishReason).toBe('stop');
    });

    it('cancels nothing when the conversation has no run', async () => {
      const events = await ask(test.platform.context, advertiser, 'cancel the run');

      expect(ofType(events, 'tool_call')).toEqual([]);
      expect(textOf(events)).toContain('no run yet');
    });

    it('stops mid-answer when the user presses stop', async () => {
      const stop = new AbortController();
      const events: ChatStreamEvent[] = [];
      const answer = answerMessage(test.platform.context, advertiser, {
        conversationId: null,
        clientMessageId: randomUUID(),
        text: OVERLAP_QUESTION,
        signal: stop.signal,
      });
      for await (const event of answer) {
        events.push(event);
        if (event.type === 'tool_call') stop.abort();
      }

      expect(finishOf(events)).toMatchObject({ finishReason: 'aborted', incomplete: true });
      expect(ofType(events, 'tool_call').map((call) => call.toolName)).toEqual([
        'list_clean_rooms',
      ]);
    });

    it('stops generating when the user presses stop', async () => {
      const stop = new AbortController();
      stop.abort();
      const events = await ask(test.platform.context, advertiser, 'list my clean rooms', {
        signal: stop.signal,
      });

      expect(finishOf(events)).toMatchObject({ finishReason: 'aborted', incomplete: true });
    });
  });
});
