import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { toolRegistry } from '../../src/interfaces/tools/tool-registry.ts';
import { REPEATED_CALL_TEXT } from '../../src/services/chat/chat-tools.ts';
import { getConversation } from '../../src/services/chat/get-conversation.ts';
import { CUT_OFF_CALL_TEXT } from '../../src/services/chat/translate-stream-part.ts';
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
import {
  startMockOpenAiServer,
  textDeltas,
  toolCallDeltas,
  type MockOpenAiServer,
} from './support/mock-openai-server.ts';

describe('assistant on an OpenAI-compatible server', () => {
  let test: TestPlatform;
  let mock: MockOpenAiServer;
  let advertiser: Caller;

  const useMock = (env: Record<string, string> = {}) =>
    useChatRuntime(test, {
      LLM_PROVIDER: 'openai-compatible',
      LLM_BASE_URL: mock.baseUrl,
      LLM_MODEL: 'mock-model',
      ...env,
    });

  beforeAll(async () => {
    mock = await startMockOpenAiServer();
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: false });
    advertiser = await callerFor(test, test.keys.advertiser);
  });

  afterAll(async () => {
    await test?.close();
    await mock?.close();
  });

  beforeEach(() => {
    mock.reset();
    useMock();
  });

  it('streams text deltas as they arrive', async () => {
    mock.script({ deltas: textDeltas('You have ', 'two clean ', 'rooms.'), finishReason: 'stop' });

    const events = await ask(test.platform.context, advertiser, 'how many rooms?');

    expect(ofType(events, 'text_delta').map((event) => event.text)).toEqual([
      'You have ',
      'two clean ',
      'rooms.',
    ]);
    expect(finishOf(events)).toMatchObject({ finishReason: 'stop', incomplete: false });
    expect(mock.requests[0]?.tools?.length).toBe(toolRegistry.length);
    expect(mock.requests[0]?.messages[0]).toMatchObject({ role: 'system' });
    expect(String(mock.requests[0]?.messages[0]?.content)).toContain('Today is 2026-11-30.');
  });

  it('runs a tool call streamed in pieces and sends its result back', async () => {
    mock.script(
      {
        deltas: toolCallDeltas('call_1', 'list_clean_rooms', ['{"li', 'mit": ', '5}']),
        finishReason: 'tool_calls',
      },
      { deltas: textDeltas('Two rooms: CR-000001 and CR-000002.'), finishReason: 'stop' },
    );

    const events = await ask(test.platform.context, advertiser, 'list my rooms');

    expect(ofType(events, 'tool_call')).toMatchObject([
      { toolName: 'list_clean_rooms', input: { limit: 5 } },
    ]);
    const [result] = ofType(events, 'tool_result');
    expect(result?.isError).toBe(false);
    expect(result?.text).toContain('CR-000001');
    const toolMessage = mock.requests[1]?.messages.find((message) => message.role === 'tool');
    expect(JSON.stringify(toolMessage?.content)).toContain('CR-000001');
    expect(finishOf(events).finishReason).toBe('stop');
  });

  it('never runs a tool call cut off by the token limit', async () => {
    const before = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );
    mock.script({
      deltas: toolCallDeltas('call_cut', 'start_run', [
        '{"cleanRoomId": "CR-000001", "questionId": "aud',
      ]),
      finishReason: 'length',
    });

    const events = await ask(test.platform.context, advertiser, 'run the overlap');

    const [result] = ofType(events, 'tool_result');
    expect(result).toMatchObject({ toolName: 'start_run', isError: true, text: CUT_OFF_CALL_TEXT });
    expect(finishOf(events)).toMatchObject({ finishReason: 'length', incomplete: true });
    expect(mock.requests).toHaveLength(1);
    const after = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );
    expect(after.body.items).toHaveLength(before.body.items.length);
  });

  it('marks an answer cut off by the token limit incomplete', async () => {
    mock.script({ deltas: textDeltas('The overlap is'), finishReason: 'length' });

    const events = await ask(test.platform.context, advertiser, 'explain the overlap');

    expect(finishOf(events)).toMatchObject({ finishReason: 'length', incomplete: true });
    const conversation = await getConversation(
      test.platform.context,
      advertiser,
      conversationOf(events),
    );
    expect(conversation.messages[1]).toMatchObject({
      text: 'The overlap is',
      finishReason: 'length',
      incomplete: true,
    });
  });

  it('stops a repeated identical tool call without running it', async () => {
    const call = (id: string) => ({
      deltas: toolCallDeltas(id, 'list_clean_rooms', ['{"limit": 5}']),
      finishReason: 'tool_calls' as const,
    });
    mock.script(call('call_a'), call('call_b'), {
      deltas: textDeltas('never requested'),
      finishReason: 'stop',
    });

    const events = await ask(test.platform.context, advertiser, 'list my rooms twice');

    const results = ofType(events, 'tool_result');
    expect(results.map((result) => result.isError)).toEqual([false, true]);
    expect(results[1]?.text).toBe(REPEATED_CALL_TEXT);
    expect(finishOf(events)).toMatchObject({
      finishReason: 'repeated_tool_call',
      incomplete: true,
    });
    expect(mock.requests).toHaveLength(2);
  });

  it('stops at the step limit', async () => {
    useMock({ LLM_MAX_STEPS: '2' });
    mock.script(
      {
        deltas: toolCallDeltas('call_1', 'list_clean_rooms', ['{"limit": 1}']),
        finishReason: 'tool_calls',
      },
      {
        deltas: toolCallDeltas('call_2', 'list_clean_rooms', ['{"limit": 2}']),
        finishReason: 'tool_calls',
      },
    );

    const events = await ask(test.platform.context, advertiser, 'keep listing');

    expect(ofType(events, 'tool_result')).toHaveLength(2);
    expect(finishOf(events)).toMatchObject({ finishReason: 'step_limit', incomplete: true });
    expect(mock.requests).toHaveLength(2);
  });

  it('shows a tool error plainly and lets the model react', async () => {
    mock.script(
      {
        deltas: toolCallDeltas('call_1', 'get_run', ['{"runId": "no-such-run"}']),
        finishReason: 'tool_calls',
      },
      { deltas: textDeltas('That run does not exist.'), finishReason: 'stop' },
    );

    const events = await ask(test.platform.context, advertiser, 'status of no-such-run');

    const [result] = ofType(events, 'tool_result');
    expect(result?.isError).toBe(true);
    expect(result?.text).toContain('RUN_NOT_FOUND');
    const toolMessage = mock.requests[1]?.messages.find((message) => message.role === 'tool');
    expect(JSON.stringify(toolMessage?.content)).toContain('RUN_NOT_FOUND');
    expect(textOf(events)).toBe('That run does not exist.');
  });

  it('escapes a room name in tool errors', async () => {
    const reference = '**x** [a](javascript:alert(1))';
    mock.script(
      {
        deltas: toolCallDeltas('call_1', 'get_clean_room', [
          JSON.stringify({ cleanRoom: reference }),
        ]),
        finishReason: 'tool_calls',
      },
      { deltas: textDeltas('No such room.'), finishReason: 'stop' },
    );

    const events = await ask(test.platform.context, advertiser, 'open room x');

    const [result] = ofType(events, 'tool_result');
    expect(result?.isError).toBe(true);
    expect(result?.text).toContain('"\\*\\*x\\*\\* \\[a\\]\\(javascript:alert\\(1\\)\\)"');
    const toolMessage = mock.requests[1]?.messages.find((message) => message.role === 'tool');
    expect(String(toolMessage?.content)).toContain(result?.text ?? 'missing');
  });

  it('escapes a value in argument errors', async () => {
    mock.script(
      {
        deltas: toolCallDeltas('call_1', 'list_clean_rooms', ['{"limit": "**5**"}']),
        finishReason: 'tool_calls',
      },
      { deltas: textDeltas('Sorry.'), finishReason: 'stop' },
    );

    const events = await ask(test.platform.context, advertiser, 'list rooms');

    const [result] = ofType(events, 'tool_result');
    expect(result?.isError).toBe(true);
    expect(result?.text).toContain('received "\\*\\*5\\*\\*"');
  });

  it('reports a failing model service as an answer error', async () => {
    useMock({ LLM_MAX_RETRIES: '0' });
    mock.script({ deltas: [], finishReason: 'stop', failWithStatus: 500 });

    const events = await ask(test.platform.context, advertiser, 'hello');

    const [failure] = ofType(events, 'answer_error');
    expect(failure?.code).toBe('LLM_FAILED');
    expect(failure?.message).toContain('HTTP 500');
    expect(finishOf(events)).toMatchObject({ finishReason: 'error', incomplete: true });
  });

  it('stores the model failure with the answer', async () => {
    useMock({ LLM_MAX_RETRIES: '0' });
    mock.script({ deltas: [], finishReason: 'stop', failWithStatus: 500 });
    const events = await ask(test.platform.context, advertiser, 'hello');

    const detail = await getConversation(test.platform.context, advertiser, conversationOf(events));
    const stored = detail.messages.find((message) => message.role === 'assistant');

    expect(stored?.finishReason).toBe('error');
    expect(stored?.error?.code).toBe('LLM_FAILED');
    expect(stored?.error?.message).toContain('HTTP 500');
  });

  it('sends earlier turns of the conversation as history', async () => {
    mock.script(
      { deltas: textDeltas('First answer.'), finishReason: 'stop' },
      { deltas: textDeltas('Second answer.'), finishReason: 'stop' },
    );

    const first = await ask(test.platform.context, advertiser, 'first question');
    await ask(test.platform.context, advertiser, 'second question', {
      conversationId: conversationOf(first),
    });

    const messages = mock.requests[1]?.messages.filter((message) => message.role !== 'system');
    expect(messages?.map((message) => [message.role, message.content])).toEqual([
      ['user', 'first question'],
      ['assistant', 'First answer.'],
      ['user', 'second question'],
    ]);
  });
});
