import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/domain/errors/app-error.ts';
import { decideNextAction } from '../../src/adapters/llm/offline/intent-engine.ts';
import { OfflineLanguageModel } from '../../src/adapters/llm/offline/offline-language-model.ts';
import type { OfflineAction } from '../../src/adapters/llm/offline/offline-action.ts';
import { parseRequest } from '../../src/adapters/llm/offline/parse-request.ts';
import type { SeenToolResult, TurnState } from '../../src/adapters/llm/offline/turn-state.ts';
import { describeAppError } from '../../src/interfaces/tools/invoke-tool.ts';
import { toMarkdownOutcome } from '../../src/services/chat/chat-tools.ts';

const today = new Date('2026-11-30T12:00:00Z');
const options = { today, runWaitSeconds: 0 };
const MY_CUSTOMERS = '11111111-1111-4111-8111-111111111111';
const NORTHWIND_CRM = '22222222-2222-4222-8222-222222222222';

function turn(text: string, results: SeenToolResult[] = [], extra: Partial<TurnState> = {}) {
  return { text, results, lastRunId: null, lastRoomId: null, lastPage: null, ...extra };
}

function ok(
  toolName: string,
  input: Record<string, unknown>,
  data: Record<string, unknown>,
  text = '',
): SeenToolResult {
  return { toolName, input, isError: false, text, data };
}

function failed(toolName: string, input: Record<string, unknown>, error: AppError): SeenToolResult {
  const { text } = toMarkdownOutcome({ isError: true, text: describeAppError(error) });
  return { toolName, input, isError: true, text, data: null };
}

function rooms(count: number) {
  return Array.from({ length: count }, (_, index) => ({
    id: `room-${index + 1}`,
    displayId: `CR-${String(index + 1).padStart(6, '0')}`,
    name: `Room ${index + 1}`,
  }));
}

function roomListing(count: number, nextCursor: string | null = null): SeenToolResult {
  return ok('list_clean_rooms', { limit: 100 }, { items: rooms(count), nextCursor });
}

function severalFit(): AppError {
  return new AppError(
    'PARAMETER_INVALID',
    `Several datasets fit @my_audience: My customers (${MY_CUSTOMERS}), Northwind CRM (${NORTHWIND_CRM}); choose one with datasets: { "@my_audience": "<dataset id>" }.`,
    { details: { field: 'datasets', allowedValues: [MY_CUSTOMERS, NORTHWIND_CRM] } },
  );
}

function textOf(action: OfflineAction): string {
  expect(action.kind).toBe('answer');
  return action.text;
}

describe('offline engine dataset choice', () => {
  const question = 'what is our overlap with the publisher in CR-000001 by age band';
  const startInput = {
    cleanRoomId: 'room-1',
    questionId: 'audience_overlap',
    parameters: { attribute: 'age_band' },
    idempotencyKey: 'first-key',
    waitSeconds: 0,
  };

  it.each([
    [`${question} using My customers?`, MY_CUSTOMERS],
    [`${question} with my audience "My customers"`, MY_CUSTOMERS],
    [`${question} with dataset ${NORTHWIND_CRM}`, NORTHWIND_CRM],
    [`${question} with dataset northwind crm`, NORTHWIND_CRM],
  ])('retries start_run with the dataset named in "%s"', (sentence, datasetId) => {
    const action = decideNextAction(
      turn(sentence, [roomListing(1), failed('start_run', startInput, severalFit())]),
      options,
    );

    expect(action.kind).toBe('tools');
    const call = action.kind === 'tools' ? action.calls[0] : undefined;
    expect(call?.toolName).toBe('start_run');
    expect(call?.input).toMatchObject({
      cleanRoomId: 'room-1',
      datasets: { '@my_audience': datasetId },
    });
    expect(call?.input.idempotencyKey).not.toBe('first-key');
  });

  it('asks which dataset when none is named', () => {
    const text = textOf(
      decideNextAction(
        turn(`${question}?`, [roomListing(1), failed('start_run', startInput, severalFit())]),
        options,
      ),
    );

    expect(text).toContain('My customers');
    expect(text).toContain('Northwind CRM');
    expect(text).toContain('using My customers');
    expect(text).not.toContain('PARAMETER_INVALID');
    expect(text).not.toContain('datasets:');
  });

  it('reports error if dataset already passed', () => {
    const retried = { ...startInput, datasets: { '@my_audience': MY_CUSTOMERS } };
    const text = textOf(
      decideNextAction(
        turn(`${question} using My customers`, [
          roomListing(1),
          failed('start_run', retried, severalFit()),
        ]),
        options,
      ),
    );

    expect(text).toContain('I could not start the run');
  });

  it('counts room with several fitting datasets', () => {
    const request = 'overlap by age band using My customers';
    const previews = rooms(2).map((room) =>
      failed('preview_run', { cleanRoomId: room.id }, severalFit()),
    );
    const action = decideNextAction(
      turn(request, [roomListing(2), ...partnersOf(2), ...previews]),
      options,
    );

    expect(action.kind).toBe('tools');
    expect(action.kind === 'tools' ? action.calls[0]?.toolName : '').toBe('start_run');
    expect(action.kind === 'tools' ? action.calls[0]?.input.cleanRoomId : '').toBe('room-1');
  });
});

