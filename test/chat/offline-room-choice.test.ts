import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatStreamEvent } from '../../src/domain/chat/chat-stream-event.ts';
import type { Caller } from '../../src/domain/organizations/caller.ts';
import { listCleanRooms } from '../../src/services/clean-rooms/list-clean-rooms.ts';
import { findRoom, getJson, sendJson, type CleanRoomView } from '../support/api-helpers.ts';
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

const STARTER_OVERLAP = 'What is the audience overlap with the publisher by age band?';
const NEWER_EMPTY_ROOMS = 57;
/** The default output limit of 2,048 tokens at the engine's 4 characters per token. */
const ANSWER_CHARACTERS_MAX = 2_048 * 4;

function startedRoomId(events: ChatStreamEvent[]): unknown {
  const start = ofType(events, 'tool_call').find((call) => call.toolName === 'start_run');
  return (start?.input as { cleanRoomId?: unknown } | undefined)?.cleanRoomId;
}

describe('offline room choice', () => {
  let test: TestPlatform;
  let advertiser: Caller;
  let publisher: Caller;
  let publisherRoom: CleanRoomView;
  let retailerRoom: CleanRoomView;

  beforeAll(async () => {
    test = await startTestPlatform({ backend: 'postgres', seed: 'small', startWorker: true });
    useChatRuntime(test);
    advertiser = await callerFor(test, test.keys.advertiser);
    publisher = await callerFor(test, test.keys.publisher);
    publisherRoom = await findRoom(test.app, test.keys.advertiser, 'CR-000001');
    retailerRoom = await findRoom(test.app, test.keys.advertiser, 'CR-000002');
    for (let index = 1; index <= NEWER_EMPTY_ROOMS; index += 1) {
      const created = await sendJson(test.app, test.keys.advertiser, 'POST', '/api/v1/cleanrooms', {
        name: `Empty room ${index}`,
      });
      expect(created.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    await test?.close();
  });

  describe('starter overlap among many newer empty rooms', () => {
    let events: ChatStreamEvent[];

    beforeAll(async () => {
      events = await ask(test.platform.context, advertiser, STARTER_OVERLAP);
    }, 60_000);

    it('lists only rooms with a publisher partner', () => {
      const listing = ofType(events, 'tool_call').find(
        (call) => call.toolName === 'list_clean_rooms',
      );

      expect(listing?.input).toMatchObject({ partnerKind: 'PUBLISHER' });
    });

    it('runs in the publisher room', () => {
      expect(startedRoomId(events)).toBe(publisherRoom.id);
    });

    it('finishes complete without previews', () => {
      const previews = ofType(events, 'tool_call').filter(
        (call) => call.toolName === 'preview_run',
      );

      expect(previews).toEqual([]);
      expect(finishOf(events).finishReason).toBe('stop');
      expect(textOf(events)).toContain('Here is the audience overlap and index result');
    });

    it('suggests an overlap the advertiser can run', () => {
      const { suggestions } = finishOf(events);

      expect(suggestions).toContain('What is our overlap with the publisher by region?');
    });

    it('runs the suggested follow-up in the same room', async () => {
      const followUp = await ask(
        test.platform.context,
        advertiser,
        'What is our overlap with the publisher by region?',
        { conversationId: conversationOf(events) },
      );

      expect(startedRoomId(followUp)).toBe(publisherRoom.id);
      expect(textOf(followUp)).toContain('Here is the audience overlap and index result');
      expect(finishOf(followUp).finishReason).toBe('stop');
    }, 60_000);
  });

  describe('follow-up without a room', () => {
    it('runs in the room of the previous answer', async () => {
      const first = await ask(test.platform.context, advertiser, STARTER_OVERLAP);
      const conversationId = conversationOf(first);

      const followUp = await ask(
        test.platform.context,
        advertiser,
        'What is our overlap by region?',
        { conversationId },
      );

      const previews = ofType(followUp, 'tool_call').filter(
        (call) => call.toolName === 'preview_run',
      );
      expect(startedRoomId(first)).toBe(publisherRoom.id);
      expect(previews.map((call) => call.input)).toEqual([
        expect.objectContaining({ cleanRoomId: publisherRoom.id }),
      ]);
      expect(startedRoomId(followUp)).toBe(publisherRoom.id);
      expect(finishOf(followUp).finishReason).toBe('stop');
    }, 60_000);
  });

  describe('question without partner kind', () => {
    let events: ChatStreamEvent[];

    beforeAll(async () => {
      events = await ask(test.platform.context, advertiser, 'segment sizing by region');
    }, 60_000);

    it('lists only rooms with fitting datasets', () => {
      const listing = ofType(events, 'tool_call').find(
        (call) => call.toolName === 'list_clean_rooms',
      );

      expect(listing?.input).toMatchObject({ datasetsFor: 'segment_sizing' });
    });

    it('runs in a demo room', () => {
      expect([publisherRoom.id, retailerRoom.id]).toContain(startedRoomId(events));
      expect(textOf(events)).toContain('Here is the segment sizing result');
      expect(textOf(events).length).toBeLessThanOrEqual(ANSWER_CHARACTERS_MAX);
      expect(finishOf(events).finishReason).toBe('stop');
    });
  });

  describe('partner kind listing', () => {
    it('includes a room once a publisher joins it', async () => {
      const listed = async () =>
        (
          await listCleanRooms(test.platform.context, advertiser, { partnerKind: 'PUBLISHER' })
        ).items.map((room) => room.displayId);
      const room = await findRoom(test.app, test.keys.advertiser, 'Empty room 3');

      expect(await listed()).toEqual(['CR-000001']);
      const added = await sendJson(
        test.app,
        test.keys.advertiser,
        'POST',
        `/api/v1/cleanrooms/${room.id}/partners`,
        { partnerAdminEmail: test.emails.publisher },
      );
      expect(added.status).toBe(201);
      expect(await listed()).toEqual([room.displayId, 'CR-000001']);
    });
  });

  describe('publisher side', () => {
    it('offers starters naming no partner kind', async () => {
      const { STARTER_QUESTIONS } = await import('../../web/src/pages/chat/starter-questions.ts');

      for (const question of STARTER_QUESTIONS) expect(question).not.toMatch(/publisher|age band/i);
    });

    it('suggests an overlap with an attribute of the advertiser data', async () => {
      const first = await ask(
        test.platform.context,
        publisher,
        'What is our overlap with the advertiser by loyalty tier?',
      );
      const suggestion = finishOf(first).suggestions.find((text) => text.includes('overlap'));

      expect(startedRoomId(first)).toBe(publisherRoom.id);
      expect(suggestion).toMatch(
        /^What is our overlap with the advertiser by (customer since|lifetime value)\?$/,
      );

      const followUp = await ask(test.platform.context, publisher, suggestion ?? '', {
        conversationId: conversationOf(first),
      });
      expect(ofType(followUp, 'tool_result').filter((result) => result.isError)).toEqual([]);
      expect(textOf(followUp)).toContain('Here is the audience overlap and index result');
    }, 60_000);
  });

  // Last, because the datasets it attaches make the room a candidate for the questions above.
  describe('dataset listing', () => {
    async function audienceDatasetId(key: string): Promise<string> {
      const { body } = await getJson<{ items: { id: string; dataType: string }[] }>(
        test.app,
        key,
        '/api/v1/datasets?limit=100',
      );
      const dataset = body.items.find((item) => ['CRM', 'AUDIENCE'].includes(item.dataType));
      if (!dataset) throw new Error('no CRM or AUDIENCE dataset');
      return dataset.id;
    }

    it('includes a room once its datasets fit', async () => {
      const listed = async () =>
        (
          await listCleanRooms(test.platform.context, advertiser, {
            partnerKind: 'PUBLISHER',
            datasetsFor: 'audience_overlap',
          })
        ).items.map((room) => room.displayId);
      const room = await findRoom(test.app, test.keys.advertiser, 'Empty room 4');
      const added = await sendJson(
        test.app,
        test.keys.advertiser,
        'POST',
        `/api/v1/cleanrooms/${room.id}/partners`,
        { partnerAdminEmail: test.emails.publisher },
      );
      expect(added.status).toBe(201);
      expect(await listed()).toEqual(['CR-000001']);

      for (const key of [test.keys.advertiser, test.keys.publisher]) {
        const datasetId = await audienceDatasetId(key);
        const attached = await sendJson(
          test.app,
          key,
          'PUT',
          `/api/v1/cleanrooms/${room.id}/datasets/${datasetId}`,
        );
        expect(attached.status).toBeLessThan(300);
      }
      expect(await listed()).toEqual([room.displayId, 'CR-000001']);
    });

    it('rejects an unknown question template', async () => {
      await expect(
        listCleanRooms(test.platform.context, advertiser, { datasetsFor: 'unknown_question' }),
      ).rejects.toThrow(/datasetsFor must be a question template \(audience_overlap, /);
    });
  });
});
