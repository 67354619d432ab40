import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { toolRegistry } from '../../src/interfaces/tools/tool-registry.ts';
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
  startMockAnthropicServer,
  textBlock,
  toolUseBlock,
  type MockAnthropicServer,
  type RequestBlock,
} from './support/mock-anthropic-server.ts';

const API_KEY = 'sk-ant-test-key';

/** Returns the blocks of one request message, whatever form its content took. */
function blocksOf(content: string | RequestBlock[] | undefined): RequestBlock[] {
  if (content === undefined) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

describe('assistant on the Anthropic Messages API', () => {
  let test: TestPlatform;
  let mock: MockAnthropicServer;
  let advertiser: Caller;

  const useMock = (env: Record<string, string> = {}) =>
    useChatRuntime(test, {
      LLM_PROVIDER: 'anthropic',
      LLM_BASE_URL: mock.baseUrl,
      LLM_MODEL: 'claude-sonnet-4-5',
      LLM_API_KEY: API_KEY,
      ...env,
    });

  beforeAll(async () => {
    mock = await startMockAnthropicServer();
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

  it('streams text with tools and instructions', async () => {
    mock.script({
      blocks: [textBlock('You have ', 'two clean ', 'rooms.')],
      stopReason: 'end_turn',
    });

    const events = await ask(test.platform.context, advertiser, 'how many rooms?');

    expect(ofType(events, 'text_delta').map((event) => event.text)).toEqual([
      'You have ',
      'two clean ',
      'rooms.',
    ]);
    expect(finishOf(events)).toMatchObject({ finishReason: 'stop', incomplete: false });
    const [request] = mock.requests;
    expect(request?.model).toBe('claude-sonnet-4-5');
    expect(request?.stream).toBe(true);
    expect(request?.max_tokens).toBe(2048);
    expect(request?.tools?.map((tool) => tool.name)).toEqual(toolRegistry.map((tool) => tool.name));
    expect(request?.tools?.every((tool) => tool.input_schema.type === 'object')).toBe(true);
    expect(JSON.stringify(request?.system)).toContain('Today is 2026-11-30.');
    expect(mock.headers[0]?.['x-api-key']).toBe(API_KEY);
  });

  it('runs tool calls and returns results', async () => {
    mock.script(
      {
        blocks: [
          textBlock('Let me look.'),
          toolUseBlock('toolu_01', 'list_clean_rooms', ['{"li', 'mit": ', '5}']),
          toolUseBlock('toolu_02', 'list_runs', ['{"status": "COMPLETED"}']),
        ],
        stopReason: 'tool_use',
      },
      { blocks: [textBlock('Two rooms: CR-000001 and CR-000002.')], stopReason: 'end_turn' },
    );

    const events = await ask(test.platform.context, advertiser, 'list my rooms and runs');

    expect(ofType(events, 'tool_call')).toMatchObject([
      { toolCallId: 'toolu_01', toolName: 'list_clean_rooms', input: { limit: 5 } },
      { toolCallId: 'toolu_02', toolName: 'list_runs', input: { status: 'COMPLETED' } },
    ]);
    // The two calls run at once, so their results arrive in either order.
    const results = ofType(events, 'tool_result');
    expect(results.map((result) => result.isError)).toEqual([false, false]);
    const rooms = results.find((result) => result.toolCallId === 'toolu_01');
    expect(rooms?.text).toContain('CR-000001');
    expect(textOf(events)).toBe('Let me look.\n\nTwo rooms: CR-000001 and CR-000002.');
    expect(finishOf(events)).toMatchObject({ finishReason: 'stop', incomplete: false });

    expect(mock.requests).toHaveLength(2);
    const messages = mock.requests[1]?.messages ?? [];
    const calls = blocksOf(messages.at(-2)?.content).filter((block) => block.type === 'tool_use');
    expect(calls.map((block) => [block.id, block.name, block.input])).toEqual([
      ['toolu_01', 'list_clean_rooms', { limit: 5 }],
      ['toolu_02', 'list_runs', { status: 'COMPLETED' }],
    ]);
    const answers = blocksOf(messages.at(-1)?.content);
    expect(messages.at(-1)?.role).toBe('user');
    const answered = answers.map((block) => [
      block.type,
      block.tool_use_id,
      block.is_error ?? false,
    ]);
    expect(answered.sort()).toEqual([
      ['tool_result', 'toolu_01', false],
      ['tool_result', 'toolu_02', false],
    ]);
    const roomsAnswer = answers.find((block) => block.tool_use_id === 'toolu_01');
    expect(JSON.stringify(roomsAnswer?.content)).toContain('CR-000001');
  });

  it('returns a tool error as is_error', async () => {
    mock.script(
      {
        blocks: [toolUseBlock('toolu_err', 'get_run', ['{"runId": "no-such-run"}'])],
        stopReason: 'tool_use',
      },
      { blocks: [textBlock('That run does not exist.')], stopReason: 'end_turn' },
    );

    const events = await ask(test.platform.context, advertiser, 'status of no-such-run');

    const [result] = ofType(events, 'tool_result');
    expect(result).toMatchObject({ isError: true, text: expect.stringContaining('RUN_NOT_FOUND') });
    const [answer] = blocksOf(mock.requests[1]?.messages.at(-1)?.content);
    expect(answer).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_err', is_error: true });
    expect(JSON.stringify(answer?.content)).toContain('RUN_NOT_FOUND');
    expect(textOf(events)).toBe('That run does not exist.');
  });

  it('marks a max_tokens stop incomplete', async () => {
    mock.script({ blocks: [textBlock('The overlap is')], stopReason: 'max_tokens' });

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

  it('never runs a cut-off tool call', async () => {
    const before = await getJson<{ items: unknown[] }>(
      test.app,
      test.keys.advertiser,
      '/api/v1/runs',
    );
    mock.script({
      blocks: [
        toolUseBlock('toolu_cut', 'start_run', ['{"cleanRoomId": "CR-000001", "questionId": "aud']),
      ],
      stopReason: 'max_tokens',
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

  it('sends tool calls as valid history', async () => {
    mock.script(
      {
        blocks: [toolUseBlock('toolu_h1', 'list_clean_rooms', ['{}'])],
        stopReason: 'tool_use',
      },
      { blocks: [textBlock('You have rooms.')], stopReason: 'end_turn' },
      { blocks: [textBlock('Second answer.')], stopReason: 'end_turn' },
    );

    const first = await ask(test.platform.context, advertiser, 'list my rooms');
    const second = await ask(test.platform.context, advertiser, 'and now?', {
      conversationId: conversationOf(first),
    });

    expect(textOf(second)).toBe('Second answer.');
    const messages = mock.requests[2]?.messages ?? [];
    expect(messages.map((message) => message.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
    ]);
    expect(blocksOf(messages[1]?.content).map((block) => block.type)).toEqual(['tool_use']);
    expect(blocksOf(messages[2]?.content).map((block) => block.type)).toEqual(['tool_result']);
    expect(blocksOf(messages[4]?.content).at(-1)).toMatchObject({ type: 'text', text: 'and now?' });
  });

  it('reports a mid-stream error event', async () => {
    useMock({ LLM_MAX_RETRIES: '0' });
    mock.script({
      blocks: [textBlock('The overlap ', 'is')],
      stopReason: 'end_turn',
      streamError: { type: 'overloaded_error', message: 'Overloaded' },
    });

    const events = await ask(test.platform.context, advertiser, 'explain the overlap');

    const [failure] = ofType(events, 'answer_error');
    expect(failure?.code).toBe('LLM_FAILED');
    expect(failure?.message).toContain('overloaded_error');
    expect(failure?.message).toContain('Overloaded');
    expect(failure?.message).not.toContain('[object Object]');
    expect(textOf(events)).toBe('The overlap is');
    expect(finishOf(events)).toMatchObject({ finishReason: 'error', incomplete: true });
  });

  it('reports an error event before text', async () => {
    useMock({ LLM_MAX_RETRIES: '0' });
    mock.script({
      blocks: [],
      stopReason: 'end_turn',
      streamError: { type: 'overloaded_error', message: 'Overloaded' },
    });

    const events = await ask(test.platform.context, advertiser, 'hello');

    const [failure] = ofType(events, 'answer_error');
    expect(failure?.code).toBe('LLM_FAILED');
    expect(failure?.message).toContain('overloaded_error: Overloaded');
    expect(ofType(events, 'text_delta')).toEqual([]);
    expect(finishOf(events)).toMatchObject({ finishReason: 'error', incomplete: true });
  });

  it('reports a failing API as an answer error', async () => {
    useMock({ LLM_MAX_RETRIES: '0' });
    mock.script({ blocks: [], stopReason: 'end_turn', failWithStatus: 500 });

    const events = await ask(test.platform.context, advertiser, 'hello');

    const [failure] = ofType(events, 'answer_error');
    expect(failure?.code).toBe('LLM_FAILED');
    expect(failure?.message).toContain('HTTP 500');
    expect(finishOf(events)).toMatchObject({ finishReason: 'error', incomplete: true });
  });
});