function partnersOf(count: number): SeenToolResult[] {
  return rooms(count).map((room) => ok('list_partners', { cleanRoomId: room.id }, { items: [] }));
}

describe('offline engine room search for a question', () => {
  const request = 'conversion attribution over the last 30 days';
  const unfit = new AppError(
    'DATASET_UNSUITABLE',
    'No dataset attached to this room fits @conversions.',
  );

  function previewsFailing(from: number, to: number): SeenToolResult[] {
    return rooms(to)
      .slice(from)
      .map((room) => failed('preview_run', { cleanRoomId: room.id }, unfit));
  }

  it('checks older rooms after the newest five fail', () => {
    const action = decideNextAction(
      turn(request, [roomListing(8), ...partnersOf(5), ...previewsFailing(0, 5)]),
      options,
    );

    expect(action.kind).toBe('tools');
    const checked =
      action.kind === 'tools' ? action.calls.map((call) => call.input.cleanRoomId) : [];
    expect(checked).toEqual(['room-6', 'room-7', 'room-8']);
  });

  it('runs in an older room that fits', () => {
    const fits = ok('preview_run', { cleanRoomId: 'room-7' }, { valid: true });
    const action = decideNextAction(
      turn(request, [roomListing(8), ...partnersOf(5), ...previewsFailing(0, 6), fits]),
      options,
    );

    expect(action.kind === 'tools' ? action.calls[0] : null).toMatchObject({
      toolName: 'start_run',
      input: { cleanRoomId: 'room-7' },
    });
  });

  it('says "any" only after checking every room', () => {
    const text = textOf(
      decideNextAction(
        turn(request, [roomListing(8), ...partnersOf(5), ...previewsFailing(0, 8)]),
        options,
      ),
    );

    expect(text).toContain('any of your clean rooms');
    expect(text).toContain('- CR-000001 (Room 1): No dataset attached');
    expect(text).toContain('The same applies to 7 other rooms: CR-000002');
    expect(text).not.toContain('DATASET_UNSUITABLE');
  });

  it('names checked rooms when stopping early', () => {
    const text = textOf(
      decideNextAction(
        turn(request, [roomListing(25), ...partnersOf(5), ...previewsFailing(0, 20)]),
        options,
      ),
    );

    expect(text).not.toContain('any of your clean rooms');
    expect(text).toContain('20 newest');
    expect(text).toContain('The same applies to 19 other rooms');
    expect(text).toContain('5 older');
    expect(text).toContain('CR-000021');
  });

  it('groups reasons naming each room', () => {
    const previews = rooms(12).map((room) =>
      failed(
        'preview_run',
        { cleanRoomId: room.id },
        new AppError(
          'DATASET_UNSUITABLE',
          `No dataset attached to ${room.displayId} fits @conversions.`,
        ),
      ),
    );
    const text = textOf(
      decideNextAction(turn(request, [roomListing(12), ...partnersOf(5), ...previews]), options),
    );

    const reasonLines = text.split('\n').filter((line) => line.includes('No dataset attached'));

    expect(reasonLines).toHaveLength(1);
    expect(reasonLines[0]).toContain('- CR-000001 (Room 1): No dataset attached to CR-000001 fits');
    expect(text).toContain(
      'The same applies to 11 other rooms: CR-000002, CR-000003, CR-000004, CR-000005, CR-000006 and 6 more.',
    );
  });

  it('counts rooms beyond the reasons shown', () => {
    const previews = rooms(8).map((room, index) =>
      failed(
        'preview_run',
        { cleanRoomId: room.id },
        new AppError('PARAMETER_INVALID', `Reason number ${index + 1}.`),
      ),
    );
    const text = textOf(
      decideNextAction(turn(request, [roomListing(8), ...partnersOf(5), ...previews]), options),
    );

    expect(text).toContain('- CR-000004 (Room 4): Reason number 4.');
    expect(text).not.toContain('Reason number 5');
    expect(text).toContain(
      '- 4 other rooms (CR-000005, CR-000006, CR-000007, CR-000008) for other reasons',
    );
  });

  it('avoids "any" with more room pages', () => {
    const text = textOf(
      decideNextAction(
        turn(request, [roomListing(3, 'next-page'), ...partnersOf(3), ...previewsFailing(0, 3)]),
        options,
      ),
    );

    expect(text).not.toContain('any of your clean rooms');
  });
});

describe('offline engine room search by name', () => {
  it.each([
    ['show rooms named <script>', '<script>'],
    ['show rooms named 50%_off?', '50%_off'],
    ['show rooms named winter', 'winter'],
    ['list rooms called "Q4 (test)"', 'q4 (test)'],
  ])('searches "%s" for the term', (sentence, term) => {
    expect(parseRequest(sentence, today)).toMatchObject({ kind: 'list', search: term });
    const action = decideNextAction(turn(sentence), options);

    expect(action.kind === 'tools' ? action.calls[0] : null).toMatchObject({
      toolName: 'list_clean_rooms',
      input: { search: term },
    });
  });

  it('says when a search term matches nothing', () => {
    const sentence = 'show rooms named <script>';
    const empty = ok('list_clean_rooms', { search: '<script>' }, { items: [], nextCursor: null });
    const text = textOf(decideNextAction(turn(sentence, [empty]), options));

    expect(text).toContain('No clean room has "\\<script\\>"');
  });
});

describe('offline engine wording for people', () => {
  it('phrases a failed tool call without its error code', () => {
    const error = new AppError('NOT_FOUND', 'Run 3f0c not found.');
    const action = decideNextAction(
      turn('status of the run', [failed('get_run', { runId: '3f0c' }, error)], {
        lastRunId: '3f0c',
      }),
      options,
    );
    const text = textOf(action);

    expect(text).toContain('I could not read the run status. Run 3f0c not found.');
    expect(text).not.toContain('NOT_FOUND');
    expect(text).not.toContain('get_run');
  });

  it('offers "show more" instead of a cursor', () => {
    const page = ok(
      'get_results',
      { runId: 'run-1', limit: 50 },
      { nextCursor: 'WzUwXQ' },
      'Rows 1 to 50 of 80 (run run-1).\n\nMore rows follow: call get_results with cursor "WzUwXQ".',
    );
    const text = textOf(
      decideNextAction(turn('show the results', [page], { lastRunId: 'run-1' }), options),
    );

    expect(text).toContain('say "show more"');
    expect(text).not.toContain('WzUwXQ');
  });

  it('reads the next page on "show more"', () => {
    const lastPage = {
      toolName: 'get_results',
      input: { runId: 'run-1', limit: 50 },
      nextCursor: 'WzUwXQ',
    };
    const action = decideNextAction(turn('show more', [], { lastPage }), options);

    expect(action.kind === 'tools' ? action.calls[0] : null).toEqual({
      toolName: 'get_results',
      input: { runId: 'run-1', limit: 50, cursor: 'WzUwXQ' },
    });
  });

  it('says when there is no next page', () => {
    const lastPage = { toolName: 'get_results', input: { runId: 'run-1' }, nextCursor: null };
    const text = textOf(decideNextAction(turn('show more', [], { lastPage }), options));

    expect(text).toContain('no next page');
  });
});

describe('offline engine room choice by partner kind', () => {
  const overlap = 'what is our overlap with the publisher by age band?';

  it('lists rooms with a publisher partner', () => {
    const action = decideNextAction(turn(overlap), options);

    expect(action.kind === 'tools' ? action.calls : []).toEqual([
      {
        toolName: 'list_clean_rooms',
        input: { limit: 100, partnerKind: 'PUBLISHER', datasetsFor: 'audience_overlap' },
      },
    ]);
  });

  it('lists again without the dataset filter', () => {
    const none = ok(
      'list_clean_rooms',
      { limit: 100, partnerKind: 'PUBLISHER', datasetsFor: 'audience_overlap' },
      { items: [], nextCursor: null },
    );
    const action = decideNextAction(turn(overlap, [none]), options);

    expect(action.kind === 'tools' ? action.calls : []).toEqual([
      { toolName: 'list_clean_rooms', input: { limit: 100, partnerKind: 'PUBLISHER' } },
    ]);
  });

  it('lists every room for a display id', () => {
    const action = decideNextAction(turn(`${overlap} in CR-000003`), options);

    expect(action.kind === 'tools' ? action.calls[0]?.input : null).toEqual({
      limit: 100,
      partnerKind: undefined,
    });
  });

  it('asks for the attribute without a fixed one', () => {
    const text = textOf(decideNextAction(turn('overlap with the advertiser'), options));

    expect(text).toContain('I need the partner attribute');
    expect(text).toContain('"which datasets are attached?"');
    expect(text).not.toContain('age band');
  });

  it('says when no room has such a partner', () => {
    const empty = ok(
      'list_clean_rooms',
      { limit: 100, partnerKind: 'PUBLISHER' },
      { items: [], nextCursor: null },
    );
    const text = textOf(decideNextAction(turn(overlap, [empty]), options));

    expect(text).toContain('None of your clean rooms has a publisher partner');
  });

  it('checks the previous answer room alone first', () => {
    const listing = ok(
      'list_clean_rooms',
      { limit: 100, partnerKind: 'PUBLISHER' },
      { items: rooms(8), nextCursor: null },
    );
    const action = decideNextAction(turn(overlap, [listing], { lastRoomId: 'room-6' }), options);

    expect(action.kind === 'tools' ? action.calls : []).toEqual([
      {
        toolName: 'preview_run',
        input: {
          cleanRoomId: 'room-6',
          questionId: 'audience_overlap',
          parameters: { attribute: 'age_band' },
        },
      },
    ]);
  });

  it('runs in the previous answer room when it fits', () => {
    const listing = ok(
      'list_clean_rooms',
      { limit: 100, partnerKind: 'PUBLISHER' },
      { items: rooms(8), nextCursor: null },
    );
    const fits = ok('preview_run', { cleanRoomId: 'room-6' }, { valid: true });
    const action = decideNextAction(
      turn(overlap, [listing, fits], { lastRoomId: 'room-6' }),
      options,
    );

    expect(action.kind === 'tools' ? action.calls[0] : null).toMatchObject({
      toolName: 'start_run',
      input: { cleanRoomId: 'room-6' },
    });
  });
});

describe('offline model output limit', () => {
  it('shortens a long answer at a line end', async () => {
    const rows = Array.from({ length: 200 }, (_, index) => `| CR-${index} | Room ${index} |`);
    const model = new OfflineLanguageModel({ now: () => today, runWaitSeconds: 0 });
    const generated = await model.doGenerate({
      maxOutputTokens: 256,
      tools: [{ type: 'function', name: 'list_clean_rooms', inputSchema: {} }],
      prompt: [
        { role: 'user', content: [{ type: 'text', text: 'list my clean rooms' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool-call', toolCallId: 'call-1', toolName: 'list_clean_rooms', input: {} },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'call-1',
              toolName: 'list_clean_rooms',
              output: {
                type: 'json',
                value: { text: rows.join('\n'), data: { items: rooms(1), nextCursor: null } },
              },
            },
          ],
        },
      ],
    });
    const text = generated.content.find((part) => part.type === 'text')?.text ?? '';

    expect(generated.finishReason.unified).toBe('stop');
    expect(text.length).toBeLessThanOrEqual(256 * 4);
    expect(text).toMatch(/\| Room \d+ \|\n\nThis answer is shortened to fit the output limit/);
  });
});
